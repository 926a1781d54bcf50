package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

// Columns are the flags file's columns, in order (SPEC §3.2).
var Columns = []string{
	"chain", "block_time", "block_number", "tx_hash", "log_index", "contract", "token_id",
	"token_standard", "seller", "buyer", "amount", "price", "currency", "price_usd",
	"platform", "is_wash", "score", "level", "reasons", "evidence",
}

// Schema is the Arrow schema of a Parquet flags file.
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
}, nil)

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

// Write writes the flags file for every row of t to path (.csv or .parquet),
// atomically. sc holds the scores of t's rows; a row is flagged when its
// score is ≥ threshold.
func Write(path string, t *datasets.Trades, sc *detect.Scores, threshold float64) error {
	if len(sc.Score) != t.Len() {
		return fmt.Errorf("flags %s: %d scores for %d rows", path, len(sc.Score), t.Len())
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return writeCSV(path, t, sc, threshold)
	case ".parquet":
		return writeParquet(path, t, sc, threshold)
	}
	return fmt.Errorf("flags %s: unknown format (want .csv or .parquet)", path)
}

// FormatOf returns the flags format a file name asks for by its extension:
// "csv", "parquet", or "" for neither.
func FormatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv"
	case ".parquet":
		return "parquet"
	}
	return ""
}

// WriteTo writes the flags file for every row of t to w in format ("csv" or
// "parquet", see FormatOf); the caller makes the file atomic. sc holds the
// scores of t's rows; a row is flagged when its score is ≥ threshold.
func WriteTo(w io.Writer, format string, t *datasets.Trades, sc *detect.Scores, threshold float64) error {
	if len(sc.Score) != t.Len() {
		return fmt.Errorf("flags: %d scores for %d rows", len(sc.Score), t.Len())
	}
	switch format {
	case "csv":
		return writeCSVTo(w, t, sc, threshold)
	case "parquet":
		return writeParquetTo(w, t, sc, threshold)
	}
	return fmt.Errorf("flags: unknown format %q (want csv or parquet)", format)
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

func writeCSV(path string, t *datasets.Trades, sc *detect.Scores, threshold float64) error {
	a, err := datasets.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	werr := writeCSVTo(a, t, sc, threshold)
	if werr != nil {
		a.Abort()
		return fmt.Errorf("write flags %s: %w", path, werr)
	}
	return a.Commit()
}

// writeCSVTo formats chunks of rows on GOMAXPROCS goroutines and writes them
// to w in row order.
func writeCSVTo(w io.Writer, t *datasets.Trades, sc *detect.Scores, threshold float64) error {
	head := append([]byte(strings.Join(Columns, ",")), '\n')
	if _, err := w.Write(head); err != nil {
		return err
	}
	f := newRowFormatter(t, sc, threshold)
	n := t.Len()
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
			for k := w; k < chunks; k += workers {
				var b []byte
				select {
				case b = <-free:
				default:
				}
				lo := k * csvChunkRows
				b = f.appendRows(b[:0], lo, min(n, lo+csvChunkRows))
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

// rowFormatter formats flags rows as CSV, with the dictionary columns
// pre-quoted once per distinct value.
type rowFormatter struct {
	t         *datasets.Trades
	sc        *detect.Scores
	threshold float64
	chains    [][]byte
	currs     [][]byte
	plats     [][]byte
}

func quoteDict(d *datasets.Dict) [][]byte {
	out := make([][]byte, d.Len())
	for i := range out {
		out[i] = datasets.AppendCSVField(nil, d.Value(uint32(i)))
	}
	return out
}

func newRowFormatter(t *datasets.Trades, sc *detect.Scores, threshold float64) *rowFormatter {
	return &rowFormatter{t: t, sc: sc, threshold: threshold,
		chains: quoteDict(t.Chains), currs: quoteDict(t.Currencies), plats: quoteDict(t.Platforms)}
}

func (f *rowFormatter) appendRows(b []byte, lo, hi int) []byte {
	for i := lo; i < hi; i++ {
		b = f.appendRow(b, i)
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
func (f *rowFormatter) appendRow(b []byte, i int) []byte {
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
	b = datasets.AppendCSVField(b, sc.Reasons[i])
	b = append(b, ',')
	b = datasets.AppendCSVField(b, sc.Evidence[i])
	return append(b, '\n')
}
