package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// LoadFunders reads a funders CSV (docs/contract.md §1.2): a header naming wallet and
// funder, and optionally block_time (any case, in any order, a leading BOM
// allowed; other columns are ignored), then one row per wallet. Funder
// addresses are interned into t.Addrs; a wallet that does not occur in t is
// skipped, and so is an empty or zero funder or wallet. When a wallet has
// several rows the one with the earliest block_time wins (the first on ties or
// when times are missing). A bad row is a *RowError; an unreadable file a
// *FileError. The file may be .gz or .zst compressed.
func LoadFunders(path string, t *Trades) (*Funders, error) {
	return loadFunders(osOpener{}, path, t)
}

// LoadFundersFS is LoadFunders reading from fsys.
func LoadFundersFS(fsys fs.FS, name string, t *Trades) (*Funders, error) {
	return loadFunders(fsOpener{fsys}, name, t)
}

// openText opens a text file, decompressing by extension.
func openText(op opener, name string) (io.Reader, func(), error) {
	in, _, err := op.open(name)
	if err != nil {
		return nil, nil, err
	}
	_, comp, _ := splitName(name)
	r, closeDec, err := decompress(in, comp)
	if err != nil {
		in.Close()
		return nil, nil, &FileError{File: name, Err: err}
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if head, _ := br.Peek(4); comp == compNone {
		if err := sniffMismatch(head); err != nil {
			closeDec()
			in.Close()
			return nil, nil, &FileError{File: name, Err: err}
		}
	}
	return br, func() { closeDec(); in.Close() }, nil
}

func loadFunders(op opener, name string, t *Trades) (*Funders, error) {
	r, done, err := openText(op, name)
	if err != nil {
		return nil, err
	}
	defer done()
	lr := &lineLimit{r: r, max: maxSideLine}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err == io.EOF {
		return NewFunders(), nil
	}
	if err != nil {
		return nil, csvErr(name, err)
	}
	wc, fc, tc := -1, -1, -1
	for i, h := range hdr {
		switch normHeader(h) {
		case "wallet":
			if wc < 0 {
				wc = i
			}
		case "funder":
			if fc < 0 {
				fc = i
			}
		case "block_time":
			if tc < 0 {
				tc = i
			}
		}
	}
	if wc < 0 || fc < 0 {
		missing := "wallet"
		if wc >= 0 {
			missing = "funder"
		}
		return nil, &RowError{File: name, Line: 1, Column: missing,
			Err: fmt.Errorf("%w: the header has no %s column (want wallet,funder[,block_time])", ErrMissing, missing)}
	}
	// The file is parsed on a goroutine of its own, a block of rows at a
	// time, while this one looks the blocks' addresses up: the lookups,
	// cache misses in dictionaries far larger than the caches, are most
	// of the time.
	blocks, free := make(chan *funderBlock, 2), make(chan *funderBlock, 3)
	go parseFunders(cr, name, len(hdr), wc, fc, tc, blocks, free)
	f := NewFunders()
	others := map[Address]firstFunder{}
	var hs [2 * funderBlockRows]uint64
	for blk := range blocks {
		d := t.Addrs
		for i := range blk.recs {
			r := &blk.recs[i]
			hs[2*i], hs[2*i+1] = hashAddr(&r.wallet), hashAddr(&r.funder)
		}
		if !d.sorted && len(d.index.slots) > 0 {
			// Touch every row's home slots first, so that their misses
			// overlap (as in resolveAddrs); the lookups below, in row
			// order, find them in cache. (A sorted dictionary is indexed
			// again by the first Intern: the hashes serve then.)
			var sink uint32
			mask := uint64(len(d.index.slots) - 1)
			for i := range blk.recs {
				sink += d.index.slots[hs[2*i]&mask].id + d.index.slots[hs[2*i+1]&mask].id
			}
			blk.sink = sink
		}
		for i := range blk.recs {
			r := &blk.recs[i]
			w, fu, ts := r.wallet, r.funder, r.time
			var wid AddrID
			ok := false
			if d.sorted {
				wid, ok = d.Lookup(w)
			} else {
				wid, _ = d.index.find(&w, hs[2*i])
				ok = wid != 0
			}
			if !ok {
				// A wallet that does not trade here still counts toward its
				// funder's fan-out, under the same first-funder rule.
				if old, seen := others[w]; seen && (ts == 0 || (old.time != 0 && old.time <= ts)) {
					continue
				}
				others[w] = firstFunder{fu, ts}
				continue
			}
			if old := f.Of(wid); old != NoAddr {
				ot := f.Time(wid)
				if ts == 0 || (ot != 0 && ot <= ts) {
					continue
				}
			}
			f.Set(wid, d.intern(&fu, hs[2*i+1]), ts)
		}
		if blk.err != nil {
			return nil, blk.err // the parser has stopped
		}
		blk.recs = blk.recs[:0]
		select {
		case free <- blk:
		default:
		}
	}
	// Fan-out over the whole file: the wallets of the trades, then the
	// others whose funder the trades know.
	f.fanout = map[AddrID]int32{}
	for w := range f.funder {
		if fr := f.funder[w]; fr != NoAddr {
			f.fanout[fr]++
		}
	}
	for _, o := range others {
		if id, ok := t.Addrs.Lookup(o.funder); ok {
			f.fanout[id]++
		}
	}
	return f, nil
}

// funderBlockRows is the most rows of a funderBlock.
const funderBlockRows = 1024

// funderBlock is a block of a funders file's rows, parsed: the rows with a
// wallet and a funder, in file order, then the error that ended the file
// (nil when it ends well or the block is full).
type funderBlock struct {
	recs []funderRec
	err  error
	sink uint32
}

// funderRec is one parsed row of a funders file.
type funderRec struct {
	wallet, funder Address
	time           int64
}

// parseFunders parses the rows of a funders file after its header into
// blocks, sent in file order; the block with an error is the last. It
// closes blocks when done; free hands blocks back for reuse.
func parseFunders(cr *csv.Reader, name string, fields, wc, fc, tc int, blocks, free chan *funderBlock) {
	defer close(blocks)
	blk := &funderBlock{recs: make([]funderRec, 0, funderBlockRows)}
	send := func() {
		blocks <- blk
		select {
		case blk = <-free:
		default:
			blk = &funderBlock{recs: make([]funderRec, 0, funderBlockRows)}
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			blk.err = csvErr(name, err)
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != fields {
			blk.err = &RowError{File: name, Line: int64(line), Raw: strings.Join(rec, ","),
				Err: fmt.Errorf("%w: %d fields, the header has %d", ErrFieldCount, len(rec), fields)}
			break
		}
		bad := func(col string, err error) error {
			return &RowError{File: name, Line: int64(line), Column: col, Err: err, Raw: strings.Join(rec, ",")}
		}
		ws, fs := trimSpace(rec[wc]), trimSpace(rec[fc])
		var w, fu Address
		if ws != "" {
			if w, err = ParseAddress(ws); err != nil {
				blk.err = bad("wallet", err)
				break
			}
		}
		if fs != "" {
			if fu, err = ParseAddress(fs); err != nil {
				blk.err = bad("funder", err)
				break
			}
		}
		var ts int64
		if tc >= 0 {
			if s := trimSpace(rec[tc]); s != "" {
				if ts, err = parseTime(s, ""); err != nil {
					blk.err = bad("block_time", err)
					break
				}
			}
		}
		if w.IsZero() || fu.IsZero() {
			continue
		}
		blk.recs = append(blk.recs, funderRec{w, fu, ts})
		if len(blk.recs) == funderBlockRows {
			send()
		}
	}
	blocks <- blk
}

// firstFunder is a wallet's first funder so far while a funders file is read.
type firstFunder struct {
	funder Address
	time   int64
}

// csvErr turns an encoding/csv error into a RowError (or a FileError for I/O).
func csvErr(name string, err error) error {
	var le *lineTooLong
	if errors.As(err, &le) {
		return &RowError{File: name, Line: le.line, Err: fmt.Errorf("%w: a line longer than %d bytes", ErrBadValue, le.max)}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		reason := ErrBadValue
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			reason = ErrFieldCount
		}
		return &RowError{File: name, Line: int64(pe.StartLine), Err: fmt.Errorf("%w: %v", reason, pe.Err)}
	}
	return &FileError{File: name, Err: err}
}

// ReadAddressList reads a plain-text address list (docs/contract.md §1.3): one address a
// line, blank lines and # comments (whole-line or trailing) allowed. A line
// that is not an address is a *RowError; an unreadable file a *FileError. The
// file may be .gz or .zst compressed.
func ReadAddressList(path string) ([]Address, error) {
	return readAddressList(osOpener{}, path)
}

// ReadAddressListFS is ReadAddressList reading from fsys.
func ReadAddressListFS(fsys fs.FS, name string) ([]Address, error) {
	return readAddressList(fsOpener{fsys}, name)
}

func readAddressList(op opener, name string) ([]Address, error) {
	r, done, err := openText(op, name)
	if err != nil {
		return nil, err
	}
	defer done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var out []Address
	var line int64
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		a, err := ParseAddress(s)
		if err != nil {
			return nil, &RowError{File: name, Line: line, Err: err, Raw: clip(sc.Text())}
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &RowError{File: name, Line: line + 1, Err: fmt.Errorf("%w: line too long", ErrBadValue)}
		}
		return nil, &FileError{File: name, Err: err}
	}
	return out, nil
}

// maxSideLine bounds a line of a funders file (a wallet, a funder and a
// time take under 200 bytes).
const maxSideLine = 1 << 20

// lineLimit reads r, failing once a line grows past max bytes: a reader
// above it (encoding/csv) would otherwise buffer a line of any length.
type lineLimit struct {
	r    io.Reader
	max  int
	run  int   // bytes since the last newline
	line int64 // newlines read
}

// lineTooLong is lineLimit's error: line is the 1-based line number.
type lineTooLong struct {
	line int64
	max  int
}

func (e *lineTooLong) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes", e.line, e.max)
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.run += len(b)
			break
		}
		l.line++
		l.run, b = 0, b[i+1:]
	}
	if l.run > l.max {
		return n, &lineTooLong{line: l.line + 1, max: l.max}
	}
	return n, err
}
