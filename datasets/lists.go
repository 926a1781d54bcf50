package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// LoadFunders reads a funders CSV (SPEC §1.2): a header naming wallet and
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
	cr := csv.NewReader(r)
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
	f := NewFunders()
	others := map[Address]firstFunder{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(hdr) {
			return nil, &RowError{File: name, Line: int64(line), Raw: strings.Join(rec, ","),
				Err: fmt.Errorf("%w: %d fields, the header has %d", ErrFieldCount, len(rec), len(hdr))}
		}
		bad := func(col string, err error) error {
			return &RowError{File: name, Line: int64(line), Column: col, Err: err, Raw: strings.Join(rec, ",")}
		}
		ws, fs := trimSpace(rec[wc]), trimSpace(rec[fc])
		var w, fu Address
		if ws != "" {
			if w, err = ParseAddress(ws); err != nil {
				return nil, bad("wallet", err)
			}
		}
		if fs != "" {
			if fu, err = ParseAddress(fs); err != nil {
				return nil, bad("funder", err)
			}
		}
		var ts int64
		if tc >= 0 {
			if s := trimSpace(rec[tc]); s != "" {
				if ts, err = parseTime(s, ""); err != nil {
					return nil, bad("block_time", err)
				}
			}
		}
		if w.IsZero() || fu.IsZero() {
			continue
		}
		wid, ok := t.Addrs.Lookup(w)
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
		f.Set(wid, t.Addrs.Intern(fu), ts)
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

// firstFunder is a wallet's first funder so far while a funders file is read.
type firstFunder struct {
	funder Address
	time   int64
}

// csvErr turns an encoding/csv error into a RowError (or a FileError for I/O).
func csvErr(name string, err error) error {
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

// ReadAddressList reads a plain-text address list (SPEC §1.3): one address a
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
