package datasets

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"
)

// Load reads trade files into one dataset (SPEC §1.1, §2). The format of each
// file follows its name: .csv, .parquet, .jsonl, .ndjson or .json (JSON
// Lines), each optionally followed by .gz or .zst; an unknown extension reads
// as CSV, and "-" reads CSV from opt.Stdin. Rows keep the order of the files
// and of the rows within them.
//
// A file that cannot be read (missing, a directory, not decompressible, not
// the format its name says) is a *FileError. A bad row is a *RowError: the
// first one stops the load unless opt.SkipBadRows is set, in which case each
// goes to opt.OnReject in input order. A header that lacks a required column
// (block_time, tx_hash, contract, token_id, seller, buyer, price; token_id may
// be left out when --set token_standard=erc20) is a *RowError that stops the
// load even with SkipBadRows. A row whose identity (tx_hash, log_index,
// contract, token_id) and content equal an earlier row's is dropped and
// counted in Stats.RowsDuplicate; one whose identity matches but content
// differs is rejected with ErrConflict. Stats always satisfy
// RowsRead = RowsLoaded + RowsRejected + RowsDuplicate.
//
// CSV and JSON Lines are split into chunks parsed on every core, then merged in
// input order, so ids and row order do not depend on scheduling. Memory is
// about 130 bytes per loaded row plus 8 bytes per row for duplicate detection.
func Load(paths []string, opt LoadOptions) (*Trades, error) {
	return load(osOpener{}, paths, opt)
}

// LoadFS is Load reading from fsys (for example an embed.FS).
func LoadFS(fsys fs.FS, names []string, opt LoadOptions) (*Trades, error) {
	return load(fsOpener{fsys}, names, opt)
}

// input is an opened file.
type inputFile interface {
	io.Reader
	io.Closer
}

type opener interface {
	open(name string) (inputFile, int64, error) // file and its size (-1 unknown)
}

type osOpener struct{}

func (osOpener) open(name string) (inputFile, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, fileErr(name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fileErr(name, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, &FileError{File: name, Err: errors.New("is a directory")}
	}
	size := int64(-1)
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

type fsOpener struct{ fsys fs.FS }

func (o fsOpener) open(name string) (inputFile, int64, error) {
	f, err := o.fsys.Open(name)
	if err != nil {
		return nil, 0, fileErr(name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fileErr(name, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, &FileError{File: name, Err: errors.New("is a directory")}
	}
	return f, st.Size(), nil
}

// fileErr wraps an open error, dropping the path an *fs.PathError repeats.
func fileErr(name string, err error) *FileError {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &FileError{File: name, Err: err}
}

// loadGCPercent is the GOGC setting while loading.
const loadGCPercent = 25

func load(op opener, names []string, opt LoadOptions) (*Trades, error) {
	cfg, err := newLoadConfig(&opt)
	if err != nil {
		return nil, err
	}
	// The big columns hold no pointers, so a collection is cheap; collecting
	// often keeps the garbage of parsed chunks from doubling the peak memory.
	defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	b := newBuilder(&opt)
	prog := newProgress(opt.Progress)
	defer prog.finish()
	for i, name := range names {
		b.t.Files = append(b.t.Files, name)
		b.src = uint32(i)
		if err := b.loadFile(op, name, cfg, prog); err != nil {
			return nil, err
		}
	}
	// Free the indexes before the token id strings are built.
	b.slots = nil
	b.t.Assets.dropIndex()
	if b.t.Len() > 1<<20 {
		runtime.GC()
	}
	b.t.Assets.materialize()
	b.t.Stats.RowsLoaded = int64(b.t.Len())
	return b.t, nil
}

func (b *builder) loadFile(op opener, name string, cfg *loadConfig, prog *progress) error {
	f, comp, _ := splitName(name)
	var (
		in   inputFile
		size int64 = -1
		err  error
	)
	if name == "-" {
		f, comp = fmtCSV, compNone
		r := b.opt.Stdin
		if r == nil {
			r = os.Stdin
		}
		in = io.NopCloser(r)
	} else {
		in, size, err = op.open(name)
		if err != nil {
			return err
		}
	}
	defer in.Close()
	b.file = name
	b.parquet = f == fmtParquet
	b.fileParquet = append(b.fileParquet, b.parquet)
	if f == fmtParquet {
		return b.loadParquet(in, size, comp, name, cfg, prog)
	}
	counted := prog.reader(in, name, size)
	r, closeDec, err := decompress(counted, comp)
	if err != nil {
		return &FileError{File: name, Err: err}
	}
	defer closeDec()
	if comp == compNone && size > 0 {
		b.sizeHint = size
	} else {
		b.sizeHint = -1
	}
	if f == fmtJSONL {
		return b.runText(r, name, cfg, true)
	}
	return b.runText(r, name, cfg, false)
}

// builder merges parsed rows into a Trades table in input order: it interns,
// detects duplicates and conflicts, and accounts for every row.
type builder struct {
	t           *Trades
	opt         *LoadOptions
	file        string
	src         uint32
	parquet     bool
	fileParquet []bool
	sizeHint    int64

	slots []uint64 // open addressing: hash high bits << 32 | row+1; 0 empty
	used  int

	lastContract Address
	lastCID      AddrID
	haveContract bool
}

func newBuilder(opt *LoadOptions) *builder {
	return &builder{t: NewTrades(), opt: opt, slots: make([]uint64, 1<<10)}
}

// reserve grows every column to hold n more rows.
func (b *builder) reserve(n int) {
	t := b.t
	if n <= 0 || cap(t.Time)-len(t.Time) >= n {
		return
	}
	want := len(t.Time) + n
	grow := func(l int) int { return want - l }
	t.Chain = growSlice(t.Chain, grow(len(t.Chain)))
	t.Time = growSlice(t.Time, grow(len(t.Time)))
	t.Block = growSlice(t.Block, grow(len(t.Block)))
	t.TxHash = growSlice(t.TxHash, grow(len(t.TxHash)))
	t.LogIndex = growSlice(t.LogIndex, grow(len(t.LogIndex)))
	t.Asset = growSlice(t.Asset, grow(len(t.Asset)))
	t.Standard = growSlice(t.Standard, grow(len(t.Standard)))
	t.Seller = growSlice(t.Seller, grow(len(t.Seller)))
	t.Buyer = growSlice(t.Buyer, grow(len(t.Buyer)))
	t.Amount = growSlice(t.Amount, grow(len(t.Amount)))
	t.Price = growSlice(t.Price, grow(len(t.Price)))
	t.Currency = growSlice(t.Currency, grow(len(t.Currency)))
	t.PriceUSD = growSlice(t.PriceUSD, grow(len(t.PriceUSD)))
	t.Platform = growSlice(t.Platform, grow(len(t.Platform)))
	t.TxFrom = growSlice(t.TxFrom, grow(len(t.TxFrom)))
	t.Label = growSlice(t.Label, grow(len(t.Label)))
	t.Source = growSlice(t.Source, grow(len(t.Source)))
	t.Line = growSlice(t.Line, grow(len(t.Line)))
	for b.used+n > len(b.slots)*6/10 {
		b.rehash(len(b.slots) * 2)
	}
	// Assets and addresses: at most one per row and about a third of a row.
	t.Assets.reserve(n)
	t.Addrs.reserve(n / 16)
}

func growSlice[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	ns := make([]T, len(s), len(s)+n)
	copy(ns, s)
	return ns
}

// idKey is a row identity once its asset is interned.
type idKey struct {
	tx    Hash
	log   uint32
	asset AssetID
}

func (b *builder) hash(k *idKey) uint64 {
	h := mix(binary.LittleEndian.Uint64(k.tx[0:8])^hashSeed, binary.LittleEndian.Uint64(k.tx[8:16])^mixK1)
	h = mix(h^binary.LittleEndian.Uint64(k.tx[16:24]), binary.LittleEndian.Uint64(k.tx[24:32])^mixK2)
	return mix(h^uint64(k.log)<<32^uint64(k.asset), mixK3)
}

func (b *builder) rehash(n int) {
	old := b.slots
	b.slots = make([]uint64, n)
	mask := uint64(n - 1)
	t := b.t
	for _, s := range old {
		if s == 0 {
			continue
		}
		row := uint32(s) - 1
		k := idKey{t.TxHash[row], t.LogIndex[row], t.Asset[row]}
		h := b.hash(&k)
		for i := h & mask; ; i = (i + 1) & mask {
			if b.slots[i] == 0 {
				b.slots[i] = h&^0xffffffff | uint64(row+1)
				break
			}
		}
	}
}

// internStr interns s in d, cloning it when new (s may share an input buffer).
func internStr(d *Dict, s string) uint32 {
	if id, ok := d.index[s]; ok {
		return id
	}
	return d.Intern(strings.Clone(s))
}

func (b *builder) contractID(a Address, intern bool) (AddrID, bool) {
	if b.haveContract && a == b.lastContract {
		return b.lastCID, true
	}
	var id AddrID
	if intern {
		id = b.t.Addrs.Intern(a)
	} else {
		var ok bool
		if id, ok = b.t.Addrs.Lookup(a); !ok {
			return 0, false
		}
	}
	b.lastContract, b.lastCID, b.haveContract = a, id, true
	return id, true
}

// reject hands e to OnReject (or returns it to stop the load).
func (b *builder) reject(e *RowError) error {
	b.t.Stats.RowsRejected++
	if !b.opt.SkipBadRows {
		return e
	}
	if b.opt.OnReject != nil {
		b.opt.OnReject(e)
	}
	return nil
}

// add merges one parsed row of chunk c.
func (b *builder) add(p *prow, c *chunk) error {
	t := b.t
	t.Stats.RowsRead++
	if p.err != nil {
		return b.reject(p.err)
	}
	// Identity lookup without interning anything.
	var (
		k     idKey
		h     uint64
		found = -1
		known bool
	)
	k.tx, k.log = p.tx, p.logIndex
	if cid, ok := b.contractID(p.contract, false); ok {
		if aid, ok := t.Assets.lookupKey(cid, &p.tk, tokRawBytes(p)); ok {
			k.asset, known = aid, true
			h = b.hash(&k)
			mask := uint64(len(b.slots) - 1)
			for i := h & mask; ; i = (i + 1) & mask {
				s := b.slots[i]
				if s == 0 {
					break
				}
				if s&^0xffffffff != h&^0xffffffff {
					continue
				}
				row := int(uint32(s) - 1)
				if t.TxHash[row] == k.tx && t.LogIndex[row] == k.log && t.Asset[row] == k.asset {
					found = row
					break
				}
			}
		}
	}
	if found >= 0 {
		if b.sameContent(found, p) {
			t.Stats.RowsDuplicate++
			return nil
		}
		return b.reject(&RowError{
			File: b.file, Line: p.line, Parquet: b.parquet, Raw: rawOf(c, p),
			Err: &conflictError{file: t.Files[t.Source[found]], line: t.Line[found], parquet: b.fileParquet[t.Source[found]]},
		})
	}
	// New identity: intern and append.
	aid := k.asset
	if !known {
		cid, _ := b.contractID(p.contract, true)
		aid = t.Assets.internKey(cid, p.tk, tokRawBytes(p))
		k.asset = aid
		h = b.hash(&k)
	}
	row := t.Len()
	if b.used+1 > len(b.slots)*6/10 {
		b.rehash(len(b.slots) * 2)
	}
	mask := uint64(len(b.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if b.slots[i] == 0 {
			b.slots[i] = h&^0xffffffff | uint64(row+1)
			break
		}
	}
	b.used++
	t.Chain = append(t.Chain, internStr(t.Chains, p.chain))
	t.Time = append(t.Time, p.time)
	t.Block = append(t.Block, p.block)
	t.TxHash = append(t.TxHash, p.tx)
	t.LogIndex = append(t.LogIndex, p.logIndex)
	t.Asset = append(t.Asset, aid)
	t.Standard = append(t.Standard, p.std)
	t.Seller = append(t.Seller, b.addr(p.seller, p.hasSeller))
	t.Buyer = append(t.Buyer, b.addr(p.buyer, p.hasBuyer))
	t.Amount = append(t.Amount, p.amount)
	t.Price = append(t.Price, p.price)
	t.Currency = append(t.Currency, internStr(t.Currencies, p.currency))
	t.PriceUSD = append(t.PriceUSD, p.usd)
	t.Platform = append(t.Platform, internStr(t.Platforms, p.platform))
	t.TxFrom = append(t.TxFrom, b.addr(p.txFrom, p.hasTxFrom))
	t.Label = append(t.Label, p.label)
	t.Source = append(t.Source, b.src)
	t.Line = append(t.Line, p.line)
	return nil
}

func (b *builder) addr(a Address, has bool) AddrID {
	if !has {
		return NoAddr
	}
	return b.t.Addrs.intern(&a, hashAddr(&a))
}

// tokRawBytes is the token text of p when it is not a small number.
func tokRawBytes(p *prow) []byte {
	if p.tk.kind != tokRaw {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(p.token), len(p.token))
}

// lookAddr is the id a would have, without interning; ok false when new.
func (b *builder) lookAddr(a Address, has bool) (AddrID, bool) {
	if !has {
		return NoAddr, true
	}
	return b.t.Addrs.Lookup(a)
}

func lookStr(d *Dict, s string) (uint32, bool) { return d.Lookup(s) }

// sameContent reports whether row i holds exactly the fields of p.
func (b *builder) sameContent(i int, p *prow) bool {
	t := b.t
	eqf := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	if t.Time[i] != p.time || t.Block[i] != p.block || t.Standard[i] != p.std || t.Label[i] != p.label ||
		!eqf(t.Amount[i], p.amount) || !eqf(t.Price[i], p.price) || !eqf(t.PriceUSD[i], p.usd) {
		return false
	}
	if id, ok := b.lookAddr(p.seller, p.hasSeller); !ok || id != t.Seller[i] {
		return false
	}
	if id, ok := b.lookAddr(p.buyer, p.hasBuyer); !ok || id != t.Buyer[i] {
		return false
	}
	if id, ok := b.lookAddr(p.txFrom, p.hasTxFrom); !ok || id != t.TxFrom[i] {
		return false
	}
	if id, ok := lookStr(t.Chains, p.chain); !ok || id != t.Chain[i] {
		return false
	}
	if id, ok := lookStr(t.Currencies, p.currency); !ok || id != t.Currency[i] {
		return false
	}
	if id, ok := lookStr(t.Platforms, p.platform); !ok || id != t.Platform[i] {
		return false
	}
	return true
}

// chunk is a unit of parallel work: raw input in, parsed rows out.
type chunk struct {
	data    []byte // input (text formats)
	text    string // data as a string, shared by the parsed rows
	rows    []prow
	lines   int64 // newlines in data (text) or rows (Parquet): the line base of the next chunk
	raw     func(i int) string
	err     error // fatal read error, reported after the rows before it
	out     chan *chunk
	work    func(*chunk)
	release func()
}

// pipeline runs work on chunks produced by produce, on every core, and
// delivers them to consume in production order. produce must return when
// stop is closed. consume's error stops everything.
func pipeline(produce func(emit func(*chunk) bool), consume func(*chunk) error) error {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *chunk)
	order := make(chan *chunk, 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				c.work(c)
				c.out <- c
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		produce(func(c *chunk) bool {
			c.out = make(chan *chunk, 1)
			select {
			case order <- c:
			case <-stop:
				return false
			}
			if c.work == nil {
				c.out <- c
				return true
			}
			select {
			case work <- c:
				return true
			case <-stop:
				return false
			}
		})
	}()
	var err error
	for c := range order {
		c = <-c.out
		if err = consume(c); err != nil {
			break
		}
	}
	close(stop)
	for range order { // let the producer finish
	}
	wg.Wait()
	return err
}
