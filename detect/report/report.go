package report

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

// Columns are the flags file's first columns, in order (docs/contract.md
// §3.2); ColumnsFor lists all of them.
var Columns = []string{
	"chain", "block_time", "block_number", "tx_hash", "log_index", "contract", "token_id",
	"token_standard", "seller", "buyer", "amount", "price", "currency", "price_usd",
	"platform", "is_wash", "score", "level", "reasons", "evidence",
}

// DuneFilters are the --preset dune columns after evidence_json and the
// detector each one reports.
var DuneFilters = [5][2]string{
	{"filter_1_same_buyer_seller", "dune_self_trade"},
	{"filter_2_back_and_forth_trade", "dune_back_and_forth"},
	{"filter_3_bought_or_sold_3x", "dune_repeat"},
	{"filter_4_first_funded_by_same_wallet", "dune_funder"},
	{"filter_5_flashloan", "dune_flash_loan"},
}

// Options are how a flags file is written.
type Options struct {
	// Threshold flags a row whose score is ≥ it.
	Threshold float64
	// Dune adds the DuneFilters columns (for --preset dune).
	Dune bool
	// Metadata is stored as a Parquet file's key-value metadata, in key
	// order (the run's "washscan" and "input" blocks as JSON); other
	// formats have no place for it.
	Metadata map[string]string
}

// ColumnsFor returns every column of a flags file written with opt.
func ColumnsFor(opt Options) []string {
	cols := append(slices.Clone(Columns), "evidence_json")
	if opt.Dune {
		for _, f := range DuneFilters {
			cols = append(cols, f[0])
		}
	}
	return cols
}

// Schema is the Arrow schema of a Parquet flags file (without the Dune
// filter columns).
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "chain", Type: arrow.BinaryTypes.String},
	{Name: "block_time", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}},
	{Name: "block_number", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "tx_hash", Type: arrow.BinaryTypes.String},
	{Name: "log_index", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "contract", Type: arrow.BinaryTypes.String},
	{Name: "token_id", Type: arrow.BinaryTypes.String},
	{Name: "token_standard", Type: arrow.BinaryTypes.String},
	{Name: "seller", Type: arrow.BinaryTypes.String},
	{Name: "buyer", Type: arrow.BinaryTypes.String},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64},
	{Name: "currency", Type: arrow.BinaryTypes.String},
	{Name: "price_usd", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "platform", Type: arrow.BinaryTypes.String},
	{Name: "is_wash", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	{Name: "level", Type: arrow.PrimitiveTypes.Int32},
	{Name: "reasons", Type: arrow.BinaryTypes.String},
	{Name: "evidence", Type: arrow.BinaryTypes.String},
	{Name: "evidence_json", Type: arrow.BinaryTypes.String},
}, nil)

// schemaFor returns the Arrow schema of a Parquet flags file written with opt.
func schemaFor(opt Options) *arrow.Schema {
	if !opt.Dune {
		return Schema
	}
	fields := Schema.Fields()
	for _, f := range DuneFilters {
		fields = append(fields, arrow.Field{Name: f[0], Type: arrow.FixedWidthTypes.Boolean})
	}
	return arrow.NewSchema(fields, nil)
}

// Verdicts returns, per row, Flagged(score, threshold): washscan's flag.
func Verdicts(score []float64, threshold float64) []bool {
	out := make([]bool, len(score))
	for i, s := range score {
		out[i] = Flagged(s, threshold)
	}
	return out
}

// Flagged reports whether a row of score s is flagged: s, rounded to the 6
// decimals the flags file shows, is ≥ threshold. Comparing the published
// score keeps the file consistent: is_wash = (score ≥ threshold) holds for
// every row as written, also for a threshold copied from a score column.
func Flagged(s, threshold float64) bool {
	// Rounding moves s by at most 5e-7: only scores that close to the
	// threshold need it.
	if d := s - threshold; d >= 1e-6 || d <= -1e-6 {
		return d > 0
	}
	return round6(s) >= threshold
}

// Write writes the flags file for every row of t to path, atomically, with
// the default options and threshold: see WriteWith.
func Write(path string, t *datasets.Trades, sc *detect.Scores, threshold float64) error {
	return WriteWith(path, t, sc, Options{Threshold: threshold})
}

// Formats are the flags file name endings WriteWith accepts.
var Formats = []string{".csv", ".csv.gz", ".csv.zst", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"}

// CheckName returns an error unless path ends in one of Formats.
func CheckName(path string) error {
	if FormatOf(path) == "" {
		return fmt.Errorf("flags %s: unknown format (want %s)", path, strings.Join(Formats, ", "))
	}
	return nil
}

// FormatOf returns the ending of Formats that path has ("" for none): the
// format to hand to WriteTo.
func FormatOf(path string) string {
	low := strings.ToLower(path)
	for _, f := range slices.Backward(Formats) {
		if strings.HasSuffix(low, f) {
			return f
		}
	}
	return ""
}

// WriteWith writes the flags file for every row of t to path, atomically,
// in the format its name says (Formats). sc holds the scores of t's rows.
func WriteWith(path string, t *datasets.Trades, sc *detect.Scores, opt Options) error {
	f := FormatOf(path)
	if f == "" {
		return CheckName(path)
	}
	a, err := datasets.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	if err := WriteTo(a, f, t, sc, opt); err != nil {
		a.Abort()
		return fmt.Errorf("write flags %s: %w", path, err)
	}
	return a.Commit()
}

// WriteTo writes the flags file for every row of t to w in format (one of
// Formats, see FormatOf; "csv" and "parquet" are also accepted); the caller
// makes the file atomic. sc holds the scores of t's rows.
func WriteTo(w io.Writer, format string, t *datasets.Trades, sc *detect.Scores, opt Options) error {
	if len(sc.Score) != t.Len() {
		return fmt.Errorf("flags: %d scores for %d rows", len(sc.Score), t.Len())
	}
	if !strings.HasPrefix(format, ".") {
		format = "." + format
	}
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("flags: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	if format == ".parquet" {
		return writeParquetTo(w, t, sc, opt)
	}
	z, err := datasets.CompressWriter(format, w)
	if err != nil {
		return err
	}
	jsonl := strings.HasPrefix(format, ".jsonl")
	err = writeTextTo(z, t, sc, opt, jsonl, !jsonl, 0, t.Len())
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	return err
}

// A Stream writes one flags file in parts: the rows of successive tables
// (the slices of an out-of-core run, analysis.RunSliced), in order. The
// file holds what WriteTo would write for one table of all their rows,
// but for the order of the dictionary values and the cut of a Parquet
// file's row groups (each table starts one).
type Stream struct {
	format string
	opt    Options
	z      io.WriteCloser // text formats
	pq     *parquetWriter // Parquet
	rows   int64          // rows written
	err    error          // the first error; the stream is then dead
}

// NewStream starts a flags file in format (as WriteTo) on w; the caller
// makes the file atomic, and commits it after Close.
func NewStream(w io.Writer, format string, opt Options) (*Stream, error) {
	if !strings.HasPrefix(format, ".") {
		format = "." + format
	}
	if !slices.Contains(Formats, format) {
		return nil, fmt.Errorf("flags: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	s := &Stream{format: format, opt: opt}
	var err error
	if format == ".parquet" {
		s.pq, err = newParquetWriter(w, opt)
	} else {
		s.z, err = datasets.CompressWriter(format, w)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Write appends rows [lo, hi) of t, scored by sc (every row of t), to
// the file.
func (s *Stream) Write(t *datasets.Trades, sc *detect.Scores, lo, hi int) error {
	if s.err != nil {
		return s.err
	}
	if len(sc.Score) != t.Len() {
		return fmt.Errorf("flags: %d scores for %d rows", len(sc.Score), t.Len())
	}
	if lo < 0 || hi > t.Len() || lo > hi {
		return fmt.Errorf("flags: rows [%d, %d) of %d", lo, hi, t.Len())
	}
	if s.pq != nil {
		s.err = s.pq.rows(t, sc, s.opt, lo, hi)
	} else {
		jsonl := strings.HasPrefix(s.format, ".jsonl")
		s.err = writeTextTo(s.z, t, sc, s.opt, jsonl, !jsonl && s.rows == 0 && hi > lo, lo, hi)
	}
	s.rows += int64(hi - lo)
	return s.err
}

// Close ends the file (a CSV file of no rows gets its header).
func (s *Stream) Close() error {
	if s.pq != nil {
		if s.err != nil {
			s.pq.abort()
			return s.err
		}
		return s.pq.close()
	}
	if s.err == nil && s.rows == 0 && !strings.HasPrefix(s.format, ".jsonl") {
		s.err = writeTextTo(s.z, datasets.NewTrades(), &detect.Scores{}, s.opt, false, true, 0, 0)
	}
	if err := s.z.Close(); s.err == nil {
		s.err = err
	}
	return s.err
}

// Abort ends the stream after an error, or instead of Close, without
// finishing the file (the caller discards it).
func (s *Stream) Abort() {
	if s.pq != nil {
		s.pq.abort()
	} else {
		s.z.Close()
	}
	if s.err == nil {
		s.err = fmt.Errorf("flags: stream aborted")
	}
}

// round6 rounds a score to 6 decimals through its decimal form.
func round6(v float64) float64 {
	if v == 0 { // most scores, and −0 → 0
		return 0
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 6, 64), 64)
	return r + 0 // −0 → 0
}

func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }

// csvChunkRows is the number of rows one goroutine formats at a time.
const csvChunkRows = 32 << 10

// writeTextTo formats chunks of rows on GOMAXPROCS goroutines and writes them
// to w in row order.
func writeTextTo(w io.Writer, t *datasets.Trades, sc *detect.Scores, opt Options, jsonl, header bool, first, end int) error {
	if header {
		head := append([]byte(strings.Join(ColumnsFor(opt), ",")), '\n')
		if _, err := w.Write(head); err != nil {
			return err
		}
	}
	f := newRowFormatter(t, sc, opt, jsonl)
	n := end - first
	chunks := (n + csvChunkRows - 1) / csvChunkRows
	workers := max(1, min(runtime.GOMAXPROCS(0), chunks))
	// Chunk k is formatted by worker k%workers into out[k%workers] slot k/workers.
	outs := make([]chan []byte, workers)
	free := make(chan []byte, 2*workers)
	stop := make(chan struct{})
	for w := range outs {
		outs[w] = make(chan []byte, 1)
		go func(w int) {
			defer close(outs[w])
			ev := newEvWriter(sc, opt.Dune)
			for k := w; k < chunks; k += workers {
				var b []byte
				select {
				case b = <-free:
				default:
				}
				lo := first + k*csvChunkRows
				b = f.appendRows(b[:0], lo, min(end, lo+csvChunkRows), ev)
				select {
				case outs[w] <- b:
				case <-stop:
					return
				}
			}
		}(w)
	}
	var err error
	for k := 0; k < chunks; k++ {
		b := <-outs[k%workers]
		if err == nil {
			if _, err = w.Write(b); err != nil {
				close(stop)
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	if err != nil {
		for _, o := range outs { // let the workers finish
			for range o {
			}
		}
	}
	return err
}

// rowFormatter formats flags rows as CSV or JSON Lines, with the
// dictionary columns quoted once per distinct value.
type rowFormatter struct {
	t         *datasets.Trades
	sc        *detect.Scores
	threshold float64
	dune      bool
	jsonl     bool
	chains    [][]byte
	currs     [][]byte
	plats     [][]byte
}

func quoteDict(d *datasets.Dict, jsonl bool) [][]byte {
	out := make([][]byte, d.Len())
	for i := range out {
		if jsonl {
			out[i] = appendJSONString(nil, d.Value(uint32(i)))
		} else {
			out[i] = datasets.AppendCSVField(nil, d.Value(uint32(i)))
		}
	}
	return out
}

func newRowFormatter(t *datasets.Trades, sc *detect.Scores, opt Options, jsonl bool) *rowFormatter {
	return &rowFormatter{t: t, sc: sc, threshold: opt.Threshold, dune: opt.Dune, jsonl: jsonl,
		chains: quoteDict(t.Chains, jsonl), currs: quoteDict(t.Currencies, jsonl), plats: quoteDict(t.Platforms, jsonl)}
}

func (f *rowFormatter) appendRows(b []byte, lo, hi int, ev *evWriter) []byte {
	for i := lo; i < hi; i++ {
		if f.jsonl {
			b = f.appendJSONRow(b, i, ev)
		} else {
			b = f.appendRow(b, i, ev)
		}
	}
	return b
}

// appendTime appends unix seconds u as 2006-01-02T15:04:05Z, like
// datasets.FormatTime, for years 0–9999; others through package time.
func appendTime(b []byte, u int64) []byte {
	const minU, maxU = -62135596800, 253402300799 // 0001-01-01 .. 9999-12-31T23:59:59
	if u < minU || u > maxU {
		return time.Unix(u, 0).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	}
	days := floorDiv(u, 86400)
	secs := u - days*86400
	// Civil from days (H. Hinnant), days since 1970-01-01.
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	hh, mm, ss := secs/3600, secs/60%60, secs%60
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10), 'Z')
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// appendAddr appends the 0x form of address id, nothing for NoAddr.
func appendAddr(b []byte, d *datasets.Addresses, id datasets.AddrID) []byte {
	if id == datasets.NoAddr {
		return b
	}
	a := d.Addr(id)
	return datasets.AppendHex(b, a[:])
}

// appendRow appends row i as a CSV line.
func (f *rowFormatter) appendRow(b []byte, i int, ev *evWriter) []byte {
	t, sc, threshold := f.t, f.sc, f.threshold
	b = append(b, f.chains[t.Chain[i]]...)
	b = append(b, ',')
	b = appendTime(b, t.Time[i]) // as datasets.FormatTime
	b = append(b, ',')
	if t.Block[i] != 0 {
		b = strconv.AppendUint(b, t.Block[i], 10)
	}
	b = append(b, ',')
	b = datasets.AppendHex(b, t.TxHash[i][:])
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(t.LogIndex[i]), 10)
	b = append(b, ',')
	b = appendAddr(b, t.Addrs, t.Contract(i))
	b = append(b, ',')
	b = append(b, t.Assets.TokenID[t.Asset[i]]...)
	b = append(b, ',')
	b = append(b, t.Standard[i].String()...)
	b = append(b, ',')
	b = appendAddr(b, t.Addrs, t.Seller[i])
	b = append(b, ',')
	b = appendAddr(b, t.Addrs, t.Buyer[i])
	b = append(b, ',')
	b = appendFloat(b, t.Amount[i])
	b = append(b, ',')
	b = appendFloat(b, t.Price[i])
	b = append(b, ',')
	b = append(b, f.currs[t.Currency[i]]...)
	b = append(b, ',')
	if !math.IsNaN(t.PriceUSD[i]) {
		b = appendFloat(b, t.PriceUSD[i])
	}
	b = append(b, ',')
	b = append(b, f.plats[t.Platform[i]]...)
	b = append(b, ',')
	b = strconv.AppendBool(b, Flagged(sc.Score[i], threshold))
	b = append(b, ',')
	if s := sc.Score[i]; s == 0 {
		b = append(b, '0')
	} else {
		b = appendFloat(b, round6(s))
	}
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(sc.Level[i]), 10)
	b = append(b, ',')
	b = datasets.AppendCSVField(b, ev.reasons(i))
	b = append(b, ',')
	b = datasets.AppendCSVField(b, ev.evidence(i))
	b = append(b, ',')
	js, filters := ev.row(i)
	b = datasets.AppendCSVField(b, js)
	if f.dune {
		for k := range DuneFilters {
			b = append(b, ',')
			b = strconv.AppendBool(b, filters&(1<<k) != 0)
		}
	}
	return append(b, '\n')
}

// appendJSONRow appends row i as a JSON Lines object: the columns in order,
// numbers as numbers, an absent block_number or price_usd as null, an
// unknown address as "", evidence_json as an object.
func (f *rowFormatter) appendJSONRow(b []byte, i int, ev *evWriter) []byte {
	t, sc := f.t, f.sc
	key := func(k string) { b = append(b, ',', '"'); b = append(b, k...); b = append(b, '"', ':') }
	str := func(k string, v []byte) { key(k); b = append(b, '"'); b = append(b, v...); b = append(b, '"') }
	b = append(b, `{"chain":`...)
	b = append(b, f.chains[t.Chain[i]]...)
	key("block_time")
	b = append(b, '"')
	b = appendTime(b, t.Time[i])
	b = append(b, '"')
	key("block_number")
	if t.Block[i] != 0 {
		b = strconv.AppendUint(b, t.Block[i], 10)
	} else {
		b = append(b, "null"...)
	}
	str("tx_hash", datasets.AppendHex(nil, t.TxHash[i][:]))
	key("log_index")
	b = strconv.AppendUint(b, uint64(t.LogIndex[i]), 10)
	str("contract", appendAddr(nil, t.Addrs, t.Contract(i)))
	key("token_id")
	b = appendJSONString(b, t.Assets.TokenID[t.Asset[i]])
	str("token_standard", []byte(t.Standard[i].String()))
	str("seller", appendAddr(nil, t.Addrs, t.Seller[i]))
	str("buyer", appendAddr(nil, t.Addrs, t.Buyer[i]))
	key("amount")
	b = appendFloat(b, t.Amount[i])
	key("price")
	b = appendFloat(b, t.Price[i])
	key("currency")
	b = append(b, f.currs[t.Currency[i]]...)
	key("price_usd")
	if !math.IsNaN(t.PriceUSD[i]) {
		b = appendFloat(b, t.PriceUSD[i])
	} else {
		b = append(b, "null"...)
	}
	key("platform")
	b = append(b, f.plats[t.Platform[i]]...)
	key("is_wash")
	b = strconv.AppendBool(b, Flagged(sc.Score[i], f.threshold))
	key("score")
	if s := sc.Score[i]; s == 0 {
		b = append(b, '0')
	} else {
		b = appendFloat(b, round6(s))
	}
	key("level")
	b = strconv.AppendUint(b, uint64(sc.Level[i]), 10)
	key("reasons")
	b = appendJSONString(b, ev.reasons(i))
	key("evidence")
	b = appendJSONString(b, ev.evidence(i))
	key("evidence_json")
	b, filters := ev.appendRow(b, i)
	if f.dune {
		for k, df := range DuneFilters {
			key(df[0])
			b = strconv.AppendBool(b, filters&(1<<k) != 0)
		}
	}
	return append(b, '}', '\n')
}
