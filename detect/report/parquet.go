package report

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

// dictColumns are the flags columns with few distinct values, which Parquet
// stores dictionary-encoded; the others (hashes, addresses, token ids, times,
// prices, evidence) are nearly unique per row and are stored plain, where a
// dictionary would only cost hashing before it overflows.
var dictColumns = []string{
	"chain", "log_index", "contract", "token_standard", "amount", "currency",
	"platform", "is_wash", "score", "level", "reasons",
}

// noStatsColumns are random hex and free text, whose min/max statistics
// would never prune a row group.
var noStatsColumns = []string{"tx_hash", "seller", "buyer", "evidence"}

// parquetProps are the writer properties of a flags file: zstd at its fastest
// level (hex strings compress about 2× at any level), dictionaries only where
// they pay.
func parquetProps() *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(datasets.ParquetBatchRows),
		parquet.WithCreatedBy("washscan"),
	}
	for _, c := range dictColumns {
		opts = append(opts, parquet.WithDictionaryFor(c, true))
	}
	for _, c := range noStatsColumns {
		opts = append(opts, parquet.WithStatsFor(c, false))
	}
	return parquet.NewWriterProperties(opts...)
}

// parquetRowGroupRows is the number of rows per row group of a flags file.
const parquetRowGroupRows = datasets.ParquetBatchRows

func writeParquet(path string, t *datasets.Trades, sc *detect.Scores, threshold float64) (err error) {
	a, err := datasets.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	committed := false
	defer func() {
		if err != nil && !committed {
			a.Abort()
			err = fmt.Errorf("write flags %s: %w", path, err)
		}
	}()
	props := parquetProps()
	arrProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	pqSchema, err := pqarrow.ToParquet(Schema, props, arrProps)
	if err != nil {
		return err
	}
	// The Arrow schema is stored as pqarrow.FileWriter stores it, so readers
	// get block_time back in seconds.
	meta := metadata.KeyValueMetadata{}
	if err := meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(Schema, memory.DefaultAllocator))); err != nil {
		return err
	}
	aw := newAsyncWriter(a)
	fw, err := file.NewParquetWriterWithError(aw, pqSchema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(meta))
	if err != nil {
		aw.close()
		return err
	}
	// One goroutine builds the record of the next row group while the
	// current one's columns are encoded and compressed in parallel, each into
	// its own buffer; closing the row group writes them out in column order,
	// so the file does not depend on the schedule.
	n := t.Len()
	recs := make(chan arrow.RecordBatch, 1)
	stop := make(chan struct{})
	go func() {
		defer close(recs)
		for lo := 0; lo < n; lo += parquetRowGroupRows {
			rec := flagsRecord(t, sc, threshold, lo, min(n, lo+parquetRowGroupRows))
			select {
			case recs <- rec:
			case <-stop:
				rec.Release()
				return
			}
		}
	}()
	enc := newColumnEncoder(arrProps)
	for rec := range recs {
		if err == nil {
			if err = enc.writeRowGroup(fw, rec); err != nil {
				close(stop)
			}
		}
		rec.Release()
	}
	if err != nil {
		fw.Close()
		aw.close()
		return err
	}
	if err := fw.Close(); err != nil {
		aw.close()
		return err
	}
	if err := aw.close(); err != nil {
		return err
	}
	committed = true
	return a.Commit()
}

// columnEncoder writes the columns of a record into a buffered row group on
// GOMAXPROCS goroutines.
type columnEncoder struct {
	ctxs  []context.Context // one Arrow write context per goroutine
	order []int             // columns, costliest first
}

func newColumnEncoder(props pqarrow.ArrowWriterProperties) *columnEncoder {
	e := &columnEncoder{}
	for range max(1, runtime.GOMAXPROCS(0)) {
		e.ctxs = append(e.ctxs, pqarrow.NewArrowWriteContext(context.Background(), &props))
	}
	// Hex strings and free text first, so no goroutine is left with one
	// long column at the end.
	heavy := map[string]int{"tx_hash": 0, "seller": 1, "buyer": 2, "evidence": 3, "contract": 4, "token_id": 5}
	for i := range Schema.Fields() {
		e.order = append(e.order, i)
	}
	rank := func(i int) int {
		if r, ok := heavy[Schema.Field(i).Name]; ok {
			return r
		}
		return len(heavy) + i
	}
	slices.SortFunc(e.order, func(x, y int) int { return rank(x) - rank(y) })
	return e
}

func (e *columnEncoder) writeRowGroup(fw *file.Writer, rec arrow.RecordBatch) error {
	rgw, err := fw.AppendBufferedRowGroupChecked()
	if err != nil {
		return err
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make([]error, len(e.order))
	)
	for _, ctx := range e.ctxs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(e.order) {
					return
				}
				i := e.order[k]
				errs[k] = writeColumn(ctx, rgw, i, rec.Column(i))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return rgw.Close()
}

// writeColumn writes arr, flat, as column i of the row group; a nullable
// column gets definition levels from arr's validity.
func writeColumn(ctx context.Context, rgw file.BufferedRowGroupWriter, i int, arr arrow.Array) error {
	cw, err := rgw.Column(i)
	if err != nil {
		return err
	}
	var def []int16
	nullable := Schema.Field(i).Nullable
	if nullable {
		def = make([]int16, arr.Len())
		for k := range def {
			if arr.IsValid(k) {
				def[k] = 1
			}
		}
	}
	if err := pqarrow.WriteArrowToColumn(ctx, cw, arr, def, nil, nullable); err != nil {
		return err
	}
	// Compress the last page here, in parallel, rather than when the row
	// group closes. Only for plain columns: a dictionary column's data pages
	// must follow its dictionary page, which is written on close.
	if f, ok := cw.(interface{ FlushBufferedDataPages() error }); ok && !slices.Contains(dictColumns, Schema.Field(i).Name) {
		return f.FlushBufferedDataPages()
	}
	return nil
}

// bytesOf views a fixed-width slice as bytes, without copying.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// strCol accumulates an Arrow string column: offsets and bytes.
type strCol struct {
	off  []int32
	data []byte
}

func newStrCol(rows, width int) *strCol {
	c := &strCol{off: make([]int32, 1, rows+1), data: make([]byte, 0, rows*width)}
	return c
}

func (c *strCol) end() { c.off = append(c.off, int32(len(c.data))) }

func (c *strCol) add(s string) {
	c.data = append(c.data, s...)
	c.end()
}

func (c *strCol) addHex(p []byte) {
	c.data = hex.AppendEncode(append(c.data, '0', 'x'), p)
	c.end()
}

func (c *strCol) array() arrow.Array {
	d := array.NewData(arrow.BinaryTypes.String, len(c.off)-1,
		[]*memory.Buffer{nil, memory.NewBufferBytes(bytesOf(c.off)), memory.NewBufferBytes(c.data)}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// fixed wraps a fixed-width slice as an Arrow array of type dt; valid, when
// not nil, is its validity bitmap with nulls nulls.
func fixed[T any](dt arrow.DataType, s []T, valid []byte, nulls int) arrow.Array {
	var vb *memory.Buffer
	if nulls > 0 {
		vb = memory.NewBufferBytes(valid)
	} else {
		nulls = 0
	}
	d := array.NewData(dt, len(s), []*memory.Buffer{vb, memory.NewBufferBytes(bytesOf(s))}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// flagsRecord builds rows [lo, hi) of the flags file as one record, column by
// column. Fixed-width trade columns are shared with t, not copied.
func flagsRecord(t *datasets.Trades, sc *detect.Scores, threshold float64, lo, hi int) arrow.RecordBatch {
	m := hi - lo
	cols := make([]arrow.Array, len(Schema.Fields()))

	// Dictionary-coded strings: resolve each distinct id once.
	dictCol := func(ids []uint32, d *datasets.Dict) arrow.Array {
		c := newStrCol(m, 8)
		for _, id := range ids {
			c.add(d.Value(id))
		}
		return c.array()
	}
	cols[0] = dictCol(t.Chain[lo:hi], t.Chains)
	cols[1] = fixed(Schema.Field(1).Type, t.Time[lo:hi], nil, 0)

	bits := func(f func(i int) bool) ([]byte, int) {
		v := make([]byte, bitutil.BytesForBits(int64(m)))
		nulls := 0
		for k := 0; k < m; k++ {
			if f(lo + k) {
				bitutil.SetBit(v, k)
			} else {
				nulls++
			}
		}
		return v, nulls
	}
	v, nulls := bits(func(i int) bool { return t.Block[i] != 0 })
	cols[2] = fixed(arrow.PrimitiveTypes.Uint64, t.Block[lo:hi], v, nulls)

	tx := newStrCol(m, 66)
	for i := lo; i < hi; i++ {
		tx.addHex(t.TxHash[i][:])
	}
	cols[3] = tx.array()
	cols[4] = fixed(arrow.PrimitiveTypes.Uint32, t.LogIndex[lo:hi], nil, 0)

	addrCol := func(id func(i int) datasets.AddrID) arrow.Array {
		c := newStrCol(m, 42)
		for i := lo; i < hi; i++ {
			if a := id(i); a != datasets.NoAddr {
				p := t.Addrs.Addr(a)
				c.addHex(p[:])
			} else {
				c.end()
			}
		}
		return c.array()
	}
	cols[5] = addrCol(t.Contract)
	tok := newStrCol(m, 8)
	for _, a := range t.Asset[lo:hi] {
		tok.add(t.Assets.TokenID[a])
	}
	cols[6] = tok.array()
	std := newStrCol(m, 6)
	for _, s := range t.Standard[lo:hi] {
		std.add(s.String())
	}
	cols[7] = std.array()
	cols[8] = addrCol(func(i int) datasets.AddrID { return t.Seller[i] })
	cols[9] = addrCol(func(i int) datasets.AddrID { return t.Buyer[i] })
	cols[10] = fixed(arrow.PrimitiveTypes.Float64, t.Amount[lo:hi], nil, 0)
	cols[11] = fixed(arrow.PrimitiveTypes.Float64, t.Price[lo:hi], nil, 0)
	cols[12] = dictCol(t.Currency[lo:hi], t.Currencies)
	v, nulls = bits(func(i int) bool { return !math.IsNaN(t.PriceUSD[i]) })
	cols[13] = fixed(arrow.PrimitiveTypes.Float64, t.PriceUSD[lo:hi], v, nulls)
	cols[14] = dictCol(t.Platform[lo:hi], t.Platforms)

	wash := make([]byte, bitutil.BytesForBits(int64(m)))
	score := make([]float64, m)
	level := make([]int32, m)
	reasons, evidence := newStrCol(m, 0), newStrCol(m, 0)
	for k := 0; k < m; k++ {
		i := lo + k
		s := sc.Score[i]
		if Flagged(s, threshold) {
			bitutil.SetBit(wash, k)
		}
		score[k] = round6(s)
		level[k] = int32(sc.Level[i])
		reasons.add(sc.Reasons[i])
		evidence.add(sc.Evidence[i])
	}
	bd := array.NewData(arrow.FixedWidthTypes.Boolean, m, []*memory.Buffer{nil, memory.NewBufferBytes(wash)}, nil, 0, 0)
	cols[15] = array.MakeFromData(bd)
	bd.Release()
	cols[16] = fixed(arrow.PrimitiveTypes.Float64, score, nil, 0)
	cols[17] = fixed(arrow.PrimitiveTypes.Int32, level, nil, 0)
	cols[18] = reasons.array()
	cols[19] = evidence.array()

	rec := array.NewRecordBatch(Schema, cols, int64(m))
	for _, c := range cols {
		c.Release()
	}
	return rec
}
