package datasets

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ParquetBatchRows is the number of rows a Parquet writer buffers before it
// writes a row group; it bounds the writer's memory regardless of row count.
const ParquetBatchRows = 64 << 10

// CreateWriter starts writing canonical trade rows to path, choosing the format
// by extension: .csv, .parquet, .jsonl or .ndjson, the text formats optionally
// followed by .gz or .zst. The file is written atomically ([CreateAtomic]):
// it appears under its name only when Close succeeds; Abort discards it.
// The name "-" writes CSV to standard output.
//
// CSV and JSON Lines carry the decimal text of Row.Amount, Row.Price and
// Row.PriceUSD unchanged; Parquet stores them as float64 in [CanonicalSchema].
func CreateWriter(path string) (RowWriter, error) {
	f, c, ok := splitName(path)
	if path == "-" {
		f, c, ok = fmtCSV, compNone, true
	}
	if !ok {
		return nil, fmt.Errorf("create %s: unknown format (want .csv, .parquet, .jsonl or .ndjson, text formats optionally .gz or .zst)", path)
	}
	if f == fmtParquet && c != compNone {
		return nil, fmt.Errorf("create %s: Parquet is compressed internally; drop the .gz/.zst suffix", path)
	}
	a, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	if f == fmtParquet {
		w, err := newParquetWriter(a)
		if err != nil {
			a.Abort()
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		return w, nil
	}
	zw, err := compressWriter(a, c)
	if err != nil {
		a.Abort()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	tw := &textWriter{a: a, z: zw, b: bufio.NewWriterSize(zw, 1<<16), json: f == fmtJSONL}
	if !tw.json {
		tw.writeCSVHeader()
	}
	return tw, nil
}

// FormatTime formats unix seconds as RFC 3339 UTC (2006-01-02T15:04:05Z).
func FormatTime(sec int64) string {
	return time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05Z")
}

// textWriter writes CSV or JSON Lines.
type textWriter struct {
	a    *AtomicFile
	z    io.WriteCloser
	b    *bufio.Writer
	json bool
	buf  []byte
	err  error
	done bool
}

func (w *textWriter) writeCSVHeader() {
	w.buf = w.buf[:0]
	for i, c := range CanonicalColumns {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, c...)
	}
	w.buf = append(w.buf, '\n')
	_, w.err = w.b.Write(w.buf)
}

// AppendCSVField appends s as one CSV field (RFC 4180): quoted, with quotes
// doubled, when it holds a comma, quote, CR or LF or starts with a space or
// tab; as it is otherwise. The one CSV field writer of the trades and flags
// writers.
func AppendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || (s[0] != ' ' && s[0] != '\t')) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// Write writes one row.
func (w *textWriter) Write(r *Row) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("write: writer closed")
	}
	if w.json {
		w.buf = appendJSONRow(w.buf[:0], r)
	} else {
		w.buf = appendCSVRow(w.buf[:0], r)
	}
	_, w.err = w.b.Write(w.buf)
	return w.err
}

func appendCSVRow(b []byte, r *Row) []byte {
	b = AppendCSVField(b, r.Chain)
	b = append(b, ',')
	b = time.Unix(r.BlockTime, 0).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, ',')
	if r.BlockNumber != 0 {
		b = strconv.AppendUint(b, r.BlockNumber, 10)
	}
	b = append(b, ',')
	b = AppendHex(b, r.TxHash[:])
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.LogIndex), 10)
	b = append(b, ',')
	b = AppendHex(b, r.Contract[:])
	b = append(b, ',')
	b = AppendCSVField(b, r.TokenID)
	b = append(b, ',')
	b = append(b, r.Standard.String()...)
	b = append(b, ',')
	b = AppendHex(b, r.Seller[:])
	b = append(b, ',')
	b = AppendHex(b, r.Buyer[:])
	b = append(b, ',')
	b = AppendCSVField(b, r.Amount)
	b = append(b, ',')
	b = AppendCSVField(b, r.Price)
	b = append(b, ',')
	b = AppendCSVField(b, r.Currency)
	b = append(b, ',')
	b = AppendCSVField(b, r.PriceUSD)
	b = append(b, ',')
	b = AppendCSVField(b, r.Platform)
	b = append(b, ',')
	if r.TxFrom != nil {
		b = AppendHex(b, r.TxFrom[:])
	}
	b = append(b, ',')
	switch r.Label {
	case LabelWash:
		b = append(b, "true"...)
	case LabelOrganic:
		b = append(b, "false"...)
	}
	return append(b, '\n')
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

func appendJSONRow(b []byte, r *Row) []byte {
	b = append(b, `{"chain":`...)
	b = appendJSONString(b, r.Chain)
	b = append(b, `,"block_time":"`...)
	b = time.Unix(r.BlockTime, 0).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, `","block_number":`...)
	if r.BlockNumber != 0 {
		b = strconv.AppendUint(b, r.BlockNumber, 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"tx_hash":"`...)
	b = AppendHex(b, r.TxHash[:])
	b = append(b, `","log_index":`...)
	b = strconv.AppendUint(b, uint64(r.LogIndex), 10)
	b = append(b, `,"contract":"`...)
	b = AppendHex(b, r.Contract[:])
	b = append(b, `","token_id":`...)
	b = appendJSONString(b, r.TokenID)
	b = append(b, `,"token_standard":"`...)
	b = append(b, r.Standard.String()...)
	b = append(b, `","seller":"`...)
	b = AppendHex(b, r.Seller[:])
	b = append(b, `","buyer":"`...)
	b = AppendHex(b, r.Buyer[:])
	b = append(b, `","amount":`...)
	b = appendJSONString(b, r.Amount)
	b = append(b, `,"price":`...)
	b = appendJSONString(b, r.Price)
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, r.Currency)
	b = append(b, `,"price_usd":`...)
	if r.PriceUSD == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, r.PriceUSD)
	}
	b = append(b, `,"platform":`...)
	b = appendJSONString(b, r.Platform)
	b = append(b, `,"tx_from":`...)
	if r.TxFrom != nil {
		b = append(b, '"')
		b = AppendHex(b, r.TxFrom[:])
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"is_wash":`...)
	switch r.Label {
	case LabelWash:
		b = append(b, "true"...)
	case LabelOrganic:
		b = append(b, "false"...)
	default:
		b = append(b, "null"...)
	}
	return append(b, "}\n"...)
}

// Close flushes and commits the file.
func (w *textWriter) Close() error {
	if w.done {
		return errors.New("close: writer already closed")
	}
	w.done = true
	err := w.err
	if err == nil {
		err = w.b.Flush()
	}
	if err == nil {
		err = w.z.Close()
	}
	if err != nil {
		w.a.Abort()
		return fmt.Errorf("write %s: %w", w.a.Name(), err)
	}
	return w.a.Commit()
}

// Abort discards the file.
func (w *textWriter) Abort() {
	w.done = true
	w.a.Abort()
}

// parquetWriter buffers up to ParquetBatchRows rows in Arrow builders and
// writes each batch as one row group.
type parquetWriter struct {
	a    *AtomicFile
	fw   *pqarrow.FileWriter
	b    *array.RecordBuilder
	n    int
	err  error
	done bool
}

func newParquetWriter(a *AtomicFile) (*parquetWriter, error) {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		// Level 1: most of zstd's ratio at a fraction of the default's CPU.
		parquet.WithCompressionLevel(1),
		parquet.WithDictionaryDefault(true),
		// Every tx hash is (nearly) unique: a dictionary only costs hashing.
		parquet.WithDictionaryFor("tx_hash", false),
		parquet.WithMaxRowGroupLength(ParquetBatchRows),
		parquet.WithCreatedBy("washscan"),
	)
	fw, err := pqarrow.NewFileWriter(CanonicalSchema, a, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, err
	}
	return &parquetWriter{a: a, fw: fw, b: array.NewRecordBuilder(memory.DefaultAllocator, CanonicalSchema)}, nil
}

// parseFloatField parses a decimal for Parquet output; "" is null.
func parseFloatField(s string, col string) (float64, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	v, err := parseDecimal(s)
	if err != nil {
		return 0, false, fmt.Errorf("column %s: %q: %w", col, s, err)
	}
	return v, true, nil
}

func (w *parquetWriter) Write(r *Row) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("write: writer closed")
	}
	amount, amountOK, err := parseFloatField(r.Amount, "amount")
	if err != nil {
		return err
	}
	price, priceOK, err := parseFloatField(r.Price, "price")
	if err != nil {
		return err
	}
	usd, usdOK, err := parseFloatField(r.PriceUSD, "price_usd")
	if err != nil {
		return err
	}
	f := w.b.Fields()
	f[colChain].(*array.StringBuilder).Append(r.Chain)
	f[colBlockTime].(*array.TimestampBuilder).Append(arrow.Timestamp(r.BlockTime))
	if r.BlockNumber != 0 {
		f[colBlockNumber].(*array.Uint64Builder).Append(r.BlockNumber)
	} else {
		f[colBlockNumber].AppendNull()
	}
	f[colTxHash].(*array.StringBuilder).Append(r.TxHash.String())
	f[colLogIndex].(*array.Uint32Builder).Append(r.LogIndex)
	f[colContract].(*array.StringBuilder).Append(r.Contract.String())
	f[colTokenID].(*array.StringBuilder).Append(r.TokenID)
	f[colStandard].(*array.StringBuilder).Append(r.Standard.String())
	f[colSeller].(*array.StringBuilder).Append(r.Seller.String())
	f[colBuyer].(*array.StringBuilder).Append(r.Buyer.String())
	appendOptFloat(f[colAmount].(*array.Float64Builder), amount, amountOK)
	appendOptFloat(f[colPrice].(*array.Float64Builder), price, priceOK)
	f[colCurrency].(*array.StringBuilder).Append(r.Currency)
	appendOptFloat(f[colPriceUSD].(*array.Float64Builder), usd, usdOK)
	f[colPlatform].(*array.StringBuilder).Append(r.Platform)
	if r.TxFrom != nil {
		f[colTxFrom].(*array.StringBuilder).Append(r.TxFrom.String())
	} else {
		f[colTxFrom].AppendNull()
	}
	switch r.Label {
	case LabelWash:
		f[colIsWash].(*array.BooleanBuilder).Append(true)
	case LabelOrganic:
		f[colIsWash].(*array.BooleanBuilder).Append(false)
	default:
		f[colIsWash].AppendNull()
	}
	w.n++
	if w.n >= ParquetBatchRows {
		return w.flush()
	}
	return nil
}

func appendOptFloat(b *array.Float64Builder, v float64, ok bool) {
	if ok && !math.IsNaN(v) {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

func (w *parquetWriter) flush() error {
	if w.n == 0 {
		return nil
	}
	rec := w.b.NewRecordBatch()
	defer rec.Release()
	w.n = 0
	if err := w.fw.Write(rec); err != nil {
		w.err = fmt.Errorf("write %s: %w", w.a.Name(), err)
	}
	return w.err
}

func (w *parquetWriter) Close() error {
	if w.done {
		return errors.New("close: writer already closed")
	}
	w.done = true
	defer w.b.Release()
	err := w.err
	if err == nil {
		err = w.flush()
	}
	if cerr := w.fw.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", w.a.Name(), cerr)
	}
	if err != nil {
		w.a.Abort()
		return err
	}
	return w.a.Commit()
}

func (w *parquetWriter) Abort() {
	if !w.done {
		w.done = true
		w.b.Release()
	}
	w.a.Abort()
}
