package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// chunkSize is the size of the text blocks parsed in parallel. With about
// ten in flight, each beside its parsed rows (~300 bytes a row), 2 MiB took
// a 3.9M-row CSV load's peak from 0.71 to 0.64 GB against 4 MiB, at the same
// CPU time (BENCHMARKS.md, "Loader memory").
var chunkSize = 2 << 20

// maxRecord bounds one CSV record (a quoted field may span lines; an
// unbalanced quote would otherwise swallow the rest of the file).
const maxRecord = 256 << 20

// readFull reads into buf[len(buf):cap] until it is full or r ends.
func readFull(r io.Reader, buf []byte) ([]byte, bool, error) {
	for len(buf) < cap(buf) {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, false, nil
}

// lastRecordEnd returns the offset just past the last newline of b that is
// outside quotes (an even number of quote characters before it), or 0.
func lastRecordEnd(b []byte) int {
	q := bytes.Count(b, []byte{'"'})
	end := len(b)
	for {
		nl := bytes.LastIndexByte(b[:end], '\n')
		if nl < 0 {
			return 0
		}
		q -= bytes.Count(b[nl:end], []byte{'"'})
		if q%2 == 0 {
			return nl + 1
		}
		end = nl
	}
}

// lastLineEnd returns the offset just past the last newline of b, or 0.
func lastLineEnd(b []byte) int { return bytes.LastIndexByte(b, '\n') + 1 }

// recordEnd finds the end of the CSV record starting at pos: the first newline
// with an even number of quotes between pos and it. It returns the end of the
// record text (excluding the newline), the start of the next record, and the
// number of newlines consumed.
func recordEnd(text string, pos int) (end, next int, nl int64) {
	i, q := pos, 0
	for {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			return len(text), len(text), nl
		}
		q += strings.Count(text[i:i+j], `"`)
		nl++
		if q%2 == 0 {
			return i + j, i + j + 1, nl
		}
		i += j + 1
	}
}

const (
	ones64 = 0x0101010101010101
	high64 = 0x8080808080808080
)

// le64 loads s[i:i+8] as a little-endian word (one load on amd64/arm64).
func le64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// nextComma returns the index of the first ',' of s at or after i, or len(s).
// It tests eight bytes per step (SWAR): for x = word ^ ",,,,,,,,",
// (x-0x01..)&^x&0x80.. flags every zero byte of x, and possibly bytes above
// a zero byte, so its lowest flag is exact. Fields are short, so this beats
// a call to strings.IndexByte per field.
func nextComma(s string, i int) int {
	const comma = ',' * ones64
	for ; i+8 <= len(s); i += 8 {
		x := le64(s, i) ^ comma
		if m := (x - ones64) &^ x & high64; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s) && s[i] != ','; i++ {
	}
	return i
}

// splitPlain splits the record of text that starts at pos when the record
// holds no quote: it appends the fields to dst and returns the end of the
// record (the index of its newline, or len(text)). A trailing '\r' stays in
// the last field; the caller strips it. ok is false, and fields unusable,
// when the line holds a quote: then the record needs recordEnd and
// splitFields. One vectorized search for the newline, one for a quote, then
// the commas: O(record length).
func splitPlain(text string, pos int, dst []string) (fields []string, end int, ok bool) {
	end = len(text)
	if j := strings.IndexByte(text[pos:], '\n'); j >= 0 {
		end = pos + j
	}
	rec := text[pos:end]
	if strings.IndexByte(rec, '"') >= 0 {
		return dst, 0, false
	}
	for s := 0; ; {
		k := nextComma(rec, s)
		dst = append(dst, rec[s:k])
		if k == len(rec) {
			return dst, end, true
		}
		s = k + 1
	}
}

var (
	errBadQuote   = fmt.Errorf("%w: malformed quoted field", ErrBadValue)
	errUnterminal = fmt.Errorf("%w: unterminated quoted field", ErrBadValue)
)

// splitFields splits one CSV record (RFC 4180; a quote inside an unquoted
// field is literal) and appends the fields to dst.
func splitFields(rec string, dst []string) ([]string, error) {
	if strings.IndexByte(rec, '"') < 0 {
		for {
			j := strings.IndexByte(rec, ',')
			if j < 0 {
				return append(dst, rec), nil
			}
			dst = append(dst, rec[:j])
			rec = rec[j+1:]
		}
	}
	for {
		if len(rec) == 0 || rec[0] != '"' {
			j := strings.IndexByte(rec, ',')
			if j < 0 {
				return append(dst, rec), nil
			}
			dst = append(dst, rec[:j])
			rec = rec[j+1:]
			continue
		}
		// Quoted field.
		i := 1
		var sb []byte
		for {
			k := strings.IndexByte(rec[i:], '"')
			if k < 0 {
				return dst, errUnterminal
			}
			k += i
			if k+1 < len(rec) && rec[k+1] == '"' {
				sb = append(sb, rec[i:k+1]...)
				i = k + 2
				continue
			}
			var v string
			if sb != nil {
				v = string(append(sb, rec[i:k]...))
			} else {
				v = rec[i:k]
			}
			dst = append(dst, v)
			switch {
			case k+1 == len(rec):
				return dst, nil
			case rec[k+1] == ',':
				rec = rec[k+2:]
				if len(rec) == 0 {
					return append(dst, ""), nil
				}
			default:
				return dst, errBadQuote
			}
			break
		}
	}
}

// generalSplit makes parse split every record with recordEnd and splitFields
// (tests compare it with the one-pass splitPlain).
var generalSplit = false

// textFile is the state of one CSV or JSON Lines file being loaded.
type textFile struct {
	b       *builder
	cfg     *loadConfig
	name    string
	jsonl   bool
	idx     [numCols]int
	nfields int
}

func (b *builder) runText(r io.Reader, name string, cfg *loadConfig, jsonl bool) error {
	tf := &textFile{b: b, cfg: cfg, name: name, jsonl: jsonl}
	buf, eof, err := readFull(r, make([]byte, 0, chunkSize))
	if err != nil {
		return &FileError{File: name, Err: err}
	}
	if err := sniffMismatch(buf); err != nil {
		return &FileError{File: name, Err: err}
	}
	buf = bytes.TrimPrefix(buf, []byte("\ufeff"))
	var base int64 // newlines before the first data record
	if jsonl {
		first := bytes.TrimLeft(buf, " \t\r\n")
		if len(first) > 0 && first[0] != '{' {
			return &FileError{File: name, Err: fmt.Errorf("%w: not JSON Lines (a line must be a JSON object)", errNotFormat)}
		}
	} else {
		if len(bytes.TrimSpace(buf)) == 0 && eof {
			return nil // no header, no rows: an empty dataset
		}
		if crOnly(buf) {
			// Lines ended by CR alone (classic Mac OS): read as they
			// stand, the header would swallow the file.
			return &FileError{File: name, Err: fmt.Errorf("%w: lines end in CR alone; convert them to LF (tr '\\r' '\\n')", errNotFormat)}
		}
		// The header is the first record; grow until it is complete.
		for {
			text := string(buf)
			end, next, nl := recordEnd(text, 0)
			if end < next || eof {
				hdr := strings.TrimSuffix(text[:end], "\r")
				if strings.IndexByte(hdr, 0) >= 0 || !utf8.ValidString(hdr) {
					return &FileError{File: name, Err: fmt.Errorf("%w: header is not CSV text", errNotFormat)}
				}

				names, err := splitFields(hdr, nil)
				if err != nil {
					return &RowError{File: name, Line: 1, Err: fmt.Errorf("header: %w", err), Raw: clip(hdr)}
				}
				if tf.idx, err = b.header(cfg, names, name, false); err != nil {
					if re, ok := err.(*RowError); ok {
						re.Raw = clip(hdr)
					}
					return err
				}
				tf.nfields = len(names)
				buf = buf[next:]
				base = nl
				break
			}
			if len(buf) >= maxRecord {
				return &RowError{File: name, Line: 1, Err: fmt.Errorf("%w: header longer than %d bytes", ErrBadValue, maxRecord)}
			}
			buf = slices.Grow(buf, 2*cap(buf)-len(buf))
			var rerr error
			buf, eof, rerr = readFull(r, buf)
			if rerr != nil {
				return &FileError{File: name, Err: rerr}
			}
		}
	}
	// Chunk buffers go back to the producer once stage B is done with them:
	// by then every string of the rows is interned or copied. Reading a file
	// through a few recycled buffers spares the runtime from zeroing, faulting
	// in and collecting one fresh buffer per 4 MiB of input.
	free := make(chan []byte, 8)
	newBuf := func(n int) []byte {
		select {
		case b := <-free:
			if cap(b) >= n {
				return b[:0]
			}
		default:
		}
		return make([]byte, 0, n)
	}
	firstChunk := true
	produce := func(emit func(*chunk) bool) {
		target := chunkSize
		for {
			if !eof && len(buf) < target {
				var err error
				buf = slices.Grow(buf, target-len(buf))
				buf, eof, err = readFull(r, buf)
				if err != nil {
					emit(&chunk{err: &FileError{File: name, Err: err}})
					return
				}
			}
			if len(buf) == 0 && eof {
				return
			}
			cut := len(buf)
			if !eof {
				if jsonl {
					cut = lastLineEnd(buf)
				} else {
					cut = lastRecordEnd(buf)
				}
				if cut == 0 {
					if len(buf) >= maxRecord {
						// Line: stage B sets it (the lines before are counted there).
						emit(&chunk{err: &RowError{File: name,
							Err: fmt.Errorf("%w: a record longer than %d bytes (unbalanced quote?)", ErrBadValue, maxRecord)}})
						return
					}
					target = 2 * len(buf)
					continue
				}
			}
			// The chunk owns buf[:cut] from here on (parse turns it into a
			// string without copying): the rest moves to a new buffer.
			c := &chunk{data: buf[:cut], own: buf[:0], work: tf.parse}
			rest := buf[cut:]
			target = chunkSize
			if len(rest) > target/2 {
				target = 2 * len(rest)
			}
			buf = append(newBuf(target), rest...)
			if !emit(c) {
				return
			}
		}
	}
	firstB := true
	stageA := func(c *chunk) {
		if firstChunk && b.sizeHint > 0 && len(c.rows) > 0 {
			firstChunk = false
			b.reserveA(estimateRows(c, b.sizeHint))
		}
		inBlocks(c.rows, func(lo int, blk []prow) {
			for i := range blk {
				p := &blk[i]
				p.line += base + 1
				if p.err != nil {
					p.err.File, p.err.Line = name, p.line
				}
			}
			b.addRowsA(blk)
		})
		base += c.lines
	}
	stageB := func(c *chunk) error {
		if c.err != nil {
			if re, ok := c.err.(*RowError); ok && re.Line == 0 {
				re.Line = base + 1 // stage A passed every chunk before this one
			}
			return c.err
		}
		if firstB && b.sizeHint > 0 && len(c.rows) > 0 {
			firstB = false
			b.reserveB(estimateRows(c, b.sizeHint))
		}
		if err := b.addRowsB(c); err != nil {
			return err
		}
		putRows(c.rows)
		c.rows = nil
		if c.own != nil {
			select {
			case free <- c.own:
			default:
			}
		}
		return nil
	}
	return pipeline(b.ctx, 0, produce, stageA, stageB)
}

// crOnly reports whether the first line of b ends in a CR that no LF
// follows, outside quotes.
func crOnly(b []byte) bool {
	cr := bytes.IndexByte(b, '\r')
	if cr < 0 || cr+1 == len(b) || b[cr+1] == '\n' {
		return false
	}
	lf := bytes.IndexByte(b, '\n')
	return (lf < 0 || cr < lf) && bytes.IndexByte(b[:cr], '"') < 0
}

// estimateRows estimates the rows of a file of size bytes from its first chunk.
func estimateRows(c *chunk, size int64) int {
	return int(float64(len(c.rows)) * float64(size) / float64(len(c.text)) * 1.02)
}

// rawOf renders the original text of a row for a reject.
func rawOf(c *chunk, p *prow) string {
	if c.raw != nil {
		return c.raw(int(p.raw0))
	}
	return strings.Clone(c.text[p.raw0:p.raw1])
}

// parse turns a chunk of text into rows (worker side).
func (tf *textFile) parse(c *chunk) {
	// The producer hands each chunk a buffer it never writes again, so the
	// text can share it instead of copying (1 byte per input byte).
	c.text = unsafe.String(unsafe.SliceData(c.data), len(c.data))
	c.data = c.data[:0:0]
	if tf.jsonl {
		tf.parseJSONL(c)
		return
	}
	text := c.text
	c.rows = getRows(len(text)/200 + 16)
	fields := make([]string, 0, tf.nfields)
	var line int64
	for pos := 0; pos < len(text); {
		start := pos
		recLine := line
		var (
			err error
			rec string
		)
		plain, end, ok := splitPlain(text, pos, fields[:0])
		if ok && !generalSplit {
			// No quote: the record ends at the first newline.
			fields, pos = plain, end
			if end < len(text) {
				pos++
				line++
			}
			if end > start && text[end-1] == '\r' {
				end--
				last := &fields[len(fields)-1]
				*last = (*last)[:len(*last)-1]
			}
			rec = text[start:end]
			if len(rec) == 0 {
				continue // a blank line holds no row
			}
		} else {
			var next int
			var nl int64
			end, next, nl = recordEnd(text, pos)
			line += nl
			pos = next
			rec = text[start:end]
			if len(rec) > 0 && rec[len(rec)-1] == '\r' {
				rec = rec[:len(rec)-1]
				end--
			}
			if len(rec) == 0 {
				continue // a blank line holds no row
			}
			fields, err = splitFields(rec, fields[:0])
		}
		c.rows = append(c.rows, prow{})
		p := &c.rows[len(c.rows)-1]
		var col int = -1
		switch {
		case err != nil:
		case len(fields) != tf.nfields:
			err = fmt.Errorf("%w: %d fields, the header has %d", ErrFieldCount, len(fields), tf.nfields)
		default:
			if ce := tf.cfg.textRow(&tf.idx, fields, p); ce != nil {
				col, err = ce.col, ce.err
			}
		}
		p.line = recLine
		p.raw0, p.raw1 = int32(start), int32(end)
		if err != nil {
			p.err = &RowError{Err: err, Raw: strings.Clone(rec)}
			if col >= 0 {
				p.err.Column = CanonicalColumns[col]
			}
		}
	}
	c.lines = line
}

// jsonKeys resolves JSON object keys to canonical columns, with the priority of
// loadConfig.resolve; it caches per worker.
type jsonKeys struct {
	cfg   *loadConfig
	cache map[string][2]int // key -> canonical index (-1 none), priority
}

func (j *jsonKeys) lookup(key string) (int, int) {
	if v, ok := j.cache[key]; ok {
		return v[0], v[1]
	}
	ci, p := j.cfg.rank(normHeader(key))
	if len(j.cache) < 1024 {
		j.cache[strings.Clone(key)] = [2]int{ci, p}
	}
	return ci, p
}

func (tf *textFile) parseJSONL(c *chunk) {
	text := c.text
	c.rows = getRows(len(text)/300 + 16)
	keys := &jsonKeys{cfg: tf.cfg, cache: map[string][2]int{}}
	obj := map[string]json.RawMessage{}
	var line int64
	for pos := 0; pos < len(text); {
		start := pos
		j := strings.IndexByte(text[pos:], '\n')
		end, next := len(text), len(text)
		if j >= 0 {
			end, next = pos+j, pos+j+1
		}
		recLine := line
		if j >= 0 {
			line++
		}
		pos = next
		rec := strings.TrimSpace(text[start:end])
		if rec == "" {
			continue
		}
		c.rows = append(c.rows, prow{})
		p := &c.rows[len(c.rows)-1]
		col, err := tf.jsonRow(keys, obj, rec, p)
		p.line = recLine
		p.raw0, p.raw1 = int32(start), int32(end)
		if err != nil {
			p.err = &RowError{Err: err, Raw: strings.Clone(text[start:end])}
			if col >= 0 {
				p.err.Column = CanonicalColumns[col]
			}
		}
	}
	c.lines = line
}

var errNotObject = fmt.Errorf("%w: not a JSON object", ErrBadValue)

func (tf *textFile) jsonRow(keys *jsonKeys, obj map[string]json.RawMessage, rec string, p *prow) (int, error) {
	clear(obj)
	if rec[0] != '{' {
		return -1, errNotObject
	}
	if !utf8.ValidString(rec) {
		// JSON text is UTF-8; encoding/json would either refuse it or
		// turn the bytes into U+FFFD, merging distinct names.
		return -1, fmt.Errorf("%w: the line is not valid UTF-8", ErrBadValue)
	}
	if err := json.Unmarshal([]byte(rec), &obj); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return -1, fmt.Errorf("%w: bad JSON at offset %d", ErrBadValue, se.Offset)
		}
		return -1, errNotObject
	}
	if n := topKeys(rec, nil); n != len(obj) {
		dup := ""
		topKeys(rec, func(k string, seen map[string]bool) bool {
			if seen[k] {
				dup = k
				return false
			}
			seen[k] = true
			return true
		})
		ci, _ := keys.lookup(dup)
		return ci, fmt.Errorf("%w: repeated key %q", ErrBadValue, clip(dup))
	}
	var (
		values [numCols]string
		prio   [numCols]int
		winner [numCols]string
		idx    [numCols]int
	)
	for i := range idx {
		idx[i] = -1
	}
	for k, raw := range obj {
		ci, pr := keys.lookup(k)
		if ci < 0 {
			continue
		}
		if pr == prio[ci] && winner[ci] != "" {
			a, b := min(k, winner[ci]), max(k, winner[ci])
			return ci, fmt.Errorf("%w: keys %q and %q both name column %s", ErrBadValue, clip(a), clip(b), CanonicalColumns[ci])
		}
		if pr < prio[ci] {
			continue
		}
		s, null, err := jsonScalar(raw)
		if err != nil {
			return ci, err
		}
		if null {
			// null = absent; a lower-priority key for the same column must not win either
			prio[ci], winner[ci] = pr, k
			idx[ci] = -1
			continue
		}
		values[ci], prio[ci], winner[ci], idx[ci] = s, pr, k, ci
	}
	if ce := tf.cfg.textRow(&idx, values[:], p); ce != nil {
		return ce.col, ce.err
	}
	p.noLI = idx[colLogIndex] < 0 && !tf.cfg.hasSet[colLogIndex]
	return -1, nil
}

// topKeys counts the keys of the JSON object rec (valid JSON), calling
// each, when not nil, with every key (unescaped) until it returns false.
func topKeys(rec string, each func(k string, seen map[string]bool) bool) int {
	var seen map[string]bool
	if each != nil {
		seen = map[string]bool{}
	}
	n, depth := 0, 0
	for i := 0; i < len(rec); i++ {
		switch c := rec[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			j := i + 1
			esc := false
			for ; j < len(rec); j++ {
				if rec[j] == '\\' {
					j++
					esc = true
				} else if rec[j] == '"' {
					break
				}
			}
			str := rec[i : j+1]
			i = j
			if depth != 1 {
				continue
			}
			k := j + 1
			for k < len(rec) && (rec[k] == ' ' || rec[k] == '\t' || rec[k] == '\r' || rec[k] == '\n') {
				k++
			}
			if k == len(rec) || rec[k] != ':' {
				continue
			}
			n++
			if each != nil {
				key := str[1 : len(str)-1]
				if esc {
					json.Unmarshal([]byte(str), &key)
				}
				if !each(key, seen) {
					return n
				}
			}
		}
	}
	return n
}

// jsonScalar returns the text of a JSON string, number or boolean.
func jsonScalar(raw json.RawMessage) (s string, null bool, err error) {
	if len(raw) == 0 {
		return "", true, nil
	}
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, fmt.Errorf("%w: bad JSON string", ErrBadValue)
		}
		return s, false, nil
	case 'n':
		return "", true, nil
	case '{', '[':
		return "", false, fmt.Errorf("%w: a nested JSON value", ErrBadValue)
	}
	return string(raw), false, nil
}
