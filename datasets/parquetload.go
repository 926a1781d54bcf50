package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
			err = &FileError{File: name, Err: malformedParquet(r)}
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
		return &FileError{File: name, Err: notFormat(err)}
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
	// where a panic on a malformed page could not be recovered; row groups
	// are read in parallel on the load's workers instead (arrowParts).
	// Dictionary-encoded strings stay dictionaries, parsed once an entry.
	aprops := pqarrow.ArrowReadProperties{BatchSize: parquetBatch}
	setReadDict(rdr, &aprops)
	fr, err := pqarrow.NewFileReader(rdr, aprops, pool)
	if err != nil {
		return &FileError{File: name, Err: notFormat(err)}
	}
	sc, err := fr.Schema()
	if err != nil {
		return &FileError{File: name, Err: notFormat(err)}
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
	window := 0 // the pipeline's default
	if fp := planParquetFast(rdr, sc, &idx, &leaf, cfg); fp != nil && !parquetFastOff {
		produce = fp.producer(fr, cols, name)
		var most int64
		for g := range rdr.NumRowGroups() {
			most = max(most, rdr.MetaData().RowGroup(g).NumRows())
		}
		window = pqWindow(most)
		b.setStableStrings(true)
		defer b.setStableStrings(false)
		if parquetFastHook != nil {
			parquetFastHook()
		}
	} else {
		produce = arrowParts(b.ctx, fr, cols, &pos, cfg, name)
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
	return pipeline(b.ctx, window, produce, stageA, stageB)
}

// malformedParquet is the error of a panic of the Parquet reader on a
// malformed file: a runtime error (an index or a slice length out of
// range) says nothing to a user, so only the reader's own messages are
// quoted.
func malformedParquet(r any) error {
	if _, ok := r.(runtime.Error); ok {
		return fmt.Errorf("%w: malformed Parquet (inconsistent sizes or offsets)", errNotFormat)
	}
	return fmt.Errorf("%w: malformed Parquet: %v", errNotFormat, r)
}

// notFormat wraps a reader's error on a file that is not what its name
// says, without the Go runtime's words (a reader that recovered its own
// panic may pass on "makeslice: len out of range").
func notFormat(err error) error {
	if m := err.Error(); strings.Contains(m, "runtime error") || strings.Contains(m, "makeslice") || strings.Contains(m, "out of range [") {
		return fmt.Errorf("%w: malformed Parquet (inconsistent sizes or offsets)", errNotFormat)
	}
	return fmt.Errorf("%w: %v", errNotFormat, err)
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

// arrowParts emits the row groups of the file read through pqarrow as
// chunks (large ones in parts of pqPartRows rows), each read and converted
// on a worker of the load: in parallel, and where a panic of the reader is
// recovered. A row group whose pages hold fewer or more rows than it claims
// is a malformed file.
func arrowParts(ctx context.Context, fr *pqarrow.FileReader, cols []int, pos *[numCols]int, cfg *loadConfig, name string) func(emit func(*chunk) bool) {
	return func(emit func(*chunk) bool) {
		md := fr.ParquetReader().MetaData()
		for g := range md.NumRowGroups() {
			n := md.RowGroup(g).NumRows()
			for lo := int64(0); lo < n || lo == 0; lo += int64(pqPartRows) {
				hi := min(n, lo+int64(pqPartRows))
				var recs []arrow.RecordBatch
				c := &chunk{lines: hi - lo}
				c.work = func(c *chunk) {
					defer func() {
						if r := recover(); r != nil {
							c.err = &FileError{File: name, Err: malformedParquet(r)}
						}
					}()
					got, err := readPart(ctx, fr, cols, g, lo, hi, hi == n, func(rec arrow.RecordBatch, take int) {
						rec.Retain()
						recs = append(recs, rec)
						parquetRows(c, rec, take, pos, cfg)
					})
					if err == nil && got != hi-lo {
						err = fmt.Errorf("%w: row group %d claims %d rows, its pages hold %d", errNotFormat, g, n, lo+got)
					}
					if err != nil {
						c.err = &FileError{File: name, Err: err}
					}
				}
				c.raw = func(i int) string {
					for _, rec := range recs {
						if i < int(rec.NumRows()) {
							return parquetRaw(rec, i)
						}
						i -= int(rec.NumRows())
					}
					return ""
				}
				c.release = func() {
					for _, rec := range recs {
						rec.Release()
					}
				}
				if !emit(c) {
					return
				}
			}
		}
	}
}

// readPart reads rows [lo, hi) of row group g, handing each record batch
// to f with the number of its rows to take, and returns the rows read;
// when last, a row past hi is an error.
func readPart(ctx context.Context, fr *pqarrow.FileReader, cols []int, g int, lo, hi int64, last bool, f func(arrow.RecordBatch, int)) (int64, error) {
	rr, err := fr.GetRecordReader(ctx, cols, []int{g})
	if err != nil {
		return 0, notFormat(err)
	}
	defer rr.Release()
	if lo > 0 {
		if err := rr.SeekToRow(lo); err != nil {
			return 0, notFormat(err)
		}
	}
	var got int64
	for got < hi-lo && rr.Next() {
		rec := rr.RecordBatch()
		take := min(rec.NumRows(), hi-lo-got)
		f(rec, int(take))
		got += take
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return got, notFormat(err)
	}
	if last && got == hi-lo && rr.Next() {
		return got, fmt.Errorf("%w: row group %d holds more rows than the %d it claims", errNotFormat, g, hi)
	}
	return got, nil
}

// setReadDict has pqarrow read every string column whose first column
// chunk is dictionary-encoded as a dictionary array, whose entries the
// converters parse once each.
func setReadDict(rdr *file.Reader, props *pqarrow.ArrowReadProperties) {
	md := rdr.MetaData()
	if md.NumRowGroups() == 0 {
		return
	}
	rg := md.RowGroup(0)
	for l := range md.Schema.NumColumns() {
		if md.Schema.Column(l).PhysicalType() != parquet.Types.ByteArray {
			continue
		}
		if cc, err := rg.ColumnChunk(l); err == nil && cc.HasDictionaryPage() {
			props.SetReadDict(l, true)
		}
	}
}

// producer emits the row groups of the file as chunks (large ones in
// parts), each decoded by the fast path on a worker: the parts of a row
// group one after another by the worker that took its first part (the
// column cursors go on from part to part), row groups in parallel.
func (fp *pqFast) producer(fr *pqarrow.FileReader, cols []int, name string) func(emit func(*chunk) bool) {
	return func(emit func(*chunk) bool) {
		md := fp.rdr.MetaData()
		for g := range md.NumRowGroups() {
			n := int(md.RowGroup(g).NumRows())
			st := &pqRowGroup{}
			// The chained parts, for the worker of the first; closed when
			// no more will come.
			parts := make(chan *chunk, max(1, (n+pqPartRows-1)/pqPartRows))
			open := true
			for lo := 0; lo < n || lo == 0; lo += pqPartRows {
				part := &pqPart{g: g, lo: lo, hi: min(n, lo+pqPartRows), rg: st}
				part.last = part.hi == n
				r := &rowGroupRaw{fr: fr, cols: cols, g: g, lo: lo}
				c := &chunk{lines: int64(part.hi - lo), raw: r.raw, release: r.release, chained: lo > 0}
				c.work = func(c *chunk) {
					if err := fp.decode(c, part); err != nil {
						c.err = &FileError{File: name, Err: err}
					}
				}
				if !part.last {
					c.next = func() *chunk { return <-parts } // nil once closed
				}
				if !emit(c) {
					if open {
						close(parts)
					}
					return
				}
				switch {
				case c.out == nil && open: // canceled: an error chunk took its place
					close(parts)
					open = false
				case lo > 0 && open:
					parts <- c
				}
			}
			if open {
				close(parts)
			}
		}
	}
}

// pqWindow is the pipeline window of the fast path over row groups of n
// rows: room for a row group's parts per worker, so that each worker has a
// row group of its own, within bounds (a part's rows take ~2.5 MB).
func pqWindow(n int64) int {
	parts := int((n + int64(pqPartRows) - 1) / int64(pqPartRows))
	return min(max(2, parts)*runtime.GOMAXPROCS(0), 32)
}

// parquetFastOff turns the fast path off, and parquetFastHook, when set, is
// called when a file takes it (tests compare both paths).
var (
	parquetFastOff  bool
	parquetFastHook func()
)

// converter reads column k of one row from an Arrow array.
type converter func(i int, p *prow) error

// parquetRows appends the first n rows of rec to c.rows, column by column
// in blocks of pqBlock rows (the rows of a block stay in cache while every
// column is written into them). A row's error is its first failing column,
// as when parsed row by row.
func parquetRows(c *chunk, rec arrow.RecordBatch, n int, pos *[numCols]int, cfg *loadConfig) {
	var conv [numCols]converter
	for k, j := range pos {
		if j >= 0 {
			conv[k] = cfg.converter(k, rec.Column(j))
		}
	}
	base := len(c.rows)
	if c.rows == nil {
		c.rows = getRows(n)[:0]
	}
	c.rows = slices.Grow(c.rows, n)[:base+n]
	for lo := 0; lo < n; lo += pqBlock {
		blk := c.rows[base+lo : base+min(lo+pqBlock, n)]
		for i := range blk {
			blk[i].reset()
		}
		for k := 0; k < numCols; k++ {
			if conv[k] == nil && !cfg.hasSet[k] {
				continue
			}
			for i := range blk {
				p := &blk[i]
				if p.err != nil {
					continue
				}
				var err error
				if conv[k] != nil {
					err = conv[k](lo+i, p)
				} else {
					err = cfg.setText(k, cfg.set[k], p)
				}
				if err != nil {
					p.err = &RowError{Err: err, Column: CanonicalColumns[k]}
				}
			}
		}
		finishBlock(blk, base+lo)
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
		// Each entry parsed once, into the fields column k sets.
		dict := a.Dictionary()
		inner := cfg.converter(k, dict)
		tmpl := make([]prow, dict.Len())
		errs := make([]error, dict.Len())
		for e := range tmpl {
			tmpl[e].reset()
			errs[e] = inner(e, &tmpl[e])
		}
		var null prow
		null.reset()
		nullErr := cfg.setText(k, "", &null)
		return func(i int, p *prow) error {
			if a.IsNull(i) {
				copyColumn(k, p, &null)
				return nullErr
			}
			e := a.GetValueIndex(i)
			copyColumn(k, p, &tmpl[e])
			return errs[e]
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
		return nullable(func(i int, p *prow) error { return cfg.setTime(floorDiv(int64(a.Value(i)), div), p) })
	case *array.Date32:
		return nullable(func(i int, p *prow) error { return cfg.setTime(int64(a.Value(i))*86400, p) })
	case *array.Date64:
		return nullable(func(i int, p *prow) error { return cfg.setTime(floorDiv(int64(a.Value(i)), 1000), p) })
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

// setTime stores block_time v, in unix seconds, from a timestamp or date
// column (whose unit is its type's: no milliseconds rule).
func (cfg *loadConfig) setTime(v int64, p *prow) error {
	if v < 0 {
		return fmt.Errorf("%w: %d is before 1970", ErrBadTime, v)
	}
	if v > maxUnix {
		return fmt.Errorf("%w: %d is outside 1970-9999", ErrBadTime, v)
	}
	p.time = v
	return nil
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
