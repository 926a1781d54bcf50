package datasets

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
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
// The row groups are the pipeline's chunks, decoded on every core. Files the
// fast path does not cover — nested columns, other encodings (DELTA_*,
// BYTE_STREAM_SPLIT), decimals and other logical types, row groups of more
// than pqFastMaxRows rows (whose parsed rows would take too much memory at
// once) — go through pqarrow. Both paths give the same rows and the same
// errors; TestParquetFastMatchesArrow checks it.

// pqFastMaxRows is the most rows a row group may have for the fast path:
// the parsed rows of a chunk take ~300 bytes each and a few chunks are in
// flight, so 256 Ki rows bound the transient memory to a few hundred MB.
// Our writer, DuckDB (122,880) and Polars (256 Ki) stay under it; pyarrow's
// default (1 Mi rows) does not.
var pqFastMaxRows int64 = 256 << 10

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
}

// planParquetFast returns the fast-path plan for a file whose canonical
// column k is file column idx[k] (-1: absent), or nil when the file needs
// pqarrow.
func planParquetFast(rdr *file.Reader, sc *arrow.Schema, idx *[numCols]int, cfg *loadConfig) *pqFast {
	md := rdr.MetaData()
	if md.Schema.NumColumns() != sc.NumFields() {
		return nil // nested
	}
	fp := &pqFast{rdr: rdr, cfg: cfg}
	for k, i := range idx {
		if i < 0 {
			continue
		}
		descr := md.Schema.Column(i)
		if descr.MaxRepetitionLevel() != 0 || descr.MaxDefinitionLevel() > 1 {
			return nil
		}
		col := &pqColumn{k: k, leaf: i, maxDef: descr.MaxDefinitionLevel()}
		phys := descr.PhysicalType()
		t := sc.Field(i).Type
		if d, ok := t.(*arrow.DictionaryType); ok {
			t = d.ValueType
		}
		want := parquet.Types.ByteArray
		switch t := t.(type) {
		case *arrow.StringType, *arrow.LargeStringType, *arrow.BinaryType, *arrow.LargeBinaryType:
			col.kind = pqText
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
		if rg.NumRows() < 0 || rg.NumRows() > pqFastMaxRows {
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
var errPageFormat = errors.New("malformed Parquet page")

// decode parses row group g into c.rows, as parquetRows parses a record
// batch.
func (fp *pqFast) decode(c *chunk, g int) error {
	rg := fp.rdr.RowGroup(g)
	n := int(rg.NumRows())
	c.rows = getRows(n)[:n]
	rows := c.rows
	for i := range rows {
		rows[i].reset()
	}
	var d pqDecoder
	for k := range numCols {
		switch {
		case fp.cols[k] != nil:
			if err := d.column(fp, rg, fp.cols[k], rows); err != nil {
				return fmt.Errorf("%w: row group %d, column %s: %v", errNotFormat, g, CanonicalColumns[k], err)
			}
		case fp.cfg.hasSet[k]:
			for i := range rows {
				d.apply(k, &rows[i], &fp.set[k], fp.setErr[k])
			}
		}
	}
	for i := range rows {
		p := &rows[i]
		if p.err == nil {
			if ce := finish(p); ce != nil {
				p.err = &RowError{Err: ce.err, Column: CanonicalColumns[ce.col]}
			}
		}
		if p.err != nil {
			*p = prow{err: p.err}
		}
		p.raw0 = int32(i)
	}
	return nil
}

// pqDecoder is one worker's decoding state and scratch space.
type pqDecoder struct {
	defs []uint32 // definition levels of a page
	idx  []uint32 // dictionary indices of a page
	// The dictionary of the current column chunk.
	dictN    int
	dictText []prow // pqText: each entry parsed …
	dictErr  []error
	dictInt  []int64 // integer kinds
	dictF    []float64
	dictBool []bool
}

// apply copies column k of tmpl (or its error) into p, unless p failed at an
// earlier column.
func (d *pqDecoder) apply(k int, p, tmpl *prow, err error) {
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

// column decodes one column chunk into rows.
func (d *pqDecoder) column(fp *pqFast, rg *file.RowGroupReader, col *pqColumn, rows []prow) error {
	pr, err := rg.GetColumnPageReader(col.leaf)
	if err != nil {
		return err
	}
	d.dictN = -1
	at := 0
	for pr.Next() {
		pg := pr.Page()
		var (
			defs, vals []byte
			defEnc     = parquet.Encodings.RLE
			v1         bool
		)
		switch p := pg.(type) {
		case *file.DictionaryPage:
			if err := d.dictionary(fp, col, p.Data(), int(p.NumValues())); err != nil {
				return err
			}
			continue
		case *file.DataPageV1:
			vals, defEnc, v1 = p.Data(), p.DefinitionLevelEncoding(), true
		case *file.DataPageV2:
			data := p.Data()
			rl, dl := int(p.RepetitionLevelByteLen()), int(p.DefinitionLevelByteLen())
			if rl < 0 || dl < 0 || rl+dl > len(data) {
				return errPageFormat
			}
			defs, vals = data[rl:rl+dl], data[rl+dl:]
		default:
			continue
		}
		n := int(pg.NumValues())
		if n < 0 || n > len(rows)-at {
			return fmt.Errorf("%w: more values than the row group's %d rows", errPageFormat, len(rows))
		}
		if col.maxDef > 0 && v1 {
			if len(vals) < 4 {
				return errPageFormat
			}
			l := int(binary.LittleEndian.Uint32(vals))
			if l < 0 || l > len(vals)-4 {
				return errPageFormat
			}
			defs, vals = vals[4:4+l], vals[4+l:]
		}
		// The page and its buffer belong to the reader, which releases
		// or reuses them on Next.
		if err := d.page(fp, col, parquet.Encoding(pg.Encoding()), defEnc, defs, vals, rows[at:at+n]); err != nil {
			return err
		}
		at += n
	}
	if err := pr.Err(); err != nil {
		return err
	}
	if at != len(rows) {
		return fmt.Errorf("%w: %d values for %d rows", errPageFormat, at, len(rows))
	}
	return nil
}

// dictionary decodes a dictionary page of n PLAIN values.
func (d *pqDecoder) dictionary(fp *pqFast, col *pqColumn, data []byte, n int) error {
	if n < 0 || n > len(data)*8+1 {
		return errPageFormat
	}
	d.dictN = n
	switch col.kind {
	case pqText:
		d.dictText = sized(d.dictText, n)
		d.dictErr = sized(d.dictErr, n)
		for j := range n {
			if len(data) < 4 {
				return errPageFormat
			}
			l := int(binary.LittleEndian.Uint32(data))
			if l < 0 || l > len(data)-4 {
				return errPageFormat
			}
			s := trimSpace(unsafe.String(unsafe.SliceData(data[4:]), l))
			if col.retain {
				s = strings.Clone(s)
			}
			t := &d.dictText[j]
			t.reset()
			d.dictErr[j] = fp.cfg.setText(col.k, s, t)
			data = data[4+l:]
		}
	case pqFloat32, pqFloat64:
		w := 8
		if col.kind == pqFloat32 {
			w = 4
		}
		if len(data) < n*w {
			return errPageFormat
		}
		d.dictF = sized(d.dictF, n)
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
		d.dictBool = sized(d.dictBool, n)
		for j := range n {
			d.dictBool[j] = data[j>>3]>>(j&7)&1 == 1
		}
	default:
		w := col.width()
		if len(data) < n*w {
			return errPageFormat
		}
		d.dictInt = sized(d.dictInt, n)
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

// sized returns s resized to n elements, reallocated (zeroed) when too small.
func sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// page decodes one data page of len(rows) values into rows.
func (d *pqDecoder) page(fp *pqFast, col *pqColumn, enc, defEnc parquet.Encoding, defs, vals []byte, rows []prow) error {
	n := len(rows)
	present := n // non-null values
	var def []uint32
	if col.maxDef > 0 {
		if defEnc != parquet.Encodings.RLE {
			return fmt.Errorf("%w: definition levels in %s", errPageFormat, defEnc)
		}
		d.defs = sized(d.defs, n)
		def = d.defs
		r := newRLEDecoder(defs, 1)
		if err := r.fill(def); err != nil {
			return err
		}
		present = 0
		for _, v := range def {
			present += int(v)
		}
	}
	k := col.k
	switch enc {
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		if d.dictN < 0 {
			return fmt.Errorf("%w: dictionary-encoded page without a dictionary", errPageFormat)
		}
		if len(vals) < 1 || vals[0] > 32 {
			return errPageFormat
		}
		d.idx = sized(d.idx, present)
		r := newRLEDecoder(vals[1:], uint(vals[0]))
		if err := r.fill(d.idx); err != nil {
			return err
		}
		j := 0
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				d.apply(k, p, &fp.null[k], fp.nullErr[k])
				continue
			}
			e := int(d.idx[j])
			j++
			if e >= d.dictN {
				return fmt.Errorf("%w: dictionary index %d of %d entries", errPageFormat, e, d.dictN)
			}
			if p.err != nil {
				continue
			}
			switch col.kind {
			case pqText:
				d.apply(k, p, &d.dictText[e], d.dictErr[e])
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
		return nil
	case parquet.Encodings.Plain:
	case parquet.Encodings.RLE:
		if col.kind != pqBool {
			return fmt.Errorf("%w: %s values", errPageFormat, enc)
		}
		// RLE booleans (data page v2): a 4-byte length, then bit width 1.
		if len(vals) < 4 {
			return errPageFormat
		}
		d.idx = sized(d.idx, present)
		r := newRLEDecoder(vals[4:], 1)
		if err := r.fill(d.idx); err != nil {
			return err
		}
		j := 0
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				d.apply(k, p, &fp.null[k], fp.nullErr[k])
				continue
			}
			if p.err == nil {
				setBool(p, d.idx[j] == 1)
			}
			j++
		}
		return nil
	default:
		return fmt.Errorf("%w: %s values", errPageFormat, enc)
	}
	// PLAIN values.
	switch col.kind {
	case pqText:
		if col.retain {
			vals = bytes.Clone(vals) // rows keep strings of it
		}
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				d.apply(k, p, &fp.null[k], fp.nullErr[k])
				continue
			}
			if len(vals) < 4 {
				return errPageFormat
			}
			l := int(binary.LittleEndian.Uint32(vals))
			if l < 0 || l > len(vals)-4 {
				return errPageFormat
			}
			if p.err == nil {
				s := trimSpace(unsafe.String(unsafe.SliceData(vals[4:]), l))
				if err := fp.cfg.setText(k, s, p); err != nil {
					fail(k, p, err)
				}
			}
			vals = vals[4+l:]
		}
	case pqBool:
		if len(vals)*8 < present {
			return errPageFormat
		}
		j := 0
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				d.apply(k, p, &fp.null[k], fp.nullErr[k])
				continue
			}
			if p.err == nil {
				setBool(p, vals[j>>3]>>(j&7)&1 == 1)
			}
			j++
		}
	case pqFloat32, pqFloat64:
		w := 8
		if col.kind == pqFloat32 {
			w = 4
		}
		if len(vals) < present*w {
			return errPageFormat
		}
		j := 0
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				d.apply(k, p, &fp.null[k], fp.nullErr[k])
				continue
			}
			if p.err == nil {
				var v float64
				if w == 4 {
					v = float64(math.Float32frombits(binary.LittleEndian.Uint32(vals[4*j:])))
				} else {
					v = math.Float64frombits(binary.LittleEndian.Uint64(vals[8*j:]))
				}
				if err := fp.cfg.setFloat(k, v, p); err != nil {
					fail(k, p, err)
				}
			}
			j++
		}
	default:
		if len(vals) < present*col.width() {
			return errPageFormat
		}
		j := 0
		for i := range rows {
			p := &rows[i]
			if def != nil && def[i] == 0 {
				d.apply(k, p, &fp.null[k], fp.nullErr[k])
				continue
			}
			if p.err == nil {
				if err := col.setInt(fp.cfg, col.intAt(vals, j), p); err != nil {
					fail(k, p, err)
				}
			}
			j++
		}
	}
	return nil
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
		return cfg.setInt(col.k, floorDiv(v, col.div), p)
	case pqDate32:
		return cfg.setInt(col.k, v*86400, p)
	case pqDate64:
		return cfg.setInt(col.k, floorDiv(v, 1000), p)
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
	return tableRaw(r.tbl, int64(i))
}

func (r *rowGroupRaw) release() {
	if r.tbl != nil {
		r.tbl.Release()
	}
}
