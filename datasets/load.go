package datasets

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/bits"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Load reads trade files into one dataset (docs/contract.md §1.1, §2). A directory among
// paths stands for the files beneath it, with the columns its hive partition
// directories supply (see ExpandInputs). The format of each
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
// The table comes back finished: opt's side tables are read into it
// (funders, then the allow list, then the deny list; see LoadOptions). Their
// address lists are read before the trades, so a bad one fails first.
//
// Every format is split into chunks parsed on every core, then merged in
// input order by two pipelined stages (identity and content), so ids and row
// order do not depend on scheduling. The dictionaries and the duplicate
// index are pointer-free open-addressing tables. The loaded table costs
// about 106 bytes per row for the columns (Origins add a few bytes per file
// in all), 21 per distinct address and about 26 per distinct asset (record,
// contract, token id string); while it loads, duplicate detection adds 8 to
// 16 bytes per row and the address index 24 per slot, both freed at the end
// (Trades.Footprint lists what a table holds).
func Load(paths []string, opt LoadOptions) (*Trades, error) {
	return load(osOpener{}, paths, opt)
}

// LoadInputs is Load of files already listed (ExpandInputs), each with its
// partition columns: e.g. copies of trade files whose partition values were
// recorded when they were first read (analyze --state).
func LoadInputs(files []InputFile, opt LoadOptions) (*Trades, error) {
	if files == nil {
		files = []InputFile{}
	}
	return loadInputs(osOpener{}, nil, files, opt)
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
	st, err := statFile(name, f)
	if err != nil {
		return nil, 0, err
	}
	size := int64(-1)
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

// statFile stats an opened input and refuses a directory, closing f on error.
func statFile(name string, f interface {
	Stat() (fs.FileInfo, error)
	Close() error
}) (fs.FileInfo, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fileErr(name, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, &FileError{File: name, Err: errors.New("is a directory")}
	}
	return st, nil
}

type fsOpener struct{ fsys fs.FS }

func (o fsOpener) open(name string) (inputFile, int64, error) {
	f, err := o.fsys.Open(name)
	if err != nil {
		return nil, 0, fileErr(name, err)
	}
	st, err := statFile(name, f)
	if err != nil {
		return nil, 0, err
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

func load(op opener, names []string, opt LoadOptions) (*Trades, error) {
	return loadInputs(op, names, nil, opt)
}

// loadInputs loads files, or when it is nil the expansion of names.
func loadInputs(op opener, names []string, files []InputFile, opt LoadOptions) (*Trades, error) {
	cfg, err := newLoadConfig(&opt)
	if err != nil {
		return nil, err
	}
	// The side lists are read first: a bad one fails before the long part.
	side, err := readSideLists(&opt)
	if err != nil {
		return nil, err
	}
	t, err := loadTrades(op, names, files, &opt, cfg)
	if err != nil {
		return nil, err
	}
	// The side tables go in once the load's buffers are freed.
	if err := side.apply(t, &opt); err != nil {
		return nil, err
	}
	t.SortAddrs()
	if t.Len() > 1<<20 {
		// The load's scratch (the old address dictionary and its index,
		// the sort's keys, the side tables' buffers) goes before detection
		// allocates: it would otherwise stay until the collector's next
		// cycle, paced by a heap it inflates.
		runtime.GC()
	}
	return t, nil
}

func loadTrades(op opener, names []string, files []InputFile, opt *LoadOptions, cfg *loadConfig) (*Trades, error) {
	if opt.OnLoad != nil {
		defer opt.OnLoad()()
	}
	b := newBuilder(opt)
	defer dropRows()
	prog := newProgress(opt.Progress)
	defer prog.finish()
	if files == nil {
		files = make([]InputFile, len(names))
		for i, name := range names {
			files[i].Path = name
		}
		if _, isOS := op.(osOpener); isOS {
			var err error
			if files, err = ExpandInputs(names); err != nil {
				return nil, err
			}
		}
	}
	cfg.nfiles = len(files)
	for i, in := range files {
		b.t.Files = append(b.t.Files, in.Path)
		b.src = uint32(i)
		if err := b.loadFile(op, in.Path, cfg.withPartition(in.Partition), prog); err != nil {
			if cerr := b.ctx.Err(); cerr != nil {
				// Not a FileError or RowError: whatever failed, the load was canceled.
				return nil, fmt.Errorf("%s: %w", in.Path, cerr)
			}
			return nil, err
		}
	}
	if len(files) > 1 {
		if err := cfg.checkMapSeen(nil); err != nil {
			return nil, err
		}
	}
	// Asset records carry stage A's private contract ids: switch to the
	// dictionary's, and free the indexes before the token id strings are built.
	b.slots = nil
	b.t.Assets.fixContracts()
	if b.t.Len() > 1<<20 {
		runtime.GC()
	}
	b.t.Assets.materialize()
	b.t.Assets.trim()
	b.t.Stats.RowsLoaded = int64(b.t.Len())
	return b.t, nil
}

// sideLists are the address lists of LoadOptions, read before the trades.
type sideLists struct {
	allow, deny []Address
}

func readSideLists(opt *LoadOptions) (*sideLists, error) {
	var s sideLists
	var err error
	if opt.Allow != "" {
		if s.allow, err = readAddressList(sideOpener(opt, osOpener{}), opt.Allow); err != nil {
			return nil, err
		}
	}
	if opt.DenyFunders != "" {
		if s.deny, err = readAddressList(sideOpener(opt, osOpener{}), opt.DenyFunders); err != nil {
			return nil, err
		}
	}
	if opt.Funders != "" && opt.FundersFS == nil {
		// Fail before the trades when the funders file cannot be opened.
		f, err := os.Open(opt.Funders)
		if err != nil {
			return nil, fileErr(opt.Funders, err)
		}
		f.Close()
	}
	return &s, nil
}

// apply reads the funders into t, then marks the allow list unknown and
// records the deny list. The order matters: funders intern funder addresses
// that no trade names, and an allow-listed funder must be unknown too
// (docs/contract.md §1.3: never a wallet, node or link).
func (s *sideLists) apply(t *Trades, opt *LoadOptions) error {
	t.DenyFunders = map[AddrID]bool{}
	if opt.Funders != "" {
		var err error
		if opt.FundersFS != nil {
			t.Funders, err = loadFunders(sideOpener(opt, fsOpener{opt.FundersFS}), opt.Funders, t)
		} else {
			t.Funders, err = loadFunders(sideOpener(opt, osOpener{}), opt.Funders, t)
		}
		if err != nil {
			return err
		}
	}
	for _, a := range s.allow {
		if id, ok := t.Addrs.Lookup(a); ok {
			t.Addrs.MarkUnknown(id)
		}
	}
	for _, a := range s.deny {
		if id, ok := t.Addrs.Lookup(a); ok {
			t.DenyFunders[id] = true
		}
	}
	return nil
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
	b.noLogIndex, b.txOrd, b.rowHash = false, nil, nil
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
	r = ctxReader{b.ctx, r} // a long decompression stops on cancel
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
	ctx         context.Context
	file        string
	src         uint32
	parquet     bool
	fileParquet []bool
	sizeHint    int64

	slots []uint64 // open addressing: hash high bits << 32 | row+1; 0 empty
	used  int      // slots in use, at most maxIdentityLoad/10 of them

	pc2g []AddrID // stage B: global contract id by stage A's private id (0: not yet)

	pcontracts *Addresses     // stage A: private contract numbering
	pcache     *contractCache // stage A

	strs [3]strCache // stage B: chains, currencies, platforms

	// A file without a log_index column (addIdentityNoLI): rows so far
	// per transaction, and the content hash of each row loaded from it.
	noLogIndex bool
	txOrd      map[Hash]uint32
	rowHash    map[uint32]uint64

	sink  uint32 // keeps the cache-touching loads of resolveAddrs
	sinkA uint64 // and of addRowsA
}

func newBuilder(opt *LoadOptions) *builder {
	ctx := opt.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return &builder{t: NewTrades(), pcontracts: NewAddresses(), pcache: new(contractCache), opt: opt, ctx: ctx, slots: make([]uint64, 1<<10)}
}

// reserve grows every column to hold n more rows (before the merge starts).
func (b *builder) reserve(n int) {
	b.reserveA(n)
	b.reserveB(n)
}

// maxIdentityLoad is the most tenths of the identity table in use: at 7/10
// a 10M-row load fits in 2^24 slots (128 MiB) where 6/10 needed 2^25, and
// linear probing still finds a row in ~2 probes.
const maxIdentityLoad = 7

// reserveA grows the columns of merge stage A.
func (b *builder) reserveA(n int) {
	t := b.t
	if n <= 0 || cap(t.TxHash)-len(t.TxHash) >= n {
		return
	}
	want := len(t.TxHash) + n
	t.TxHash = reserveCap(t.TxHash, want-len(t.TxHash))
	t.LogIndex = reserveCap(t.LogIndex, want-len(t.LogIndex))
	t.Asset = reserveCap(t.Asset, want-len(t.Asset))
	if size := len(b.slots); b.used+n > size*maxIdentityLoad/10 {
		for b.used+n > size*maxIdentityLoad/10 {
			size *= 2
		}
		b.rehash(size)
	}
	t.Assets.reserve(n) // at most one asset per row
}

// reserveB grows the columns of merge stage B.
func (b *builder) reserveB(n int) {
	t := b.t
	if n <= 0 || cap(t.Time)-len(t.Time) >= n {
		return
	}
	want := len(t.Time) + n
	grow := func(l int) int { return want - l }
	t.Chain = reserveCap(t.Chain, grow(len(t.Chain)))
	t.Time = reserveCap(t.Time, grow(len(t.Time)))
	t.Block = reserveCap(t.Block, grow(len(t.Block)))
	t.Standard = reserveCap(t.Standard, grow(len(t.Standard)))
	t.Seller = reserveCap(t.Seller, grow(len(t.Seller)))
	t.Buyer = reserveCap(t.Buyer, grow(len(t.Buyer)))
	t.Amount = reserveCap(t.Amount, grow(len(t.Amount)))
	t.Price = reserveCap(t.Price, grow(len(t.Price)))
	t.Currency = reserveCap(t.Currency, grow(len(t.Currency)))
	t.PriceUSD = reserveCap(t.PriceUSD, grow(len(t.PriceUSD)))
	t.Platform = reserveCap(t.Platform, grow(len(t.Platform)))
	t.TxFrom = reserveCap(t.TxFrom, grow(len(t.TxFrom)))
	t.Label = reserveCap(t.Label, grow(len(t.Label)))
	t.Assets.Contract = reserveCap(t.Assets.Contract, n)
	t.Addrs.reserve(n / 16)
}

// reserveCap returns s with room for n more elements, reallocated to
// exactly len(s)+n when short. Not slices.Grow: that zeroes the whole new
// capacity (an append of make), which makes every page of a reservation
// resident at once, where a fresh allocation leaves the pages the load never
// writes (the estimate's slack, the asset records reserved one per row at
// worst) unmapped: about 30 MB more peak on a 1M-trade load.
func reserveCap[T any](s []T, n int) []T {
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
	adviseHuge(b.slots)
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

// strCache is a direct-mapped cache in front of a Dict: a row's chain,
// currency and platform are among a few values, which it finds with a hash
// of the length and the first and last 8 bytes and one comparison, where
// the map hashes every byte. An empty slot holds "", id 0, which is right
// for "" (a Dict's id 0).
type strCache struct {
	slots [256]struct {
		s  string
		id uint32
	}
	// stable: the strings given to intern are immutable as long as they
	// are referenced (not in a recycled buffer), so a slot may keep the
	// last one it matched: the next row's string, the same dictionary
	// entry of a Parquet page, then compares equal by its pointer alone.
	stable bool
}

// intern interns s in d through the cache.
func (c *strCache) intern(d *Dict, s string) uint32 {
	var h uint64
	if n := len(s); n >= 8 {
		p := unsafe.StringData(s)
		h = binary.LittleEndian.Uint64(unsafe.Slice(p, 8)) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(p), n-8)), 8)), 29)
	} else {
		for i := range n {
			h = h<<8 | uint64(s[i])
		}
	}
	e := &c.slots[mix(h^uint64(len(s)), mixK1)>>56]
	if e.s == s {
		if c.stable {
			e.s = s
		}
		return e.id
	}
	id := internStr(d, s)
	e.s, e.id = d.list[id], id
	return id
}

// setStableStrings tells the string caches whether the strings of the rows
// to come are stable (see strCache).
func (b *builder) setStableStrings(stable bool) {
	for i := range b.strs {
		b.strs[i].stable = stable
	}
}

// internStr interns s in d, cloning it when new (s may share an input buffer).
func internStr(d *Dict, s string) uint32 {
	if id, ok := d.index[s]; ok {
		return id
	}
	return d.Intern(strings.Clone(s))
}

// globalContract is the address id of p's contract. Stage A numbered the
// contracts privately (p.pcid, in its own first-seen order); stage B maps
// those numbers to dictionary ids through a slice, interning a contract when
// the first of its rows reaches it, so ids come out as if every row interned
// its contract in order.
func (b *builder) globalContract(p *prow) AddrID {
	if int(p.pcid) < len(b.pc2g) {
		if id := b.pc2g[p.pcid]; id != 0 {
			return id
		}
	} else {
		b.pc2g = append(b.pc2g, make([]AddrID, int(p.pcid)+1-len(b.pc2g))...)
	}
	id := b.t.Addrs.intern(&p.contract, hashAddr(&p.contract))
	b.pc2g[p.pcid] = id
	return id
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

// The merge runs in two stages on their own goroutines, each owning a
// disjoint set of columns, so that it overlaps with itself as well as with
// parsing. Stage A (identity) owns TxHash, LogIndex, Asset, the identity
// table and the asset index (keyed by a private contract numbering); stage B
// (content) owns every other column, the address dictionary,
// Assets.Contract, the counts and the rejects. Both see rows in input order.

// Row states passed from stage A to stage B.
const (
	rowNew  uint8 = iota // a new identity: appended by A, to be appended by B
	rowSame              // same identity as loaded row p.cand: duplicate or conflict
	rowBad               // p.err is set
)

// addRowsA is stage A for the rows of a chunk, in order. The asset index and
// the identity table are far larger than the processor's caches, so each
// lookup is a cache miss; as in resolveAddrs, the rows go in blocks whose
// lookups are independent of each other: a pass that computes every row's
// asset hash and touches its home slot, a pass that resolves the assets in
// row order (interning new ones, so ids are as if each row were added alone)
// and touches each identity's home slot, then the identity probes in row
// order. The processor overlaps the misses of a pass instead of paying them
// one by one.
func (b *builder) addRowsA(rows []prow) {
	t := b.t
	var (
		ah, kh [resolveBlock]uint64 // asset and identity hashes
		pc     [resolveBlock]AddrID // private contract ids
		known  [resolveBlock]bool   // asset seen before the row
		sink   uint64
	)
	for lo := 0; lo < len(rows); lo += resolveBlock {
		blk := rows[lo:min(lo+resolveBlock, len(rows))]
		// Hashes first, then the table slots touched in a loop of bare
		// loads, so the block's cache misses are in flight together; the
		// lookups that follow find the slots in cache.
		for i := range blk {
			p := &blk[i]
			if p.err == nil {
				pc[i] = b.privateContract(&p.contract)
				p.pcid = pc[i]
				ah[i] = assetHash(pc[i], p.tk.kind, p.tk.v, tokRawBytes(p))
			}
		}
		if n := len(t.Assets.slots); n > 0 {
			mask := uint64(n - 1)
			for i := range blk {
				s := t.Assets.slots[ah[i]&mask]
				if s != 0 { // and the record the lookup compares with
					s += t.Assets.rec[uint32(s)-1].v
				}
				sink += s
			}
		}
		if b.used+len(blk) > len(b.slots)*maxIdentityLoad/10 {
			b.rehash(len(b.slots) * 2)
		}
		smask := uint64(len(b.slots) - 1)
		for i := range blk {
			p := &blk[i]
			if p.err != nil {
				continue
			}
			raw := tokRawBytes(p)
			aid, ok := t.Assets.lookupHash(pc[i], &p.tk, raw, ah[i])
			if !ok {
				aid = t.Assets.internHash(pc[i], p.tk, raw, ah[i])
			}
			p.aid, known[i] = aid, ok
			k := idKey{p.tx, p.logIndex, aid}
			kh[i] = b.hash(&k)
		}
		for i := range blk {
			sink += b.slots[kh[i]&smask]
		}
		for i := range blk {
			if p := &blk[i]; p.err == nil && (b.noLogIndex || p.noLI) {
				b.addIdentityNoLI(p, kh[i], known[i])
			} else {
				b.addIdentity(p, kh[i], known[i])
			}
		}
	}
	b.sinkA = sink
}

// privateContract is stage A's id of contract a.
func (b *builder) privateContract(a *Address) AddrID {
	h := hashAddr(a)
	pcid, ok := b.pcache.get(a, h)
	if !ok {
		pcid = b.pcontracts.intern(a, h)
		b.pcache.put(a, h, pcid)
	}
	return pcid
}

// addIdentity ends stage A for row p, whose asset p.aid is resolved (known:
// it existed before the row) and whose identity hashes to kh: a new identity
// is appended, a repeated one marked rowSame with the row it repeats.
func (b *builder) addIdentity(p *prow, kh uint64, known bool) {
	if p.err != nil {
		p.state = rowBad
		return
	}
	t := b.t
	if b.used+1 > len(b.slots)*maxIdentityLoad/10 {
		b.rehash(len(b.slots) * 2)
	}
	mask := uint64(len(b.slots) - 1)
	i := kh & mask
	if known {
		for ; ; i = (i + 1) & mask {
			s := b.slots[i]
			if s == 0 {
				break
			}
			if s&^0xffffffff != kh&^0xffffffff {
				continue
			}
			row := uint32(s) - 1
			if t.TxHash[row] == p.tx && t.LogIndex[row] == p.logIndex && t.Asset[row] == p.aid {
				p.state, p.cand = rowSame, row
				return
			}
		}
	} else {
		for b.slots[i] != 0 {
			i = (i + 1) & mask
		}
	}
	row := len(t.TxHash)
	b.slots[i] = kh&^0xffffffff | uint64(row+1)
	b.used++
	p.state = rowNew
	t.TxHash = append(t.TxHash, p.tx)
	t.LogIndex = append(t.LogIndex, p.logIndex)
	t.Asset = append(t.Asset, p.aid)
}

// addIdentityNoLI is addIdentity for a row of a file without a log_index
// column (README "Input", after Dune's nft.wash_trades): a row whose
// identity matches an earlier row of the same file but whose content
// differs is a distinct transfer, whose log_index is its ordinal among the
// file's rows of its transaction; a row equal to an earlier one in every
// field (the one at log_index 0, or at one of the first 64 ordinals) is a
// duplicate still.
func (b *builder) addIdentityNoLI(p *prow, kh uint64, known bool) {
	if b.txOrd == nil {
		b.txOrd, b.rowHash = map[Hash]uint32{}, map[uint32]uint64{}
	}
	o := b.txOrd[p.tx]
	b.txOrd[p.tx] = o + 1
	h := contentHash(p)
	b.addIdentity(p, kh, known)
	if p.state == rowNew {
		b.rowHash[uint32(len(b.t.TxHash)-1)] = h
		return
	}
	if ch, ok := b.rowHash[p.cand]; !ok || ch == h || p.logIndex != 0 {
		return // another file's row, or the same content: stage B decides
	}
	for j := uint32(1); j < o && j <= 64; j++ {
		k := idKey{p.tx, j, p.aid}
		if r, ok := b.findIdentity(&k, b.hash(&k)); ok && b.rowHash[r] == h {
			p.cand = r // a duplicate of that row
			return
		}
	}
	p.logIndex = o
	k := idKey{p.tx, o, p.aid}
	b.addIdentity(p, b.hash(&k), true)
	if p.state == rowNew {
		b.rowHash[uint32(len(b.t.TxHash)-1)] = h
	}
}

// findIdentity returns the loaded row of identity k (hashing to kh).
func (b *builder) findIdentity(k *idKey, kh uint64) (uint32, bool) {
	t := b.t
	mask := uint64(len(b.slots) - 1)
	for i := kh & mask; ; i = (i + 1) & mask {
		s := b.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^0xffffffff != kh&^0xffffffff {
			continue
		}
		row := uint32(s) - 1
		if t.TxHash[row] == k.tx && t.LogIndex[row] == k.log && t.Asset[row] == k.asset {
			return row, true
		}
	}
}

// contentHash hashes the fields of p outside its identity.
func contentHash(p *prow) uint64 {
	h := hashSeed
	step := func(x uint64) { h = mix(x^mixK1, h^mixK2) }
	step(uint64(p.time))
	step(p.block)
	step(math.Float64bits(p.amount))
	step(math.Float64bits(p.price))
	step(math.Float64bits(p.usd))
	step(uint64(p.std) | uint64(p.label)<<8 | b2u(p.hasSeller)<<16 | b2u(p.hasBuyer)<<17 | b2u(p.hasTxFrom)<<18 | b2u(p.hasPrice)<<19)
	for _, a := range []*Address{&p.seller, &p.buyer, &p.txFrom} {
		step(binary.LittleEndian.Uint64(a[0:8]))
		step(binary.LittleEndian.Uint64(a[8:16]))
		step(uint64(binary.LittleEndian.Uint32(a[16:20])))
	}
	for _, s := range []string{p.chain, p.currency, p.platform} {
		step(uint64(len(s)))
		for ; len(s) >= 8; s = s[8:] {
			step(binary.LittleEndian.Uint64([]byte(s[:8])))
		}
		var tail [8]byte
		copy(tail[:], s)
		step(binary.LittleEndian.Uint64(tail[:]))
	}
	return h
}

func b2u(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// addB is stage B for one row of chunk c.
func (b *builder) addB(p *prow, c *chunk) error {
	t := b.t
	t.Stats.RowsRead++
	switch p.state {
	case rowBad:
		return b.reject(p.err)
	case rowSame:
		found := int(p.cand)
		src, line := t.Origins.At(found)
		col := b.differingColumn(found, p)
		if col == "" {
			t.Stats.RowsDuplicate++
			return nil
		}
		return b.reject(&RowError{
			File: b.file, Line: p.line, Column: col, Parquet: b.parquet, Raw: rawOf(c, p),
			Err: &conflictError{file: t.Files[src], line: line, parquet: b.fileParquet[src]},
		})
	}
	cid := b.globalContract(p)
	if int(p.aid) == len(t.Assets.Contract) {
		t.Assets.Contract = append(t.Assets.Contract, cid)
	}
	t.Chain = append(t.Chain, b.strs[0].intern(t.Chains, p.chain))
	t.Time = append(t.Time, p.time)
	t.Block = append(t.Block, p.block)
	t.Standard = append(t.Standard, p.std)
	t.Seller = append(t.Seller, b.addrID(&p.seller, p.hasSeller, p.sellerID))
	t.Buyer = append(t.Buyer, b.addrID(&p.buyer, p.hasBuyer, p.buyerID))
	t.Amount = append(t.Amount, p.amount)
	t.Price = append(t.Price, p.price)
	t.Currency = append(t.Currency, b.strs[1].intern(t.Currencies, p.currency))
	t.PriceUSD = append(t.PriceUSD, p.usd)
	t.Platform = append(t.Platform, b.strs[2].intern(t.Platforms, p.platform))
	t.TxFrom = append(t.TxFrom, b.addrID(&p.txFrom, p.hasTxFrom, p.txFromID))
	t.Label = append(t.Label, p.label)
	t.Origins.Append(b.src, p.line)
	return nil
}

// mergeBlock is the number of rows each pass of a merge stage goes over
// before the next pass starts: a chunk's rows (up to ~18 MB) are far larger
// than a core's L2 cache, a block of them (~300 KB) is not, so the passes
// after the first find the rows in cache.
const mergeBlock = 1024

// inBlocks calls f for the consecutive blocks of at most mergeBlock rows,
// lo being the index of the block's first row.
func inBlocks(rows []prow, f func(lo int, blk []prow)) {
	for lo := 0; lo < len(rows); lo += mergeBlock {
		f(lo, rows[lo:min(lo+mergeBlock, len(rows))])
	}
}

// addRowsB ends the merge for the rows of c, in order, a block at a time:
// resolveAddrs, then runs of new rows through addNew, the others (rejects,
// duplicates, conflicts) through addB.
func (b *builder) addRowsB(c *chunk) error {
	for lo := 0; lo < len(c.rows); lo += mergeBlock {
		blk := c.rows[lo:min(lo+mergeBlock, len(c.rows))]
		b.resolveAddrs(blk)
		if err := b.addRunsB(c, blk); err != nil {
			return err
		}
	}
	return nil
}

// addRunsB is addRowsB for rows, a block of c's rows.
func (b *builder) addRunsB(c *chunk, rows []prow) error {
	for i := 0; i < len(rows); {
		if rows[i].state != rowNew {
			if err := b.addB(&rows[i], c); err != nil {
				return err
			}
			i++
			continue
		}
		j := i + 1
		for j < len(rows) && rows[j].state == rowNew {
			j++
		}
		b.addNew(rows[i:j])
		i = j
	}
	return nil
}

// addNew appends new rows (state rowNew) as addB does, one column slice at
// a time held in a local, so that an append does not write the table's
// slice headers back for every row. Nothing here reads the columns.
func (b *builder) addNew(rows []prow) {
	t := b.t
	t.Stats.RowsRead += int64(len(rows))
	// Contracts and parties share the address dictionary: interned in
	// one loop, in addB's order, so new addresses get the same ids.
	contract, seller, buyer, txFrom := t.Assets.Contract, t.Seller, t.Buyer, t.TxFrom
	for i := range rows {
		p := &rows[i]
		cid := b.globalContract(p)
		if int(p.aid) == len(contract) {
			contract = append(contract, cid)
		}
		seller = append(seller, b.addrID(&p.seller, p.hasSeller, p.sellerID))
		buyer = append(buyer, b.addrID(&p.buyer, p.hasBuyer, p.buyerID))
		txFrom = append(txFrom, b.addrID(&p.txFrom, p.hasTxFrom, p.txFromID))
	}
	t.Assets.Contract, t.Seller, t.Buyer, t.TxFrom = contract, seller, buyer, txFrom
	chain, cur, plat := t.Chain, t.Currency, t.Platform
	for i := range rows {
		p := &rows[i]
		chain = append(chain, b.strs[0].intern(t.Chains, p.chain))
		cur = append(cur, b.strs[1].intern(t.Currencies, p.currency))
		plat = append(plat, b.strs[2].intern(t.Platforms, p.platform))
	}
	t.Chain, t.Currency, t.Platform = chain, cur, plat
	tm, block, std, label := t.Time, t.Block, t.Standard, t.Label
	amount, price, usd := t.Amount, t.Price, t.PriceUSD
	for i := range rows {
		p := &rows[i]
		tm = append(tm, p.time)
		block = append(block, p.block)
		std = append(std, p.std)
		amount = append(amount, p.amount)
		price = append(price, p.price)
		usd = append(usd, p.usd)
		label = append(label, p.label)
	}
	t.Time, t.Block, t.Standard, t.Label = tm, block, std, label
	t.Amount, t.Price, t.PriceUSD = amount, price, usd
	for i := range rows {
		t.Origins.Append(b.src, rows[i].line)
	}
}

// addrID is the id of a (NoAddr when !has): id when resolveAddrs found it,
// else interned now, so new addresses get ids in row order.
func (b *builder) addrID(a *Address, has bool, id AddrID) AddrID {
	if !has {
		return NoAddr
	}
	if id != 0 {
		return id
	}
	return b.t.Addrs.intern(a, hashAddr(a))
}

// How resolveAddrs finds a row's tx_from id.
const (
	txFromOwn    uint8 = iota // looked up
	txFromNone                // no tx_from
	txFromBuyer               // the buyer's
	txFromSeller              // the seller's
)

// resolveBlock is the number of rows whose address lookups resolveAddrs overlaps.
const resolveBlock = 32

// resolveAddrs sets the seller, buyer and tx_from ids of the new rows (state
// rowNew) whose addresses are already in the dictionary, before stage B
// appends them; an address not yet known gets id 0 and is interned by addB
// in row order, so ids are the same as when every row interns its own. The
// dictionary is far larger than the processor's caches, so a lookup is a
// cache miss: here the lookups of a block of rows are independent of each
// other (first a pass that only touches each home slot, then the probes),
// so the processor overlaps their misses instead of paying them one by one.
func (b *builder) resolveAddrs(rows []prow) {
	x := &b.t.Addrs.index
	if len(x.slots) == 0 {
		for i := range rows {
			rows[i].sellerID, rows[i].buyerID, rows[i].txFromID = 0, 0, 0
		}
		return
	}
	mask := uint64(len(x.slots) - 1)
	var (
		hs   [3 * resolveBlock]uint64
		txf  [resolveBlock]uint8
		sink uint32
	)
	for lo := 0; lo < len(rows); lo += resolveBlock {
		blk := rows[lo:min(lo+resolveBlock, len(rows))]
		for i := range blk {
			p := &blk[i]
			h := hs[3*i : 3*i+3 : 3*i+3]
			h[0], h[1] = hashAddr(&p.seller), hashAddr(&p.buyer)
			// tx_from is most often the buyer or the seller (who sent the
			// transaction): then its id is theirs, found without a lookup.
			txf[i] = txFromOwn
			switch {
			case !p.hasTxFrom:
				txf[i] = txFromNone
			case p.hasBuyer && p.txFrom == p.buyer:
				txf[i] = txFromBuyer
			case p.hasSeller && p.txFrom == p.seller:
				txf[i] = txFromSeller
			}
			h[2] = h[1]
			if txf[i] == txFromOwn {
				h[2] = hashAddr(&p.txFrom)
			}
		}
		for _, hv := range hs[:3*len(blk)] {
			s := &x.slots[hv&mask]
			sink += uint32(s.a[0]) + s.id
		}
		for i := range blk {
			p := &blk[i]
			if p.state != rowNew {
				continue
			}
			h := hs[3*i : 3*i+3 : 3*i+3]
			p.sellerID, p.buyerID, p.txFromID = 0, 0, 0
			if p.hasSeller {
				p.sellerID, _ = x.find(&p.seller, h[0])
			}
			if p.hasBuyer {
				p.buyerID, _ = x.find(&p.buyer, h[1])
			}
			switch txf[i] {
			case txFromOwn:
				p.txFromID, _ = x.find(&p.txFrom, h[2])
			case txFromBuyer:
				p.txFromID = p.buyerID
			case txFromSeller:
				p.txFromID = p.sellerID
			}
		}
	}
	b.sink = sink
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

// differingColumn returns the first canonical column in which p differs from
// row i, "" when p holds exactly the fields of row i (a duplicate).
func (b *builder) differingColumn(i int, p *prow) string {
	t := b.t
	eqf := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	addrEq := func(a Address, has bool, id AddrID) bool {
		got, ok := b.lookAddr(a, has)
		return ok && got == id
	}
	strEq := func(d *Dict, s string, id uint32) bool {
		got, ok := lookStr(d, s)
		return ok && got == id
	}
	switch {
	case !strEq(t.Chains, p.chain, t.Chain[i]):
		return "chain"
	case t.Time[i] != p.time:
		return "block_time"
	case t.Block[i] != p.block:
		return "block_number"
	case t.Standard[i] != p.std:
		return "token_standard"
	case !addrEq(p.seller, p.hasSeller, t.Seller[i]):
		return "seller"
	case !addrEq(p.buyer, p.hasBuyer, t.Buyer[i]):
		return "buyer"
	case !eqf(t.Amount[i], p.amount):
		return "amount"
	case !eqf(t.Price[i], p.price):
		return "price"
	case !strEq(t.Currencies, p.currency, t.Currency[i]):
		return "currency"
	case !eqf(t.PriceUSD[i], p.usd):
		return "price_usd"
	case !strEq(t.Platforms, p.platform, t.Platform[i]):
		return "platform"
	case !addrEq(p.txFrom, p.hasTxFrom, t.TxFrom[i]):
		return "tx_from"
	case t.Label[i] != p.label:
		return "is_wash"
	}
	return ""
}

// chunk is a unit of parallel work: raw input in, parsed rows out.
type chunk struct {
	data    []byte // input (text formats)
	own     []byte // the buffer behind data, recycled after stage B
	text    string // data as a string, shared by the parsed rows
	rows    []prow
	lines   int64 // newlines in data (text) or rows (Parquet): the line base of the next chunk
	raw     func(i int) string
	err     error // fatal read error, reported after the rows before it
	out     chan *chunk
	work    func(*chunk)
	release func()
	// chained marks a chunk whose work is not handed to a worker by the
	// pipeline: the worker of an earlier chunk takes it through that
	// chunk's next.
	chained bool
	// next, when set, is called by the worker that did this chunk's work
	// once the chunk is delivered: it returns the chained chunk that worker
	// does next (waiting until it is emitted), or nil.
	next func() *chunk
}

// pipeline runs work on chunks produced by produce, on every core, and
// delivers them in production order to stageA and then, on another
// goroutine, to stageB. produce must return when stop is closed. stageB's
// error stops everything. At most window chunks wait beyond the one the
// merge waits for (0: twice the workers).
func pipeline(ctx context.Context, window int, produce func(emit func(*chunk) bool), stageA func(*chunk), stageB func(*chunk) error) error {
	workers := runtime.GOMAXPROCS(0)
	if window <= 0 {
		window = 2 * workers
	}
	work := make(chan *chunk)
	order := make(chan *chunk, window)
	ab := make(chan *chunk, 2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				for c != nil {
					c.work(c)
					next := c.next // c is the merge's once delivered
					c.out <- c
					if next == nil {
						break
					}
					c = next()
				}
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		produce(func(c *chunk) bool {
			if err := ctx.Err(); err != nil && c.err == nil {
				// Canceled: this chunk ends the load in its place.
				if c.release != nil {
					c.release()
				}
				c = &chunk{err: err}
			}
			c.out = make(chan *chunk, 1)
			select {
			case order <- c:
			case <-stop:
				return false
			}
			if c.chained {
				return true // an earlier chunk's worker takes it
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
	go func() {
		defer close(ab)
		for c := range order {
			// After stop the producer may have queued c in order without
			// handing it to a worker: waiting for it would never end.
			select {
			case done := <-c.out:
				c = done
			case <-stop:
				for range order { // let the producer finish
				}
				return
			}
			if c.err == nil {
				stageA(c)
			}
			select {
			case ab <- c:
			case <-stop:
				for range order { // let the producer finish
				}
				return
			}
		}
	}()
	var err error
	for c := range ab {
		if err = stageB(c); err != nil {
			break
		}
	}
	close(stop)
	for range ab { // let stage A finish
	}
	wg.Wait()
	return err
}

// rowFree recycles the parsed-row buffers of chunks during a load. A
// sync.Pool would be emptied by every collection, and a load collects often;
// dropRows empties the list when the load ends.
var rowFree struct {
	sync.Mutex
	bufs [][]prow
}

// rowFreeMax is the most buffers rowFree keeps: more than a load has in
// flight.
const rowFreeMax = 32

// getRows returns an empty row buffer of capacity at least n.
func getRows(n int) []prow {
	rowFree.Lock()
	defer rowFree.Unlock()
	for i := len(rowFree.bufs) - 1; i >= 0; i-- {
		if b := rowFree.bufs[i]; cap(b) >= n {
			last := len(rowFree.bufs) - 1
			rowFree.bufs[i] = rowFree.bufs[last]
			rowFree.bufs[last] = nil
			rowFree.bufs = rowFree.bufs[:last]
			return b[:0]
		}
	}
	return make([]prow, 0, n)
}

// putRows recycles rows.
func putRows(rows []prow) {
	if cap(rows) == 0 {
		return
	}
	rowFree.Lock()
	if len(rowFree.bufs) < rowFreeMax {
		rowFree.bufs = append(rowFree.bufs, rows[:0])
	}
	rowFree.Unlock()
}

// dropRows lets the recycled row buffers go.
func dropRows() {
	rowFree.Lock()
	clear(rowFree.bufs)
	rowFree.bufs = rowFree.bufs[:0]
	rowFree.Unlock()
}
