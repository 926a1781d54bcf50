package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// parquetBatch is the record batch size read from Parquet files.
const parquetBatch = 64 << 10

// parquetPoolLimit is the most memory a Parquet load keeps for reuse: a few
// batches' worth of decoded columns.
const parquetPoolLimit = 256 << 20

// readerAtSeeker is what the Parquet reader needs.
type readerAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

func (b *builder) loadParquet(in inputFile, size int64, comp compression, name string, cfg *loadConfig, prog *progress) (err error) {
	var ras parquet.ReaderAtSeeker
	if r, ok := in.(readerAtSeeker); ok && comp == compNone && size >= 0 {
		ras = r
	} else {
		// A compressed (or unseekable) Parquet file is decompressed to a
		// temporary file, not into memory: its size is the stream's word
		// only once it has been read.
		tmp, n, err := b.spill(in, comp, name)
		if err != nil {
			return err
		}
		defer tmp.Close()
		ras, size = tmp, n
	}
	if err := checkParquetFooter(ras, size); err != nil {
		return &FileError{File: name, Err: err}
	}
	defer func() {
		// The Parquet reader panics on some malformed files; a bad file must
		// not crash the program.
		if r := recover(); r != nil {
			err = &FileError{File: name, Err: fmt.Errorf("%w: malformed Parquet: %v", errNotFormat, r)}
		}
	}()
	// Column chunks are read through a small buffer, and the readers'
	// page buffers come from a pool, instead of a new allocation per
	// column chunk of every row group.
	pool := newBufPool(parquetPoolLimit)
	props := parquet.NewReaderProperties(pool)
	props.BufferedStreamEnabled = true
	props.BufferSize = 64 << 10
	props.MaxUncompressedPageSize = pqMaxPage
	rdr, err := file.NewParquetReader(ras, file.WithReadProps(props))
	if err != nil {
		return &FileError{File: name, Err: fmt.Errorf("%w: %v", errNotFormat, err)}
	}
	defer rdr.Close()
	if err := checkRowGroups(rdr); err != nil {
		return &FileError{File: name, Err: err}
	}
	// The Arrow schema a writer may store in the footer is ignored: it is a
	// flatbuffer that arrow-go trusts, and a damaged one makes it allocate
	// without bound (a crash no recover catches). The Parquet logical types
	// give every column type the loader reads.
	for _, kv := range rdr.MetaData().KeyValueMetadata() {
		if kv != nil && kv.Key == "ARROW:schema" {
			kv.Key = "washscan:ignored:ARROW:schema"
		}
	}
	// Not Parallel: pqarrow would decode columns on goroutines of its own,
	// where a panic on a malformed page could not be recovered.
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: parquetBatch}, pool)
	if err != nil {
		return &FileError{File: name, Err: fmt.Errorf("%w: %v", errNotFormat, err)}
	}
	sc, err := fr.Schema()
	if err != nil {
		return &FileError{File: name, Err: fmt.Errorf("%w: %v", errNotFormat, err)}
	}
	names := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		names[i] = f.Name
	}
	idx, err := b.header(cfg, names, name, true)
	if err != nil {
		return err
	}
	for k, i := range idx {
		if i >= 0 && !supportedType(k, sc.Field(i).Type) {
			return &RowError{File: name, Line: 1, Parquet: true, Column: CanonicalColumns[k],
				Err: fmt.Errorf("%w: unsupported Parquet column type %s", ErrBadValue, sc.Field(i).Type)}
		}
	}
	// Only the canonical columns are read: each is a top-level field of one
	// leaf (supportedType admits no nested type), and no other column, nested
	// or not, is decoded. leaf[k] is canonical column k's leaf column, pos[k]
	// its field in the record batches of those leaves (leaves ascending).
	leafOf := fieldLeaves(rdr, sc.NumFields())
	var leaf, pos [numCols]int
	var cols []int
	for k, i := range idx {
		leaf[k], pos[k] = -1, -1
		if i >= 0 {
			leaf[k] = leafOf[i]
			cols = append(cols, leafOf[i])
		}
	}
	slices.Sort(cols)
	cols = slices.Compact(cols)
	for k, l := range leaf {
		if l >= 0 {
			pos[k], _ = slices.BinarySearch(cols, l)
		}
	}
	if len(cols) == 0 { // every column from --set: the rows still count
		cols = []int{0}
	}
	total := rdr.NumRows()
	// The row count is the file's word: a damaged file may claim billions
	// of rows in a few bytes, so the reservation is bounded by its size (an
	// honest file takes tens of bytes a row; a smaller one grows the table).
	b.reserve(int(max(0, min(total, size/32, 1<<31))))
	prog.file(name, total, false)
	var produce func(emit func(*chunk) bool)
	if fp := planParquetFast(rdr, sc, &idx, &leaf, cfg); fp != nil && !parquetFastOff {
		produce = fp.producer(fr, cols, name)
		b.setStableStrings(true)
		defer b.setStableStrings(false)
		if parquetFastHook != nil {
			parquetFastHook()
		}
	} else {
		rr, err := fr.GetRecordReader(context.Background(), cols, nil)
		if err != nil {
			return &FileError{File: name, Err: fmt.Errorf("%w: %v", errNotFormat, err)}
		}
		defer rr.Release()
		produce = arrowProducer(rr, &pos, cfg, name, total)
	}
	var rowBase int64
	stageA := func(c *chunk) {
		inBlocks(c.rows, func(lo int, blk []prow) {
			for i := range blk {
				p := &blk[i]
				p.line = rowBase + int64(lo+i) + 1
				if p.err != nil {
					p.err.File, p.err.Line, p.err.Parquet = name, p.line, true
					p.err.Raw = parquetRawOf(c, lo+i)
				}
			}
			b.addRowsA(blk)
		})
		rowBase += c.lines
	}
	stageB := func(c *chunk) error {
		if c.err != nil {
			return c.err
		}
		defer c.release()
		if err := b.addRowsB(c); err != nil {
			return err
		}
		prog.add(c.lines)
		putRows(c.rows)
		c.rows = nil
		return nil
	}
	return pipeline(b.ctx, produce, stageA, stageB)
}

// pqMaxPage bounds a Parquet page's uncompressed size (arrow-go's default).
const pqMaxPage = 256 << 20

// checkRowGroups checks the row counts of a file's row groups: none
// negative, and their sum the file's.
func checkRowGroups(rdr *file.Reader) error {
	md := rdr.MetaData()
	var sum int64
	for g := range md.NumRowGroups() {
		n := md.RowGroup(g).NumRows()
		if n < 0 {
			return fmt.Errorf("%w: row group %d claims %d rows", errNotFormat, g, n)
		}
		sum += n
		if sum < 0 {
			return fmt.Errorf("%w: row groups claim more than 2^63 rows", errNotFormat)
		}
	}
	if sum != md.NumRows {
		return fmt.Errorf("%w: the row groups hold %d rows, the footer says %d", errNotFormat, sum, md.NumRows)
	}
	return nil
}

// fieldLeaves returns, for each top-level field of the file's schema, its
// leaf column when the field is a single primitive leaf, or -1.
func fieldLeaves(rdr *file.Reader, fields int) []int {
	sch := rdr.MetaData().Schema
	root := sch.Root()
	of := make(map[schema.Node]int, fields)
	for f := range min(fields, root.NumFields()) {
		of[root.Field(f)] = f
	}
	leaf := make([]int, fields)
	count := make([]int, fields)
	for i := range leaf {
		leaf[i] = -1
	}
	for l := range sch.NumColumns() {
		if f, ok := of[sch.ColumnRoot(l)]; ok {
			leaf[f] = l
			count[f]++
		}
	}
	for f := range leaf {
		if count[f] != 1 || root.Field(f).Type() != schema.Primitive {
			leaf[f] = -1
		}
	}
	return leaf
}

func parquetRawOf(c *chunk, i int) string { return c.raw(i) }

// supportedType reports whether a Parquet/Arrow column of type t can feed canonical column k.
func supportedType(k int, t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return supportedType(k, t.ValueType)
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType, *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.NullType:
		return true
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type,
		*arrow.Decimal32Type, *arrow.Decimal64Type, *arrow.Decimal128Type, *arrow.Decimal256Type:
		return true
	case *arrow.FixedSizeBinaryType:
		return t.ByteWidth == rawWidth(k)
	case *arrow.BooleanType:
		return k == colIsWash
	case *arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type:
		return k == colBlockTime
	}
	return false
}

// parquetRaw renders row i of rec as a JSON object (for rejects).
func parquetRaw(rec arrow.RecordBatch, i int) string {
	return rowJSON(rec.Schema(), func(c int) (arrow.Array, int) { return rec.Column(c), i })
}

// tableRaw renders row i of tbl as parquetRaw renders a record's row.
func tableRaw(tbl arrow.Table, i int64) string {
	return rowJSON(tbl.Schema(), func(c int) (arrow.Array, int) {
		j := i
		for _, a := range tbl.Column(c).Data().Chunks() {
			if j < int64(a.Len()) {
				return a, int(j)
			}
			j -= int64(a.Len())
		}
		return nil, 0
	})
}

// rowJSON renders one row as a JSON object of sc's fields; cell(c) is the
// array holding the row's value of field c and its index there.
func rowJSON(sc *arrow.Schema, cell func(c int) (arrow.Array, int)) string {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for c, f := range sc.Fields() {
		if c > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		buf.Write(k)
		buf.WriteByte(':')
		v := []byte("null")
		if a, i := cell(c); a != nil {
			if m, err := json.Marshal(a.GetOneForMarshal(i)); err == nil {
				v = m
			}
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.String()
}

// arrowProducer emits the record batches of rr as chunks.
func arrowProducer(rr pqarrow.RecordReader, pos *[numCols]int, cfg *loadConfig, name string, total int64) func(emit func(*chunk) bool) {
	return func(emit func(*chunk) bool) {
		defer func() {
			if r := recover(); r != nil {
				emit(&chunk{err: &FileError{File: name, Err: fmt.Errorf("%w: malformed Parquet: %v", errNotFormat, r)}})
			}
		}()
		var read int64
		for rr.Next() {
			rec := rr.RecordBatch()
			rec.Retain()
			read += rec.NumRows()
			c := &chunk{lines: rec.NumRows()}
			c.work = func(c *chunk) { parquetRows(c, rec, pos, cfg) }
			c.raw = func(i int) string { return parquetRaw(rec, i) }
			c.data = nil
			c.text = ""
			c.rows = nil
			c.release = rec.Release
			if !emit(c) {
				rec.Release()
				return
			}
		}
		if err := rr.Err(); err != nil && err != io.EOF {
			emit(&chunk{err: &FileError{File: name, Err: fmt.Errorf("%w: %v", errNotFormat, err)}})
		} else if read != total {
			// Rows the row groups claim but their pages lack (or hold in
			// excess) would otherwise vanish without a word.
			emit(&chunk{err: &FileError{File: name, Err: fmt.Errorf("%w: the row groups claim %d rows, their pages hold %d", errNotFormat, total, read)}})
		}
	}
}

// producer emits the row groups of the file as chunks (large ones in
// parts), each decoded by the fast path on a worker.
func (fp *pqFast) producer(fr *pqarrow.FileReader, cols []int, name string) func(emit func(*chunk) bool) {
	return func(emit func(*chunk) bool) {
		md := fp.rdr.MetaData()
		for g := range md.NumRowGroups() {
			n := int(md.RowGroup(g).NumRows())
			st := &pqRowGroup{}
			var prev chan error
			for lo := 0; lo < n || lo == 0; lo += pqPartRows {
				part := &pqPart{g: g, lo: lo, hi: min(n, lo+pqPartRows), rg: st, prev: prev}
				if part.hi < n {
					part.next = make(chan error, 1)
				}
				prev = part.next
				r := &rowGroupRaw{fr: fr, cols: cols, g: g, lo: lo}
				c := &chunk{lines: int64(part.hi - lo), raw: r.raw, release: r.release}
				c.work = func(c *chunk) {
					if err := fp.decode(c, part); err != nil {
						c.err = &FileError{File: name, Err: err}
					}
				}
				if !emit(c) {
					return
				}
			}
		}
	}
}

// parquetFastOff turns the fast path off, and parquetFastHook, when set, is
// called when a file takes it (tests compare both paths).
var (
	parquetFastOff  bool
	parquetFastHook func()
)

// converter reads column k of one row from an Arrow array.
type converter func(i int, p *prow) error

func parquetRows(c *chunk, rec arrow.RecordBatch, pos *[numCols]int, cfg *loadConfig) {
	n := int(rec.NumRows())
	var conv [numCols]converter
	for k, j := range pos {
		if j >= 0 {
			conv[k] = cfg.converter(k, rec.Column(j))
		}
	}
	c.rows = getRows(n)[:n]
	for i := 0; i < n; i++ {
		p := &c.rows[i]
		p.reset()
		col, err := -1, error(nil)
		for k := 0; k < numCols && err == nil; k++ {
			switch {
			case conv[k] != nil:
				err = conv[k](i, p)
			case cfg.hasSet[k]:
				err = cfg.setText(k, cfg.set[k], p)
			}
			if err != nil {
				col = k
			}
		}
		if err == nil {
			if ce := finish(p); ce != nil {
				col, err = ce.col, ce.err
			}
		}
		if err != nil {
			*p = prow{err: &RowError{Err: err}}
			if col >= 0 {
				p.err.Column = CanonicalColumns[col]
			}
		}
		p.raw0 = int32(i)
	}
}

func (cfg *loadConfig) converter(k int, arr arrow.Array) converter {
	text := func(v func(i int) string) converter {
		return func(i int, p *prow) error {
			if arr.IsNull(i) {
				return cfg.setText(k, "", p)
			}
			return cfg.setText(k, trimSpace(v(i)), p)
		}
	}
	// binary reads a raw address or hash (setRaw), anything else as text.
	binary := func(v func(i int) string) converter {
		if rawWidth(k) == 0 {
			return text(v)
		}
		return func(i int, p *prow) error {
			if arr.IsNull(i) {
				return cfg.setText(k, "", p)
			}
			if s := v(i); !setRaw(k, p, s) {
				return cfg.setText(k, trimSpace(s), p)
			}
			return nil
		}
	}
	nullable := func(f converter) converter {
		if arr.NullN() == 0 {
			return f
		}
		return func(i int, p *prow) error {
			if arr.IsNull(i) {
				return cfg.setText(k, "", p)
			}
			return f(i, p)
		}
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		inner := cfg.converter(k, a.Dictionary())
		return func(i int, p *prow) error {
			if a.IsNull(i) {
				return cfg.setText(k, "", p)
			}
			return inner(a.GetValueIndex(i), p)
		}
	case *array.String:
		return text(a.Value)
	case *array.LargeString:
		return text(a.Value)
	case *array.StringView:
		return text(a.Value)
	case *array.Binary:
		return binary(a.ValueString)
	case *array.LargeBinary:
		return binary(func(i int) string { return string(a.Value(i)) })
	case *array.FixedSizeBinary: // supportedType: only raw addresses and hashes
		return binary(func(i int) string { return string(a.Value(i)) })
	case *array.Null:
		return func(i int, p *prow) error { return cfg.setText(k, "", p) }
	case *array.Int8:
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, int64(a.Value(i)), p) })
	case *array.Int16:
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, int64(a.Value(i)), p) })
	case *array.Int32:
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, int64(a.Value(i)), p) })
	case *array.Int64:
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, a.Value(i), p) })
	case *array.Uint8:
		return nullable(func(i int, p *prow) error { return cfg.setUint(k, uint64(a.Value(i)), p) })
	case *array.Uint16:
		return nullable(func(i int, p *prow) error { return cfg.setUint(k, uint64(a.Value(i)), p) })
	case *array.Uint32:
		return nullable(func(i int, p *prow) error { return cfg.setUint(k, uint64(a.Value(i)), p) })
	case *array.Uint64:
		return nullable(func(i int, p *prow) error { return cfg.setUint(k, a.Value(i), p) })
	case *array.Float16:
		return nullable(func(i int, p *prow) error { return cfg.setFloat(k, float64(a.Value(i).Float32()), p) })
	case *array.Float32:
		return nullable(func(i int, p *prow) error { return cfg.setFloat(k, float64(a.Value(i)), p) })
	case *array.Float64:
		return nullable(func(i int, p *prow) error { return cfg.setFloat(k, a.Value(i), p) })
	case *array.Boolean:
		return nullable(func(i int, p *prow) error {
			if a.Value(i) {
				p.label = LabelWash
			} else {
				p.label = LabelOrganic
			}
			return nil
		})
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		div := int64(time.Second / unit.Multiplier())
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, floorDiv(int64(a.Value(i)), div), p) })
	case *array.Date32:
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, int64(a.Value(i))*86400, p) })
	case *array.Date64:
		return nullable(func(i int, p *prow) error { return cfg.setInt(k, floorDiv(int64(a.Value(i)), 1000), p) })
	}
	// Decimals and anything else supportedType admits: their text form.
	return text(arr.ValueStr)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// setInt stores a signed integer in column k.
func (cfg *loadConfig) setInt(k int, v int64, p *prow) error {
	if v < 0 {
		if k == colBlockTime {
			return fmt.Errorf("%w: %d is before 1970", ErrBadTime, v)
		}
		switch k {
		case colBlockNumber, colLogIndex, colTokenID, colAmount, colPrice, colPriceUSD:
			return fmt.Errorf("%w: %d", ErrNegative, v)
		}
		return cfg.setText(k, strconv.FormatInt(v, 10), p)
	}
	return cfg.setUint(k, uint64(v), p)
}

// setUint stores an unsigned integer in column k.
func (cfg *loadConfig) setUint(k int, v uint64, p *prow) error {
	switch k {
	case colBlockTime:
		if v >= unixMillis && v <= math.MaxInt64 {
			v /= 1000 // milliseconds, as in text
		}
		if v > maxUnix {
			return fmt.Errorf("%w: %d is outside 1970-9999", ErrBadTime, v)
		}
		p.time = int64(v)
	case colBlockNumber:
		p.block = v
	case colLogIndex:
		if v > math.MaxUint32 {
			return fmt.Errorf("%w: log_index %d exceeds 2^32-1", ErrBadNumber, v)
		}
		p.logIndex = uint32(v)
	case colAmount:
		p.amount = float64(v)
	case colPrice:
		p.price, p.hasPrice = float64(v), true
	case colPriceUSD:
		p.usd = float64(v)
	case colIsWash:
		switch v {
		case 0:
			p.label = LabelOrganic
		case 1:
			p.label = LabelWash
		default:
			return fmt.Errorf("%w: is_wash %d is not 0 or 1", ErrBadValue, v)
		}
	default:
		return cfg.setText(k, strconv.FormatUint(v, 10), p)
	}
	return nil
}

// setFloat stores a floating-point number in column k.
func (cfg *loadConfig) setFloat(k int, v float64, p *prow) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %v", ErrBadNumber, v)
	}
	if v < 0 {
		return fmt.Errorf("%w: %v", ErrNegative, v)
	}
	if v > MaxValue && (k == colAmount || k == colPrice || k == colPriceUSD) {
		return fmt.Errorf("%w: %v is above 1e36", ErrBadNumber, v)
	}
	switch k {
	case colAmount:
		p.amount = v + 0
	case colPrice:
		p.price, p.hasPrice = v+0, true
	case colPriceUSD:
		p.usd = v + 0
	case colBlockTime:
		if v >= unixMillis && v < 1<<63 {
			v = math.Floor(v / 1000) // milliseconds, as in text
		}
		if v > maxUnix {
			return fmt.Errorf("%w: %v is outside 1970-9999", ErrBadTime, v)
		}
		p.time = int64(v)
	default:
		if v != math.Trunc(v) || v >= 1<<64 {
			return fmt.Errorf("%w: %v is not an integer", ErrBadNumber, v)
		}
		return cfg.setUint(k, uint64(v), p)
	}
	return nil
}
