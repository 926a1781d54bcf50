package datasets

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/washscan/washscan/datasets/internal/pqpage"
)

// The Parquet fast path. pqarrow turns a file into Arrow record batches —
// decoded pages copied value by value into array builders — which the row
// converters then read back one cell at a time. For the files washscan
// meets most (flat columns of strings, integers, floats, booleans and
// timestamps, PLAIN or dictionary encoded, as our writer, DuckDB, Polars and
// Spark write them), the fast path decodes each row group's pages itself,
// straight into the parsed rows, one column after another:
//
//   - a dictionary page is decoded once per column chunk, and a string
//     dictionary entry is parsed (address, hash, token id, …) once, however
//     many rows use it;
//   - PLAIN strings are parsed where they lie in the decompressed page,
//     without being copied into an Arrow array first.
//
// Row groups (in parts of at most pqPartRows rows) are the pipeline's
// chunks, decoded on every core: a row group's parts one after another by
// one worker, different row groups by different workers. Files the fast path does not cover —
// nested columns, other encodings (DELTA_*, BYTE_STREAM_SPLIT), decimals and
// other logical types — go through pqarrow. Both paths give the same rows
// and the same errors; TestParquetFastMatchesArrow checks it.

// pqKind is how a column's physical values become canonical values.
type pqKind uint8

const (
	pqText      pqKind = iota // BYTE_ARRAY: text
	pqInt32                   // INT32, signed
	pqUint32                  // INT32 holding an unsigned value
	pqInt64                   // INT64, signed
	pqUint64                  // INT64 holding an unsigned value
	pqFloat32                 // FLOAT
	pqFloat64                 // DOUBLE
	pqBool                    // BOOLEAN
	pqTimestamp               // INT64 in units of 1/div s
	pqDate32                  // INT32 days
	pqDate64                  // INT64 milliseconds
)

// pqColumn is one canonical column read from one leaf column.
type pqColumn struct {
	k      int // canonical column
	leaf   int // column in the file
	kind   pqKind
	div    int64 // pqTimestamp: units per second
	maxDef int16 // 0: required, 1: optional
	// retain: setText keeps (a substring of) the text in the row, so the
	// text must outlive the page buffer it was read from.
	retain bool
	// binary: a BYTE_ARRAY column without the string annotation, whose
	// values of an address's or a hash's length are raw (setRaw).
	binary bool
}

// pqFast is a planned fast-path load of one file.
type pqFast struct {
	rdr     *file.Reader
	cfg     *loadConfig
	cols    [numCols]*pqColumn // by canonical column; nil: not in the file
	null    [numCols]prow      // column k of a row whose value is null …
	nullErr [numCols]error     // … and its error
	set     [numCols]prow      // column k from --set …
	setErr  [numCols]error
	// decoders are the workers' decoding states, kept for reuse.
	decMu    sync.Mutex
	decoders []*pqDecoder
}

func (fp *pqFast) getDecoder() *pqDecoder {
	fp.decMu.Lock()
	defer fp.decMu.Unlock()
	if n := len(fp.decoders); n > 0 {
		d := fp.decoders[n-1]
		fp.decoders = fp.decoders[:n-1]
		return d
	}
	return new(pqDecoder)
}

func (fp *pqFast) putDecoder(d *pqDecoder) {
	for k := range d.cur {
		d.cur[k].close()
	}
	fp.decMu.Lock()
	fp.decoders = append(fp.decoders, d)
	fp.decMu.Unlock()
}

// planParquetFast returns the fast-path plan for a file whose canonical
// column k is field idx[k] (-1: absent) and leaf column leaf[k], or nil when
// the file needs pqarrow.
func planParquetFast(rdr *file.Reader, sc *arrow.Schema, idx, leaf *[numCols]int, cfg *loadConfig) *pqFast {
	md := rdr.MetaData()
	fp := &pqFast{rdr: rdr, cfg: cfg}
	for k, i := range idx {
		if i < 0 {
			continue
		}
		if leaf[k] < 0 {
			return nil
		}
		descr := md.Schema.Column(leaf[k])
		if descr.MaxRepetitionLevel() != 0 || descr.MaxDefinitionLevel() > 1 {
			return nil
		}
		col := &pqColumn{k: k, leaf: leaf[k], maxDef: descr.MaxDefinitionLevel()}
		phys := descr.PhysicalType()
		t := sc.Field(i).Type
		if d, ok := t.(*arrow.DictionaryType); ok {
			t = d.ValueType
		}
		want := parquet.Types.ByteArray
		switch t := t.(type) {
		case *arrow.StringType, *arrow.LargeStringType:
			col.kind = pqText
		case *arrow.BinaryType, *arrow.LargeBinaryType:
			col.kind, col.binary = pqText, rawWidth(k) > 0
		case *arrow.Int32Type:
			col.kind, want = pqInt32, parquet.Types.Int32
		case *arrow.Uint32Type:
			col.kind, want = pqUint32, parquet.Types.Int32
		case *arrow.Int64Type:
			col.kind, want = pqInt64, parquet.Types.Int64
		case *arrow.Uint64Type:
			col.kind, want = pqUint64, parquet.Types.Int64
		case *arrow.Float32Type:
			col.kind, want = pqFloat32, parquet.Types.Float
		case *arrow.Float64Type:
			col.kind, want = pqFloat64, parquet.Types.Double
		case *arrow.BooleanType:
			col.kind, want = pqBool, parquet.Types.Boolean
		case *arrow.TimestampType:
			col.kind, want = pqTimestamp, parquet.Types.Int64
			col.div = int64(1e9 / t.Unit.Multiplier())
		case *arrow.Date32Type:
			col.kind, want = pqDate32, parquet.Types.Int32
		case *arrow.Date64Type:
			col.kind, want = pqDate64, parquet.Types.Int64
		default:
			return nil
		}
		if phys != want || !supportedType(k, sc.Field(i).Type) {
			return nil
		}
		switch k {
		case colChain, colTokenID, colCurrency, colPlatform:
			col.retain = true
		}
		fp.cols[k] = col
	}
	for g := range md.NumRowGroups() {
		rg := md.RowGroup(g)
		if rg.NumRows() < 0 || rg.NumRows() > pqFastMaxGroup {
			return nil
		}
		for _, col := range fp.cols {
			if col == nil {
				continue
			}
			cc, err := rg.ColumnChunk(col.leaf)
			if err != nil {
				return nil
			}
			for _, e := range cc.Encodings() {
				switch e {
				case parquet.Encodings.Plain, parquet.Encodings.PlainDict, parquet.Encodings.RLE, parquet.Encodings.RLEDict:
				default:
					return nil
				}
			}
		}
	}
	for k := range numCols {
		fp.null[k].reset()
		fp.nullErr[k] = cfg.setText(k, "", &fp.null[k])
		if cfg.hasSet[k] {
			fp.set[k].reset()
			fp.setErr[k] = cfg.setText(k, cfg.set[k], &fp.set[k])
		}
	}
	return fp
}

// errPageFormat marks a page the fast path cannot read.
var errPageFormat = pqpage.ErrPage

// pqBlock is the number of rows decoded together, one column after another:
// a block of parsed rows (~300 bytes each) stays in the core's L2 cache
// while every column is written into it, where whole row groups would be
// streamed through memory once per column. (A variable for tests.)
var pqBlock = 1024

// pqFastMaxGroup is the most rows a row group may claim for the fast path,
// which sizes a page's level and index buffers by the page's value count
// (at most the row group's rows): a damaged footer or page header must not
// make it allocate gigabytes. Larger row groups (none of the usual writers
// makes them) go through pqarrow, which reads in batches.
const pqFastMaxGroup = 1 << 24

// pqMaxDict bounds the memory a column chunk's decoded dictionary takes.
const pqMaxDict = 512 << 20

// pqPartRows is the most rows of a chunk: a larger row group is parsed in
// parts of this many rows, each a chunk of its own, so that the parsed rows
// in flight stay small (~300 bytes a row) whatever the writer's row group
// size (pyarrow's is 1 Mi rows). 8 Ki rows (2.5 MB of parsed rows a chunk)
// took a 10M-row load's peak from 1.69 to 1.55 GB against 64 Ki, at the
// same CPU time (BENCHMARKS.md, "Loader memory"). A variable for tests.
var pqPartRows = 8 << 10

// pqPart is one chunk's share of a row group: rows [lo, hi). The parts of a
// row group are parsed in order by one worker, each continuing the column
// cursors the previous one left (the producer chains them: chunk.next);
// other workers parse other row groups meanwhile.
type pqPart struct {
	g, lo, hi int
	last      bool // hi is the row group's end
	rg        *pqRowGroup
}

// pqRowGroup is the state the parts of one row group share.
type pqRowGroup struct {
	rg  *file.RowGroupReader
	d   *pqDecoder
	err error // the first part that failed: the parts after it fail too
}

// decode parses the rows of part into c.rows, as parquetRows parses a record
// batch, in blocks of pqBlock rows.
func (fp *pqFast) decode(c *chunk, part *pqPart) (err error) {
	if err := part.rg.err; err != nil {
		return err // reported by the part that failed
	}
	defer func() {
		// The page reader panics on some malformed files.
		if r := recover(); r != nil {
			err = malformedParquet(r)
		}
		if err != nil {
			part.rg.err = err
		}
	}()
	g, st := part.g, part.rg
	fail := func(k int, err error) error {
		return fmt.Errorf("%w: row group %d, column %s: %v", errNotFormat, g, CanonicalColumns[k], err)
	}
	if part.lo == 0 {
		st.d = fp.getDecoder()
		st.rg = fp.rdr.RowGroup(g)
		for k, col := range fp.cols {
			if col != nil {
				pr, err := st.rg.GetColumnPageReader(col.leaf)
				if err != nil {
					return fail(k, err)
				}
				st.d.cur[k].start(col, pr, st.rg.NumRows())
			}
		}
	}
	d := st.d
	n := part.hi - part.lo
	c.rows = getRows(n)[:n]
	rows := c.rows
	for lo := 0; lo < n; lo += pqBlock {
		blk := rows[lo:min(lo+pqBlock, n)]
		for i := range blk {
			blk[i].reset()
		}
		for k := range numCols {
			switch {
			case fp.cols[k] != nil:
				if err := d.cur[k].fill(fp, blk); err != nil {
					return fail(k, err)
				}
			case fp.cfg.hasSet[k]:
				for i := range blk {
					applyTmpl(k, &blk[i], &fp.set[k], fp.setErr[k])
				}
			}
		}
		finishBlock(blk, lo)
	}
	if part.last {
		for k, col := range fp.cols {
			if col != nil {
				if err := d.cur[k].end(fp); err != nil {
					return fail(k, err)
				}
			}
		}
		st.d = nil
		fp.putDecoder(d)
	}
	return nil
}

// pqDecoder is one worker's decoding state: a cursor per column, whose
// buffers are reused from row group to row group.
type pqDecoder struct {
	cur [numCols]colCursor
}

// colCursor reads one column chunk, page by page, a block of rows at a time.
// The page's buffers belong to the page reader and stay valid until its
// next page is read.
type colCursor struct {
	pqpage.Cursor // the column chunk's pages
	col           *pqColumn
	at            int // the current page's next value (row)
	j             int // present values of the page read
	// The column chunk's dictionary (Cursor.DictN entries):
	dictErr  []error   // pqText: each entry's parse error, and its value:
	dictBad  bool      // some entry of dictErr is not nil
	dictAddr []Address // addresses
	dictHas  []bool    // … and whether given
	dictHash []Hash    // tx hashes
	dictStr  []string  // chain, token id, currency, platform
	dictText []prow    // other columns: the parsed row
	dictInt  []int64   // integer kinds
	dictF    []float64
	dictBool []bool
}

func (d *colCursor) start(col *pqColumn, pr file.PageReader, rows int64) {
	pc := pqpage.Column{MaxDef: col.maxDef, Clone: col.kind == pqText && col.retain}
	switch col.kind {
	case pqText:
	case pqBool:
		pc.Bool = true
	case pqFloat32:
		pc.Width = 4
	case pqFloat64:
		pc.Width = 8
	default:
		pc.Width = col.width()
	}
	d.col, d.at, d.j = col, 0, 0
	d.Start(pc, pr, int(rows))
}

// fill decodes the next len(rows) values into rows.
func (d *colCursor) fill(fp *pqFast, rows []prow) error {
	for len(rows) > 0 {
		if d.at == d.N {
			ok, err := d.nextPage(fp)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: fewer values than the row group has rows", errPageFormat)
			}
		}
		m := min(d.N-d.at, len(rows))
		if err := d.decode(fp, rows[:m]); err != nil {
			return err
		}
		rows = rows[m:]
	}
	return nil
}

// end checks that the column chunk holds no more values.
func (d *colCursor) end(fp *pqFast) error {
	if d.at < d.N {
		return fmt.Errorf("%w: more values than the row group has rows", errPageFormat)
	}
	ok, err := d.nextPage(fp)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("%w: more values than the row group has rows", errPageFormat)
	}
	d.close()
	return nil
}

// close hands the page reader's buffers back to the pool.
func (d *colCursor) close() { d.Close() }

// nextPage reads the next data page that has values (decoding dictionary
// pages on the way); false at the end of the column chunk.
func (d *colCursor) nextPage(fp *pqFast) (bool, error) {
	ok, err := d.Next(func(data []byte, n int) error { return d.dictionary(fp, d.col, data, n) })
	d.at, d.j = 0, 0
	return ok, err
}

// decode writes the page's next len(rows) values into rows. A value that
// does not parse marks its row bad; a PLAIN string cut short by the end of
// the page (only a malformed page has one) is an error.
func (d *colCursor) decode(fp *pqFast, rows []prow) error {
	col, k := d.col, d.col.k
	var def []uint32
	if d.Def != nil {
		def = d.Def[d.at : d.at+len(rows)]
	}
	d.at += len(rows)
	null, nullErr := &fp.null[k], fp.nullErr[k]
	switch {
	case d.Enc == parquet.Encodings.RLEDict && col.kind == pqText:
		set := d.textSetter(k)
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			e := d.Idx[d.j]
			d.j++
			if p.err != nil {
				continue
			}
			if d.dictBad {
				if err := d.dictErr[e]; err != nil {
					fail(k, p, err)
					continue
				}
			}
			set(p, e)
		}
	case d.Enc == parquet.Encodings.RLEDict:
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			e := d.Idx[d.j]
			d.j++
			if p.err != nil {
				continue
			}
			switch col.kind {
			case pqFloat32, pqFloat64:
				if err := fp.cfg.setFloat(k, d.dictF[e], p); err != nil {
					fail(k, p, err)
				}
			case pqBool:
				setBool(p, d.dictBool[e])
			default:
				if err := col.setInt(fp.cfg, d.dictInt[e], p); err != nil {
					fail(k, p, err)
				}
			}
		}
	case d.Enc == parquet.Encodings.RLE: // booleans
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			if p.err == nil {
				setBool(p, d.Idx[d.j] == 1)
			}
			d.j++
		}
	case col.kind == pqText:
		// The big hex columns are parsed straight into their fields; an
		// empty or bad value takes setText's path, for its rules and
		// messages.
		hex := k == colSeller || k == colBuyer || k == colTxFrom || k == colTxHash
		vals := d.Vals
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			s, rest, ok := plainBytes(vals)
			if !ok {
				return errPageFormat
			}
			vals = rest
			if p.err != nil || col.binary && setRaw(k, p, s) || hex && setHex(k, p, s) {
				continue
			}
			if err := fp.cfg.setText(k, trimSpace(s), p); err != nil {
				fail(k, p, err)
			}
		}
		d.Vals = vals
	case col.kind == pqBool:
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			if p.err == nil {
				setBool(p, d.Vals[d.j>>3]>>(d.j&7)&1 == 1)
			}
			d.j++
		}
	case col.kind == pqFloat32 || col.kind == pqFloat64:
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			if p.err == nil {
				var v float64
				if col.kind == pqFloat32 {
					v = float64(math.Float32frombits(binary.LittleEndian.Uint32(d.Vals[4*d.j:])))
				} else {
					v = math.Float64frombits(binary.LittleEndian.Uint64(d.Vals[8*d.j:]))
				}
				if err := fp.cfg.setFloat(k, v, p); err != nil {
					fail(k, p, err)
				}
			}
			d.j++
		}
	default:
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				applyTmpl(k, p, null, nullErr)
				continue
			}
			if p.err == nil {
				if err := col.setInt(fp.cfg, col.intAt(d.Vals, d.j), p); err != nil {
					fail(k, p, err)
				}
			}
			d.j++
		}
	}
	return nil
}

// textSetter returns what stores dictionary entry e of text column k in a
// row: one field from a compact array (addresses, hashes, strings), which
// stays in cache where whole parsed rows per entry would not.
func (d *colCursor) textSetter(k int) func(p *prow, e uint32) {
	switch k {
	case colContract:
		return func(p *prow, e uint32) { p.contract = d.dictAddr[e] }
	case colSeller:
		return func(p *prow, e uint32) { p.seller, p.hasSeller = d.dictAddr[e], d.dictHas[e] }
	case colBuyer:
		return func(p *prow, e uint32) { p.buyer, p.hasBuyer = d.dictAddr[e], d.dictHas[e] }
	case colTxFrom:
		return func(p *prow, e uint32) { p.txFrom, p.hasTxFrom = d.dictAddr[e], d.dictHas[e] }
	case colTxHash:
		return func(p *prow, e uint32) { p.tx = d.dictHash[e] }
	case colChain:
		return func(p *prow, e uint32) { p.chain = d.dictStr[e] }
	case colTokenID:
		return func(p *prow, e uint32) { p.token = d.dictStr[e] }
	case colCurrency:
		return func(p *prow, e uint32) { p.currency = d.dictStr[e] }
	case colPlatform:
		return func(p *prow, e uint32) { p.platform = d.dictStr[e] }
	}
	return func(p *prow, e uint32) { copyColumn(k, p, &d.dictText[e]) }
}

// plainBytes splits the next PLAIN BYTE_ARRAY value (a 4-byte little-endian
// length, then the bytes) off vals, as a string sharing vals' memory.
func plainBytes(vals []byte) (string, []byte, bool) {
	if len(vals) < 4 {
		return "", vals, false
	}
	l := int(binary.LittleEndian.Uint32(vals))
	if l > len(vals)-4 {
		return "", vals, false
	}
	return unsafe.String(unsafe.SliceData(vals[4:]), l), vals[4+l:], true
}

// setHex stores s, when it is exactly 0x and the digits of an address (k
// seller, buyer or tx_from) or a hash (tx_hash), as setText would, and
// reports whether it did.
func setHex(k int, p *prow, s string) bool {
	switch k {
	case colSeller:
		p.hasSeller = decodeHex0x(p.seller[:], s)
		return p.hasSeller
	case colBuyer:
		p.hasBuyer = decodeHex0x(p.buyer[:], s)
		return p.hasBuyer
	case colTxFrom:
		p.hasTxFrom = decodeHex0x(p.txFrom[:], s)
		return p.hasTxFrom
	case colTxHash:
		return decodeHex0x(p.tx[:], s)
	}
	return false
}

// applyTmpl copies column k of tmpl (or its error) into p, unless p failed
// at an earlier column.
func applyTmpl(k int, p, tmpl *prow, err error) {
	if p.err != nil {
		return
	}
	if err != nil {
		p.err = &RowError{Err: err, Column: CanonicalColumns[k]}
		return
	}
	copyColumn(k, p, tmpl)
}

// copyColumn copies the fields setText(k, …) writes from src to dst.
func copyColumn(k int, dst, src *prow) {
	switch k {
	case colChain:
		dst.chain = src.chain
	case colBlockTime:
		dst.time = src.time
	case colBlockNumber:
		dst.block = src.block
	case colTxHash:
		dst.tx = src.tx
	case colLogIndex:
		dst.logIndex = src.logIndex
	case colContract:
		dst.contract = src.contract
	case colTokenID:
		dst.token = src.token
	case colStandard:
		dst.std = src.std
	case colSeller:
		dst.seller, dst.hasSeller = src.seller, src.hasSeller
	case colBuyer:
		dst.buyer, dst.hasBuyer = src.buyer, src.hasBuyer
	case colTxFrom:
		dst.txFrom, dst.hasTxFrom = src.txFrom, src.hasTxFrom
	case colAmount:
		dst.amount = src.amount
	case colPrice:
		dst.price, dst.hasPrice = src.price, src.hasPrice
	case colPriceUSD:
		dst.usd = src.usd
	case colCurrency:
		dst.currency = src.currency
	case colPlatform:
		dst.platform = src.platform
	case colIsWash:
		dst.label = src.label
	}
}

// fail records err at column k for p, unless p failed earlier.
func fail(k int, p *prow, err error) {
	if p.err == nil {
		p.err = &RowError{Err: err, Column: CanonicalColumns[k]}
	}
}

// dictionary decodes a dictionary page of n PLAIN values.
func (d *colCursor) dictionary(fp *pqFast, col *pqColumn, data []byte, n int) error {
	// The entry count is the page header's word: it must fit in the page's
	// bytes (a string entry takes at least its 4-byte length, a boolean a
	// bit), and the tables it sizes below in pqMaxDict bytes (a 2^31-entry
	// claim once allocated 32 GiB). Writers cap a dictionary page at about
	// 1 MB, far inside both.
	minBytes, entry := 1, 8
	switch col.kind {
	case pqText:
		minBytes, entry = 4, int(unsafe.Sizeof(prow{}))+16
	case pqBool:
		minBytes = 0
	}
	if n < 0 || (minBytes > 0 && n > len(data)/minBytes) || n > len(data)*8 || n > pqMaxDict/entry {
		return fmt.Errorf("%w: a dictionary of %d entries in %d bytes", errPageFormat, n, len(data))
	}
	switch col.kind {
	case pqText:
		d.dictErr = pqpage.Sized(d.dictErr, n)
		d.dictBad = false
		switch col.k {
		case colContract, colSeller, colBuyer, colTxFrom:
			d.dictAddr = pqpage.Sized(d.dictAddr, n)
			d.dictHas = pqpage.Sized(d.dictHas, n)
		case colTxHash:
			d.dictHash = pqpage.Sized(d.dictHash, n)
		case colChain, colTokenID, colCurrency, colPlatform:
			d.dictStr = pqpage.Sized(d.dictStr, n)
		default:
			d.dictText = pqpage.Sized(d.dictText, n)
		}
		var t, def prow
		def.reset()
		for j := range n {
			v, rest, ok := plainBytes(data)
			if !ok {
				return errPageFormat
			}
			data = rest
			s := trimSpace(v)
			if col.retain {
				s = strings.Clone(s)
			}
			// Addresses and hashes, nearly all of a big dictionary's
			// entries, are decoded in place; anything else (empty, bad)
			// takes setText's path, for its rules and messages.
			raw := col.binary && len(v) == rawWidth(col.k) // setRaw's test, on the untrimmed bytes
			switch col.k {
			case colContract, colSeller, colBuyer, colTxFrom:
				if raw {
					copy(d.dictAddr[j][:], v)
					d.dictErr[j], d.dictHas[j] = nil, true
					continue
				}
				if decodeHex0x(d.dictAddr[j][:], s) {
					d.dictErr[j], d.dictHas[j] = nil, true
					continue
				}
			case colTxHash:
				if raw {
					copy(d.dictHash[j][:], v)
					d.dictErr[j] = nil
					continue
				}
				if decodeHex0x(d.dictHash[j][:], s) {
					d.dictErr[j] = nil
					continue
				}
			}
			copyColumn(col.k, &t, &def) // setText writes only these fields
			d.dictErr[j] = fp.cfg.setText(col.k, s, &t)
			if d.dictErr[j] != nil {
				d.dictBad = true
			}
			switch col.k {
			case colContract:
				d.dictAddr[j], d.dictHas[j] = t.contract, true
			case colSeller:
				d.dictAddr[j], d.dictHas[j] = t.seller, t.hasSeller
			case colBuyer:
				d.dictAddr[j], d.dictHas[j] = t.buyer, t.hasBuyer
			case colTxFrom:
				d.dictAddr[j], d.dictHas[j] = t.txFrom, t.hasTxFrom
			case colTxHash:
				d.dictHash[j] = t.tx
			case colChain:
				d.dictStr[j] = t.chain
			case colTokenID:
				d.dictStr[j] = t.token
			case colCurrency:
				d.dictStr[j] = t.currency
			case colPlatform:
				d.dictStr[j] = t.platform
			default:
				d.dictText[j] = t
			}
		}
	case pqFloat32, pqFloat64:
		w := 8
		if col.kind == pqFloat32 {
			w = 4
		}
		if len(data) < n*w {
			return errPageFormat
		}
		d.dictF = pqpage.Sized(d.dictF, n)
		for j := range n {
			if w == 4 {
				d.dictF[j] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[4*j:])))
			} else {
				d.dictF[j] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*j:]))
			}
		}
	case pqBool:
		if len(data)*8 < n {
			return errPageFormat
		}
		d.dictBool = pqpage.Sized(d.dictBool, n)
		for j := range n {
			d.dictBool[j] = data[j>>3]>>(j&7)&1 == 1
		}
	default:
		w := col.width()
		if len(data) < n*w {
			return errPageFormat
		}
		d.dictInt = pqpage.Sized(d.dictInt, n)
		for j := range n {
			d.dictInt[j] = col.intAt(data, j)
		}
	}
	return nil
}

// width is the PLAIN width of an integer column's values.
func (col *pqColumn) width() int {
	switch col.kind {
	case pqInt32, pqUint32, pqDate32:
		return 4
	}
	return 8
}

// intAt reads PLAIN integer j of data (sign-extended for INT32).
func (col *pqColumn) intAt(data []byte, j int) int64 {
	if col.width() == 4 {
		return int64(int32(binary.LittleEndian.Uint32(data[4*j:])))
	}
	return int64(binary.LittleEndian.Uint64(data[8*j:]))
}

// setBool stores an is_wash boolean.
func setBool(p *prow, v bool) {
	if v {
		p.label = LabelWash
	} else {
		p.label = LabelOrganic
	}
}

// setInt stores integer v of an integer column as the Arrow converters of
// parquetload.go do.
func (col *pqColumn) setInt(cfg *loadConfig, v int64, p *prow) error {
	switch col.kind {
	case pqUint32:
		return cfg.setUint(col.k, uint64(uint32(v)), p)
	case pqUint64:
		return cfg.setUint(col.k, uint64(v), p)
	case pqTimestamp:
		return cfg.setTime(floorDiv(v, col.div), p)
	case pqDate32:
		return cfg.setTime(v*86400, p)
	case pqDate64:
		return cfg.setTime(floorDiv(v, 1000), p)
	}
	return cfg.setInt(col.k, v, p)
}

// rowGroupRaw renders rows of row group g for rejects, reading the row group
// through pqarrow once, on first use.
type rowGroupRaw struct {
	once sync.Once
	fr   *pqarrow.FileReader
	cols []int
	g    int
	lo   int // row i of the chunk is row lo+i of the row group
	tbl  arrow.Table
	err  error
}

func (r *rowGroupRaw) raw(i int) string {
	r.once.Do(func() {
		r.tbl, r.err = r.fr.ReadRowGroups(context.Background(), r.cols, []int{r.g})
	})
	if r.err != nil {
		return ""
	}
	return tableRaw(r.tbl, int64(r.lo+i))
}

func (r *rowGroupRaw) release() {
	if r.tbl != nil {
		r.tbl.Release()
	}
}
