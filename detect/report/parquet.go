package report

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
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

// dictColumns are the flags columns stored dictionary-encoded: strings and
// numbers with few distinct values per row group, which the builder hands
// over as dictionary arrays numbered without Parquet's per-row hashing (see
// flagsBuilder.batch and writeDict); price only in row groups where at most
// a quarter of the prices are distinct, else plain (plainArray). The others
// (hashes, times, USD prices) are nearly unique per row and stored plain,
// where a dictionary would only cost hashing. So are seller and buyer: a row
// group of 256 Ki rows holds ~100k distinct wallets each, whose dictionaries
// Parquet hashes again and writes (compressed) on one goroutine when the row
// group closes; plain, they are compressed with the other pages on every
// core (3.9M rows: 0.35 s less wall time, a file 16% larger).
var dictColumns = []string{
	"chain", "log_index", "contract", "token_id", "token_standard", "amount",
	"price", "currency", "platform", "is_wash", "score", "level", "reasons", "evidence",
	"evidence_json",
}

// noStatsColumns are random hex and free text, whose min/max statistics
// would never prune a row group.
var noStatsColumns = []string{"tx_hash", "seller", "buyer", "evidence", "evidence_json"}

// plainEncodings are the non-PLAIN encodings of plain (not dictionary)
// columns. tx_hash, unique per row, is DELTA_LENGTH_BYTE_ARRAY: its lengths
// (all 66) pack into a few bits per block, and its hex digits follow each
// other without the 4-byte length before every value, whose repeats every
// 70 bytes make zstd emit one match per row; without them zstd finds no
// matches and only entropy-codes the digits, about three times faster for
// a page 1% bigger; seller and buyer likewise. block_time, in time order in most inputs, is
// DELTA_BINARY_PACKED: a few bits per row before zstd instead of 8 bytes,
// which halves its compressed size at no extra CPU (block_number, whose
// plain pages zstd compresses better than the deltas, stays plain).
var plainEncodings = map[string]parquet.Encoding{
	"tx_hash":    parquet.Encodings.DeltaLengthByteArray,
	"seller":     parquet.Encodings.DeltaLengthByteArray,
	"buyer":      parquet.Encodings.DeltaLengthByteArray,
	"block_time": parquet.Encodings.DeltaBinaryPacked,
}

// parquetProps are the writer properties of a flags file: zstd at its fastest
// level (hex strings compress about 2× at any level), dictionaries only where
// they pay, and a dictionary page limit (1 GiB) above any dictionary of a
// row group, so that a dictionary column never falls back to plain.
func parquetProps(mem memory.Allocator) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(int64(parquetRowGroupRows)),
		parquet.WithDictionaryPageSizeLimit(1 << 30),
		parquet.WithCreatedBy("washscan"),
	}
	for _, c := range dictColumns {
		opts = append(opts, parquet.WithDictionaryFor(c, true))
	}
	for _, c := range noStatsColumns {
		opts = append(opts, parquet.WithStatsFor(c, false))
	}
	for c, e := range plainEncodings {
		opts = append(opts, parquet.WithEncodingFor(c, e))
	}
	return parquet.NewWriterProperties(opts...)
}

// parquetRowGroupRows is the number of rows per row group of a flags file:
// 256 Ki rows, where each row group's dictionaries (one per string column)
// are built, hashed by pqarrow and written once; four times fewer than at
// 64 Ki rows save about a tenth of the writing CPU and 8% of the file. A
// variable only so tests can make row groups small.
var parquetRowGroupRows = 4 * datasets.ParquetBatchRows

// writeParquetTo writes the Parquet flags file to a.
func writeParquetTo(a io.Writer, t *datasets.Trades, sc *detect.Scores, opt Options) error {
	return writeParquetRows(a, t, sc, opt, 0, t.Len())
}

// WriteParquetRows writes a Parquet flags file of rows [lo, hi) of t to w:
// one part of a flags directory (washscan-beam, dist/beam). sc holds the
// scores of every row of t.
func WriteParquetRows(w io.Writer, t *datasets.Trades, sc *detect.Scores, opt Options, lo, hi int) error {
	if len(sc.Score) != t.Len() {
		return fmt.Errorf("flags: %d scores for %d rows", len(sc.Score), t.Len())
	}
	if lo < 0 || hi > t.Len() || lo > hi {
		return fmt.Errorf("flags: rows [%d, %d) of %d", lo, hi, t.Len())
	}
	return writeParquetRows(w, t, sc, opt, lo, hi)
}

func writeParquetRows(a io.Writer, t *datasets.Trades, sc *detect.Scores, opt Options, first, n int) error {
	pw, err := newParquetWriter(a, opt)
	if err != nil {
		return err
	}
	if err := pw.rows(t, sc, opt, first, n); err != nil {
		pw.abort()
		return err
	}
	return pw.close()
}

// parquetWriter writes a flags file from one or more tables (rows), each
// cut into row groups of its own.
type parquetWriter struct {
	schema *arrow.Schema
	aw     *asyncWriter
	fw     *file.Writer
	enc    *columnEncoder
}

// newParquetWriter starts a Parquet flags file on a.
func newParquetWriter(a io.Writer, opt Options) (*parquetWriter, error) {
	schema := schemaFor(opt)
	// The encoders' page and dictionary buffers come from a pool, reused
	// from row group to row group instead of allocated (and zeroed) anew.
	mem := datasets.NewBufferPool(256 << 20)
	props := parquetProps(mem)
	arrProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem))
	pqSchema, err := pqarrow.ToParquet(schema, props, arrProps)
	if err != nil {
		return nil, err
	}
	// The Arrow schema is stored as pqarrow.FileWriter stores it, so readers
	// get block_time back in seconds.
	meta := metadata.KeyValueMetadata{}
	if err := meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(schema, memory.DefaultAllocator))); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(opt.Metadata)) {
		if err := meta.Append(k, opt.Metadata[k]); err != nil {
			return nil, err
		}
	}
	aw := newAsyncWriter(a)
	fw, err := file.NewParquetWriterWithError(aw, pqSchema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(meta))
	if err != nil {
		aw.close()
		return nil, err
	}
	return &parquetWriter{schema: schema, aw: aw, fw: fw, enc: newColumnEncoder(arrProps, schema)}, nil
}

// rows writes rows [first, n) of t, with the scores sc of every row of t.
func (p *parquetWriter) rows(t *datasets.Trades, sc *detect.Scores, opt Options, first, n int) (err error) {
	// One goroutine builds the record of the next row group while the
	// current one's columns are encoded and compressed in parallel, each into
	// its own buffer; closing the row group writes them out in column order,
	// so the file does not depend on the schedule. A batch's memory is
	// recycled once its row group is written: at most two batches are alive
	// at a time (one written, one built and handed over when the writer
	// takes it).
	batches := make(chan flagsBatch)
	free := make(chan *arena, 2)
	stop := make(chan struct{})
	// The evidence and evidence_json dictionaries, the largest memory of a
	// batch, exist once: the builder takes them when it reaches those
	// columns, which the encoder of the batch before has written by then
	// (they are among the first it writes), and gives back right after.
	texts := make(chan *textDicts, 1)
	texts <- &textDicts{}
	// The builder starts a batch when the encoder of the one before has a
	// goroutine idle (see writeRowGroup), so it runs on the core the
	// encoding leaves free while the row group is closed, rather than
	// beside the encoding's goroutines, leaving a core idle later.
	start := make(chan struct{}, 1)
	start <- struct{}{}
	idle := func() {
		select {
		case start <- struct{}{}:
		default:
		}
	}
	go func() {
		defer close(batches)
		b := newFlagsBuilder(t, sc, opt, p.schema)
		b.takeTexts = func() *textDicts {
			select {
			case td := <-texts:
				return td
			case <-stop:
				return &textDicts{} // the batch is dropped
			}
		}
		for lo := first; lo < n; lo += parquetRowGroupRows {
			hi := min(n, lo+parquetRowGroupRows)
			select {
			case <-start:
			case <-stop:
				return
			}
			var mem *arena
			select {
			case mem = <-free:
			default:
				mem = newArena((hi - lo) * batchBytesPerRow)
			}
			fb := b.batch(lo, hi, mem)
			td, left := fb.texts, new(atomic.Int32)
			left.Store(2)
			fb.written = func(i int) {
				if (i == colEvidence || i == colEvidenceJSON) && left.Add(-1) == 0 {
					select {
					case texts <- td:
					default:
					}
				}
			}
			select {
			case batches <- fb:
			case <-stop:
				release(fb.cols)
				return
			}
		}
	}()
	for fb := range batches {
		if err == nil {
			if err = p.enc.writeRowGroup(p.fw, fb, idle); err != nil {
				close(stop)
			}
		}
		release(fb.cols)
		fb.mem.reset()
		select {
		case free <- fb.mem:
		default:
		}
	}
	return err
}

// close ends the file.
func (p *parquetWriter) close() error {
	if err := p.fw.Close(); err != nil {
		p.aw.close()
		return err
	}
	return p.aw.close()
}

// abort stops writing after an error.
func (p *parquetWriter) abort() {
	p.fw.Close()
	p.aw.close()
}

// columnEncoder writes the columns of a record into a buffered row group on
// GOMAXPROCS goroutines.
type columnEncoder struct {
	ctxs    []context.Context // one Arrow write context per goroutine
	scratch []*strCol         // one chunk of a streamed column per goroutine
	order   []int             // columns, costliest first
	schema  *arrow.Schema
}

func newColumnEncoder(props pqarrow.ArrowWriterProperties, schema *arrow.Schema) *columnEncoder {
	e := &columnEncoder{schema: schema}
	for range max(1, runtime.GOMAXPROCS(0)) {
		e.ctxs = append(e.ctxs, pqarrow.NewArrowWriteContext(context.Background(), &props))
		e.scratch = append(e.scratch, newStrCol(nil, min(streamChunkRows, parquetRowGroupRows), 66))
	}
	// Hex strings and free text first, so no goroutine is left with one
	// long column at the end.
	heavy := map[string]int{"tx_hash": 0, "seller": 1, "buyer": 2, "evidence": 3, "evidence_json": 4, "contract": 5, "token_id": 6}
	for i := range schema.Fields() {
		e.order = append(e.order, i)
	}
	rank := func(i int) int {
		if r, ok := heavy[schema.Field(i).Name]; ok {
			return r
		}
		return len(heavy) + i
	}
	slices.SortFunc(e.order, func(x, y int) int { return rank(x) - rank(y) })
	return e
}

// writeRowGroup writes the columns of fb as one row group. The columns are
// encoded on GOMAXPROCS goroutines, costliest first; each column chunk is
// closed (its dictionary page and buffered data pages compressed, its bytes
// written to the file) as soon as it and every column before it are
// encoded, by the goroutine that finished the last of them, so that closing,
// which must go in column order, overlaps the encoding of the columns still
// open instead of following it on one goroutine. Only the columns no other
// can overlap with (in practice the evidence and evidence_json dictionary
// pages, compressed last) are closed alone. idle, when not nil, is called
// once, as soon as a goroutine finds no column left to encode: a core is
// free from then on for the next batch's builder.
func (e *columnEncoder) writeRowGroup(fw *file.Writer, fb flagsBatch, idle func()) error {
	rgw, err := fw.AppendBufferedRowGroupChecked()
	if err != nil {
		return err
	}
	ncol := len(e.order)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errs     = make([]error, ncol)
		encoded  = make([]atomic.Bool, ncol) // by column
		closing  sync.Mutex                  // held while closing columns
		closed   int                         // columns [0, closed) are closed; under closing
		failed   atomic.Bool                 // a column failed: close no more
		idleOnce sync.Once
	)
	// closeReady closes the columns from closed on while they are encoded.
	// A goroutine that finds closing held leaves the work to its holder,
	// which looks again after letting go; a column encoded just as the
	// holder lets go may stay open, and rgw.Close below closes it.
	closeReady := func() {
		for !failed.Load() && closing.TryLock() {
			for closed < ncol && encoded[closed].Load() && !failed.Load() {
				cw, err := rgw.Column(closed)
				if err == nil {
					err = cw.Close()
				}
				if err != nil {
					errs[closed] = err
					failed.Store(true)
				}
				closed++
			}
			more := closed < ncol && encoded[closed].Load()
			closing.Unlock()
			if !more {
				return
			}
		}
	}
	for g, ctx := range e.ctxs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= ncol {
					if idle != nil {
						idleOnce.Do(idle)
					}
					return
				}
				i := e.order[k]
				var err error
				if fill := fb.streams[i]; fill != nil {
					err = writeStream(ctx, rgw, i, fb.rows, fill, e.scratch[g])
				} else {
					err = writeColumn(ctx, rgw, i, fb.cols[i], e.schema.Field(i).Nullable)
				}
				if fb.written != nil {
					fb.written(i)
				}
				if err != nil {
					errs[i] = err
					failed.Store(true)
					continue
				}
				encoded[i].Store(true)
				if earlyClose {
					closeReady()
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Close closes the columns not closed above (all of them without
	// earlyClose), adds up their sizes and ends the row group.
	return rgw.Close()
}

// earlyClose enables writeRowGroup's closing of columns while others are
// encoded; a variable only so tests can compare the files with and without.
var earlyClose = true

// writeColumn writes arr, flat, as column i of the row group; a nullable
// column gets definition levels from arr's validity.
func writeColumn(ctx context.Context, rgw file.BufferedRowGroupWriter, i int, arr arrow.Array, nullable bool) error {
	cw, err := rgw.Column(i)
	if err != nil {
		return err
	}
	if d, ok := arr.(*array.Dictionary); ok {
		return writeDict(ctx, cw, d)
	}
	if p, ok := arr.(plainArray); ok {
		// Nothing is written yet, so there is no dictionary page: the
		// column chunk is plain, as if the column were.
		cw.FallbackToPlain()
		arr = p.Array
	}
	var def []int16
	if nullable {
		def = make([]int16, arr.Len())
		if arr.NullN() == 0 {
			for k := range def {
				def[k] = 1
			}
		} else {
			valid := arr.NullBitmapBytes()
			off := arr.Data().Offset()
			for k := range def {
				if bitutil.BitIsSet(valid, off+k) {
					def[k] = 1
				}
			}
		}
	}
	if err := pqarrow.WriteArrowToColumn(ctx, cw, arr, def, nil, nullable); err != nil {
		return err
	}
	// Compress the last page here, in parallel, rather than when the row
	// group closes. Only for plain columns: a dictionary column's data pages
	// must follow its dictionary page, which is written on close.
	if f, ok := cw.(interface{ FlushBufferedDataPages() error }); ok && cw.CurrentEncoder().Encoding() != parquet.Encodings.PlainDict {
		return f.FlushBufferedDataPages()
	}
	return nil
}

// streamChunkRows is the number of rows of a streamed column formatted
// and handed to Parquet at a time: a multiple of the writer's batch size
// (parquet.DefaultWriteBatchSize, 1024 values), in which Parquet encodes
// and checks the page size whatever the array it is given, so the pages
// are those of the whole column written at once. A variable only so tests
// can compare chunk sizes.
var streamChunkRows = int(16 * parquet.DefaultWriteBatchSize)

// writeStream writes column i, non-nullable strings that fill formats,
// rows at a time in chunks of streamChunkRows into scratch: the column is
// never whole in memory.
func writeStream(ctx context.Context, rgw file.BufferedRowGroupWriter, i, rows int, fill func(c *strCol, lo, hi int), scratch *strCol) error {
	cw, err := rgw.Column(i)
	if err != nil {
		return err
	}
	for lo := 0; lo < rows; lo += streamChunkRows {
		hi := min(rows, lo+streamChunkRows)
		scratch.off, scratch.data = append(scratch.off[:0], 0), scratch.data[:0]
		fill(scratch, lo, hi)
		arr := scratch.array()
		err := pqarrow.WriteArrowToColumn(ctx, cw, arr, nil, nil, false)
		arr.Release()
		if err != nil {
			return err
		}
	}
	if f, ok := cw.(interface{ FlushBufferedDataPages() error }); ok {
		return f.FlushBufferedDataPages()
	}
	return nil
}

// plainArray marks the array of a dictionary column that the builder found
// not worth a dictionary in this row group (too many distinct values):
// writeColumn writes that column chunk plain.
type plainArray struct{ arrow.Array }

// directDict enables writeDict's and smallInts' direct paths; a variable
// only so tests can compare them with pqarrow's.
var directDict = true

// dictSeeder is the part of a column's Parquet dictionary encoder that
// writeDict drives: the methods pqarrow calls to hand a dictionary over.
type dictSeeder interface {
	NormalizeDict(arrow.Array) (arrow.Array, error)
	PutDictionary(arrow.Array) error
	NumEntries() int
}

// writeDict writes d, a non-nullable dictionary array whose dictionary
// holds distinct values and whose indices use every one of them (as idDict,
// dictRows and floatDict build them: values numbered by first use), as
// column cw. It does what pqarrow.WriteArrowToColumn does with a dictionary
// array, less its hash pass over the indices (compute.Unique, to find the
// values referenced for the min/max statistics), which that invariant makes
// needless: the dictionary seeds the column's dictionary encoder, the
// statistics are updated from the whole dictionary (and get "" when it holds
// it, see fixEmptyStats), and the indices are written as given.
// O(len(dictionary)) hashing plus O(rows) to encode the indices. When the
// column is not (or no longer) dictionary-encoded, or the dictionary has
// duplicates, pqarrow writes d, dense if need be.
func writeDict(ctx context.Context, cw file.ColumnChunkWriter, d *array.Dictionary) error {
	enc := cw.CurrentEncoder()
	seed, ok := enc.(dictSeeder)
	if !directDict || !ok || enc.Encoding() != parquet.Encodings.PlainDict || seed.NumEntries() != 0 || d.NullN() != 0 {
		if err := pqarrow.WriteArrowToColumn(ctx, cw, d, nil, nil, false); err != nil {
			return err
		}
		fixEmptyStats(cw, d)
		return nil
	}
	dict, err := seed.NormalizeDict(d.Dictionary())
	if err != nil {
		return err
	}
	defer dict.Release()
	if err := seed.PutDictionary(dict); err != nil {
		return err
	}
	if seed.NumEntries() != dict.Len() {
		// Duplicates: the encoder's dictionary no longer matches the
		// indices. As pqarrow does, write this column plain.
		cw.FallbackToPlain()
		return pqarrow.WriteArrowToColumn(ctx, cw, d, nil, nil, false)
	}
	if st := cw.PageStatistics(); st != nil {
		st.IncNulls(0)
		st.IncNumValues(int64(d.Len()))
		if err := st.UpdateFromArrow(dict, false); err != nil {
			return err
		}
		fixEmptyStats(cw, d)
	}
	return cw.WriteDictIndices(d.Indices(), nil, nil)
}

// fixEmptyStats puts "" into the open page's statistics of a dictionary
// column whose dictionary holds it: ByteArrayStatistics.UpdateFromArrow, by
// which pqarrow and writeDict compute the statistics of a dictionary array
// from its dictionary, skips empty strings, where the same strings written
// plain count (min ""). writeDict calls it before writing the indices, so
// the page amended is the one the dictionary's statistics went to; after
// pqarrow's write, the open page is the whole column chunk as long as the
// RLE indices of a row group (at most 18 bits × parquetRowGroupRows = 576
// KiB) fit in one data page (1 MiB by default).
func fixEmptyStats(cw file.ColumnChunkWriter, d *array.Dictionary) {
	st, ok := cw.PageStatistics().(*metadata.ByteArrayStatistics)
	if !ok || st == nil {
		return
	}
	dict, ok := d.Dictionary().(*array.String)
	if !ok {
		return
	}
	for i := range dict.Len() {
		if dict.ValueLen(i) == 0 {
			st.SetMinMax(parquet.ByteArray{}, parquet.ByteArray{})
			return
		}
	}
}

// bytesOf views a fixed-width slice as bytes, without copying.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// flagsBatch is the columns of one row group and the arena that holds
// their memory. The hex columns (tx_hash, seller, buyer; about 160 bytes a
// row) are not built: streams[i], for such a column i (whose cols[i] is
// nil), appends the values of the batch's rows [lo, hi) to a chunk.
type flagsBatch struct {
	rows    int
	cols    []arrow.Array
	streams []func(c *strCol, lo, hi int)
	mem     *arena
	// texts holds the evidence and evidence_json dictionaries; written,
	// when set, is called as each column i has been written.
	texts   *textDicts
	written func(i int)
}

// colEvidence and colEvidenceJSON are the schema positions of the
// evidence and evidence_json columns.
const colEvidence, colEvidenceJSON = 19, 20

// textDicts are a batch's evidence and evidence_json dictionaries (see
// dictRows), each in memory of its own that grows to the largest batch's:
// about 40 MB each a row group on the 3.9M market. Parquet's dictionary
// encoder copies a dictionary when it is handed over (writeDict), so they
// are free again once their columns are written, before the row group is.
type textDicts struct{ text, evidence strCol }

// batchBytesPerRow is about the arena memory a row of the flags takes:
// twelve dictionary indices, its score, and its share of the dictionaries.
// An estimate for the first arenas; the arena learns the size it needs.
const batchBytesPerRow = 128

// arena hands out the pointer-free slices of one batch's columns from one
// block of memory, recycled from batch to batch, so that the builder does
// not allocate (and the runtime zero, fault in and collect) about 50 MB per
// row group anew. Its slices are not zeroed: every user overwrites all of
// its slice. When the block is full, alloc falls back to the Go heap and
// the next reset grows the block to what the batch needed.
type arena struct {
	buf  []byte
	off  int
	need int // bytes asked for since the last reset
	// reasons is the batch's reasons dictionary, in memory of its own
	// that grows to the largest batch's (see dictRows).
	reasons strCol
}

func newArena(size int) *arena { return &arena{buf: make([]byte, size)} }

// reset makes the whole block free again, for a batch whose slices are no
// longer used, growing it first if the last batch did not fit.
func (a *arena) reset() {
	if a.need > len(a.buf) {
		a.buf = make([]byte, a.need+a.need/8)
	}
	a.off, a.need = 0, 0
}

// alloc returns n bytes, 8-byte aligned, not zeroed, whose capacity is n
// (appending beyond it reallocates, never overwriting other slices).
func (a *arena) alloc(n int) []byte {
	n8 := (n + 7) &^ 7
	a.need += n8
	if a.off+n8 > len(a.buf) {
		return make([]byte, n)
	}
	b := a.buf[a.off : a.off+n : a.off+n]
	a.off += n8
	return b
}

// arenaSlice returns a slice of n Ts from a (a's own slices when a is nil,
// from the Go heap): T must hold no pointers.
func arenaSlice[T int32 | uint32 | float64 | byte](a *arena, n int) []T {
	if a == nil {
		return make([]T, n)
	}
	var z T
	b := a.alloc(n * int(unsafe.Sizeof(z)))
	if n == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// strCol accumulates an Arrow string column: offsets and bytes.
type strCol struct {
	off  []int32
	data []byte
}

// newStrCol returns an empty column with room for rows values of width
// bytes each, in memory from mem.
func newStrCol(mem *arena, rows, width int) *strCol {
	c := &strCol{off: arenaSlice[int32](mem, rows+1)[:1], data: arenaSlice[byte](mem, rows*width)[:0]}
	c.off[0] = 0
	return c
}

func (c *strCol) end() { c.off = append(c.off, int32(len(c.data))) }

func (c *strCol) add(s string) {
	c.data = append(c.data, s...)
	c.end()
}

func (c *strCol) addHex(p []byte) {
	c.data = datasets.AppendHex(c.data, p)
	c.end()
}

// addrGather is the number of addresses addAddrs reads before it formats
// them.
const addrGather = 64

// addAddrs adds the 0x hex form of the address of each of ids ("" for
// NoAddr). The addresses of a row group's wallets lie anywhere in the
// address list, each read a likely cache miss: they are copied first,
// addrGather at a time, in a loop of independent loads whose misses the
// processor overlaps, and formatted after, from memory just read; read and
// formatted one by one, each miss stalls the formatting (10M market: 2.35 of
// 25 CPU-s in the writer went to those reads; BenchmarkAddAddrs, 256Ki
// random wallets of 4M: 8 ms gathered, 27 ms one by one).
func (c *strCol) addAddrs(a *datasets.Addresses, ids []uint32) {
	var buf [addrGather]datasets.Address
	c.data = slices.Grow(c.data, len(ids)*42)
	for len(ids) > 0 {
		n := min(len(ids), addrGather)
		for k, id := range ids[:n] {
			buf[k] = a.Addr(id)
		}
		for k, id := range ids[:n] {
			if id != datasets.NoAddr {
				c.addHex(buf[k][:])
			} else {
				c.end()
			}
		}
		ids = ids[n:]
	}
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

// dictType is the Arrow type in which the flags writer hands a
// dictionary-encoded string column to pqarrow: pqarrow then writes the
// dictionary page and the indices as given (PutDictionary, WriteDictIndices)
// instead of hashing every row. The file's Arrow schema still says utf8, so
// readers get plain strings back.
var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// dictArray wraps indices into the string dictionary dict.
func dictArray(idx []int32, dict *strCol) arrow.Array {
	return dictOf(dictType, idx, dict.array())
}

// dictOf wraps indices into the dictionary da (whose reference it takes
// over) as an array of type dt.
func dictOf(dt *arrow.DictionaryType, idx []int32, da arrow.Array) arrow.Array {
	ia := fixed(arrow.PrimitiveTypes.Int32, idx, nil, 0)
	a := array.NewDictionaryArray(dt, ia, da)
	ia.Release()
	da.Release()
	return a
}

// idDict dictionary-encodes one row group of a column whose value is a
// function of a dense id (an address, a Dict entry, an asset, a small
// number), without hashing: seen[id] records the generation (one per column
// of a row group) that last saw id and id's index in that generation's
// dictionary, so each row costs one array read (8 bytes, one cache line)
// and each distinct id is formatted once, in order of first use. Memory is
// O(largest id); starting a generation is O(1).
type idDict struct {
	seen  []idSlot
	gen   uint32
	order []uint32 // the distinct ids of the current column, by first use
}

// idSlot is an id's entry in idDict: the generation that last saw it and
// its dictionary index in that generation.
type idSlot struct {
	gen  uint32
	slot int32
}

// number returns, for each of ids (all < space), its index among the
// distinct ids in order of first use, which it leaves in d.order; the
// indices are in memory from mem. O(len(ids)) time.
func (d *idDict) number(mem *arena, ids []uint32, space int) []int32 {
	if len(d.seen) < space {
		d.seen = make([]idSlot, space+space/4)
		d.gen = 0
	}
	d.gen++
	if d.gen == 0 { // wrapped: every stamp is stale again
		clear(d.seen)
		d.gen = 1
	}
	seen, gen := d.seen[:space], d.gen
	idx := arenaSlice[int32](mem, len(ids))
	d.order = d.order[:0]
	for k, id := range ids {
		e := &seen[id]
		if e.gen != gen {
			e.gen, e.slot = gen, int32(len(d.order))
			d.order = append(d.order, id)
		}
		idx[k] = e.slot
	}
	return idx
}

// encode returns the dictionary array of ids, whose values are at most
// width bytes each (longer ones only cost a regrowth): number numbers the
// distinct ids in order of first use, then put appends the value of each
// (exactly one) to a dictionary sized for them.
func (d *idDict) encode(mem *arena, ids []uint32, space int, width int, put func(id uint32, dict *strCol)) arrow.Array {
	idx := d.number(mem, ids, space)
	dict := newStrCol(mem, len(d.order), width)
	for _, id := range d.order {
		put(id, dict)
	}
	return dictArray(idx, dict)
}

// smallInts returns the column of vals (of Arrow type dt, 4 bytes wide) as a
// dictionary array numbered by idDict when every value is below
// smallIntLimit, and as a plain array (of a copy) otherwise, which Parquet
// then dictionary-encodes by hashing every row into the same dictionary.
// The dictionary holds the values' bits as int32, the physical type Parquet
// stores them in. O(len(vals)).
func (d *idDict) smallInts(mem *arena, dt arrow.DataType, vals []uint32) arrow.Array {
	top := uint32(0)
	for _, v := range vals {
		top = max(top, v)
	}
	if top >= smallIntLimit || !directDict {
		return fixed(dt, slices.Clone(vals), nil, 0)
	}
	idx := d.number(mem, vals, int(top)+1)
	dict := arenaSlice[int32](mem, len(d.order))
	for k, v := range d.order {
		dict[k] = int32(v)
	}
	return dictOf(intDictType, idx, fixed(arrow.PrimitiveTypes.Int32, dict, nil, 0))
}

// smallIntLimit bounds the values smallInts numbers directly (an idDict of
// 8 bytes per possible value); log indices and levels are far below it.
const smallIntLimit = 1 << 20

// intDictType is the Arrow type of smallInts' dictionary arrays.
var intDictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.PrimitiveTypes.Int32}

// floatDict dictionary-encodes float64 columns by hashing their bits; its
// map and list are kept from column to column.
type floatDict struct {
	seen     map[uint64]int32
	distinct []float64
}

// encode returns the dictionary array of vals, numbered in order of first
// use, as Parquet's own dictionary encoder would number them (it hashes
// every row): a row equal to the previous one (most often 0 or 1) skips the
// lookup; NaNs, which Parquet takes for one value, are one entry, and 0 and
// −0 two. The min/max statistics of the distinct values are those of the
// rows: NaNs are left out of both, and a zero min or max is written as −0
// or 0 whichever zero it was. With maxDistinct ≥ 0 and more distinct
// values than that, encode stops and returns vals as a plainArray (shared,
// not copied), to be written plain. Memory comes from mem; O(len(vals))
// expected time.
func (d *floatDict) encode(mem *arena, vals []float64, maxDistinct int) arrow.Array {
	if d.seen == nil {
		d.seen = map[uint64]int32{}
	}
	clear(d.seen)
	d.distinct = d.distinct[:0]
	idx := arenaSlice[int32](mem, len(vals))
	nan := math.Float64bits(math.NaN())
	last, lastIdx := uint64(0), int32(-1)
	for k, v := range vals {
		bits := math.Float64bits(v)
		if v != v {
			bits = nan
		}
		if lastIdx < 0 || bits != last {
			j, ok := d.seen[bits]
			if !ok {
				if maxDistinct >= 0 && len(d.distinct) == maxDistinct {
					return plainArray{fixed(arrow.PrimitiveTypes.Float64, vals, nil, 0)}
				}
				j = int32(len(d.distinct))
				d.distinct = append(d.distinct, v)
				d.seen[bits] = j
			}
			last, lastIdx = bits, j
		}
		idx[k] = lastIdx
	}
	if !directDict {
		return fixed(arrow.PrimitiveTypes.Float64, slices.Clone(vals), nil, 0)
	}
	dict := arenaSlice[float64](mem, len(d.distinct))
	copy(dict, d.distinct)
	return dictOf(floatDictType, idx, fixed(arrow.PrimitiveTypes.Float64, dict, nil, 0))
}

// floatDictType is the Arrow type of floatDict's dictionary arrays.
var floatDictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.PrimitiveTypes.Float64}

// flagsBuilder builds the columns of the flags file's row groups; it keeps
// scratch state across row groups, so one goroutine owns it.
type flagsBuilder struct {
	t         *datasets.Trades
	sc        *detect.Scores
	threshold float64
	schema    *arrow.Schema
	ev        *evWriter
	evSeen    map[string]int32 // a column's distinct values, views into its dictionary (dictRows)
	dune      bool
	ids       idDict
	floats    floatDict
	scratch   []uint32
	takeTexts func() *textDicts // the evidence dictionaries of the next batch
	tokenKey  []uint32          // by asset: index of its token id in tokens
	tokens    []string          // the distinct token ids
}

// newFlagsBuilder returns a builder of the flags rows of t. Distinct assets
// may share a token id (the same number in two collections), so the
// token_id dictionary is keyed by the distinct token ids, numbered here
// once: O(assets) expected time.
func newFlagsBuilder(t *datasets.Trades, sc *detect.Scores, opt Options, schema *arrow.Schema) *flagsBuilder {
	b := &flagsBuilder{t: t, sc: sc, threshold: opt.Threshold, tokenKey: make([]uint32, t.Assets.Len()),
		schema: schema, dune: opt.Dune}
	b.ev, b.evSeen = newEvWriter(sc, opt.Dune), map[string]int32{}
	seen := make(map[string]uint32)
	for a, s := range t.Assets.TokenID {
		k, ok := seen[s]
		if !ok {
			k = uint32(len(b.tokens))
			b.tokens = append(b.tokens, s)
			seen[s] = k
		}
		b.tokenKey[a] = k
	}
	return b
}

// batch builds rows [lo, hi) of the flags file, column by column, in the
// order of Schema. The columns of dictColumns (chain, log_index, contract,
// token_id, token_standard, amount, price, currency, platform, score,
// level, reasons, evidence) are dictionary arrays, values
// numbered in order of first use (price may be a plainArray); fixed-width
// trade columns are shared with t, not copied; the rest is in memory from
// mem. O(rows) time plus the formatting of each dictionary value.
func (b *flagsBuilder) batch(lo, hi int, mem *arena) flagsBatch {
	t, sc := b.t, b.sc
	m := hi - lo
	cols := make([]arrow.Array, len(b.schema.Fields()))
	streams := make([]func(c *strCol, lo, hi int), len(cols))

	dictCol := func(ids []uint32, d *datasets.Dict) arrow.Array {
		return b.ids.encode(mem, ids, d.Len(), 8, func(id uint32, c *strCol) { c.add(d.Value(id)) })
	}
	addrCol := func(ids []uint32) arrow.Array {
		return b.ids.encode(mem, ids, t.Addrs.Len(), 42, func(id uint32, c *strCol) {
			if id != datasets.NoAddr {
				p := t.Addrs.Addr(id)
				c.addHex(p[:])
			} else {
				c.end()
			}
		})
	}
	scratch := func(f func(i int) uint32) []uint32 {
		b.scratch = slices.Grow(b.scratch[:0], m)[:m]
		for k := range b.scratch {
			b.scratch[k] = f(lo + k)
		}
		return b.scratch
	}

	cols[0] = dictCol(t.Chain[lo:hi], t.Chains)
	cols[1] = fixed(b.schema.Field(1).Type, t.Time[lo:hi], nil, 0)

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

	first := lo
	streams[3] = func(c *strCol, lo, hi int) {
		for i := first + lo; i < first+hi; i++ {
			c.addHex(t.TxHash[i][:])
		}
	}
	cols[4] = b.ids.smallInts(mem, arrow.PrimitiveTypes.Uint32, t.LogIndex[lo:hi])
	cols[5] = addrCol(scratch(func(i int) uint32 { return t.Contract(i) }))

	cols[6] = b.ids.encode(mem, scratch(func(i int) uint32 { return b.tokenKey[t.Asset[i]] }), len(b.tokens), 8, func(k uint32, c *strCol) {
		c.add(b.tokens[k])
	})
	cols[7] = b.ids.encode(mem, scratch(func(i int) uint32 { return uint32(t.Standard[i]) }), 256, 6, func(s uint32, c *strCol) {
		c.add(datasets.Standard(s).String())
	})
	plainAddr := func(ids []uint32) func(c *strCol, lo, hi int) {
		return func(c *strCol, lo, hi int) { c.addAddrs(t.Addrs, ids[lo:hi]) }
	}
	streams[8] = plainAddr(t.Seller[lo:hi])
	streams[9] = plainAddr(t.Buyer[lo:hi])
	cols[10] = b.floats.encode(mem, t.Amount[lo:hi], -1)
	// Prices often repeat (collection floors, round numbers), but need
	// not: a dictionary only while at most a quarter of the row group's
	// prices are distinct.
	cols[11] = b.floats.encode(mem, t.Price[lo:hi], m/4)
	cols[12] = dictCol(t.Currency[lo:hi], t.Currencies)
	v, nulls = bits(func(i int) bool { return !math.IsNaN(t.PriceUSD[i]) })
	cols[13] = fixed(arrow.PrimitiveTypes.Float64, t.PriceUSD[lo:hi], v, nulls)
	cols[14] = dictCol(t.Platform[lo:hi], t.Platforms)

	// Scores repeat (most are 0), so a row with the previous row's score
	// reuses its rounding and verdict. NaN, never equal, is recomputed.
	wash := make([]byte, bitutil.BytesForBits(int64(m)))
	score := arenaSlice[float64](mem, m)
	prev, rounded, flagged := math.NaN(), 0.0, false
	for k, s := range sc.Score[lo:hi] {
		if s != prev {
			prev, rounded, flagged = s, round6(s), Flagged(s, b.threshold)
		}
		if flagged {
			bitutil.SetBit(wash, k)
		}
		score[k] = rounded
	}
	bd := array.NewData(arrow.FixedWidthTypes.Boolean, m, []*memory.Buffer{nil, memory.NewBufferBytes(wash)}, nil, 0, 0)
	cols[15] = array.MakeFromData(bd)
	bd.Release()
	cols[16] = b.floats.encode(mem, score, -1)
	cols[17] = b.ids.smallInts(mem, arrow.PrimitiveTypes.Int32, scratch(func(i int) uint32 { return uint32(sc.Level[i]) }))
	cols[18] = b.dictRows(mem, &mem.reasons, m, func(dst []byte, k int) []byte { return sc.AppendReasons(dst, lo+k) })
	td := &textDicts{}
	if b.takeTexts != nil {
		td = b.takeTexts()
	}
	cols[colEvidence] = b.dictRows(mem, &td.text, m, func(dst []byte, k int) []byte { return sc.AppendEvidence(dst, lo+k) })
	filters := make([]uint8, m)
	cols[colEvidenceJSON] = b.evidenceJSON(mem, &td.evidence, lo, filters)
	if b.dune {
		for j := range DuneFilters {
			v := make([]byte, bitutil.BytesForBits(int64(m)))
			for k, f := range filters {
				if f&(1<<j) != 0 {
					bitutil.SetBit(v, k)
				}
			}
			bd := array.NewData(arrow.FixedWidthTypes.Boolean, m, []*memory.Buffer{nil, memory.NewBufferBytes(v)}, nil, 0, 0)
			cols[21+j] = array.MakeFromData(bd)
			bd.Release()
		}
	}
	return flagsBatch{rows: m, cols: cols, streams: streams, mem: mem, texts: td}
}

// evidenceSlack is the room dictRows makes before a row's value.
const evidenceSlack = 64 << 10

// evidenceJSON returns the evidence_json column of rows lo, lo+1, … (as
// many as filters, which get the rows' Dune filter bits) as a dictionary
// array (see dictRows) in the buffer d.
func (b *flagsBuilder) evidenceJSON(mem *arena, d *strCol, lo int, filters []uint8) arrow.Array {
	return b.dictRows(mem, d, len(filters), func(dst []byte, k int) []byte {
		dst, filters[k] = b.ev.appendRow(dst, lo+k)
		return dst
	})
}

// dictRows returns the dictionary array of n values made row by row
// (appendRow(dst, k) appends the k-th to dst), numbered in order of first
// use as Parquet's own dictionary encoder would number them: each value is
// written straight after the dictionary's last value, in d (a buffer of
// mem, reused from batch to batch), and kept as a new value or, if an
// earlier one is equal, dropped; a value equal to the previous one (most
// often "" or "{}") skips the lookup. The values are never copied.
// O(bytes of the values) expected time.
func (b *flagsBuilder) dictRows(mem *arena, d *strCol, n int, appendRow func(dst []byte, k int) []byte) arrow.Array {
	d.off, d.data = append(d.off[:0], 0), d.data[:0]
	clear(b.evSeen)
	idx := arenaSlice[int32](mem, n)
	last, lastIdx := "", int32(-1)
	for k := range n {
		start := len(d.data)
		if cap(d.data)-start < evidenceSlack {
			// Double: append's own growth for large slices (1.25×)
			// would copy the dictionary about four times over.
			d.data = slices.Grow(d.data, max(cap(d.data), evidenceSlack))
		}
		d.data = appendRow(d.data, k)
		// A view of the value; should d.data move as it grows, the map's
		// views keep the old copy, which holds the same bytes.
		v := unsafe.String(unsafe.SliceData(d.data[start:]), len(d.data)-start)
		if lastIdx >= 0 && v == last {
			d.data = d.data[:start]
			idx[k] = lastIdx
			continue
		}
		j, ok := b.evSeen[v]
		if ok {
			// Drop the copy; last views the value kept.
			d.data = d.data[:start]
			v = unsafe.String(unsafe.SliceData(d.data[d.off[j]:]), int(d.off[j+1]-d.off[j]))
		} else {
			j = int32(len(d.off) - 1)
			b.evSeen[v] = j
			d.end()
		}
		last, lastIdx = v, j
		idx[k] = j
	}
	clear(b.evSeen) // drop the views of d
	// The dictionary's buffers stay d's: NewBufferBytes does not copy.
	return dictArray(idx, d)
}

// release releases the arrays of a batch.
func release(cols []arrow.Array) {
	for _, c := range cols {
		if c != nil {
			c.Release()
		}
	}
}
