package report

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
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

// Verdicts returns, per row, whether score ≥ threshold: washscan's flag.
func Verdicts(score []float64, threshold float64) []bool {
	out := make([]bool, len(score))
	for i, s := range score {
		out[i] = s >= threshold
	}
	return out
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

// round6 rounds a score to 6 decimals through its decimal form.
func round6(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 6, 64), 64)
	return r + 0 // −0 → 0
}

func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }

// appendField appends s as one CSV field, quoted when it needs to be.
func appendField(b []byte, s string) []byte {
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

func writeCSV(path string, t *datasets.Trades, sc *detect.Scores, threshold float64) error {
	a, err := datasets.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	w := bufio.NewWriterSize(a, 1<<20)
	b := make([]byte, 0, 1024)
	b = append(b, strings.Join(Columns, ",")...)
	b = append(b, '\n')
	var werr error
	for i := 0; i < t.Len() && werr == nil; i++ {
		b = appendRow(b, t, sc, threshold, i)
		if len(b) >= 1<<16 {
			_, werr = w.Write(b)
			b = b[:0]
		}
	}
	if werr == nil {
		_, werr = w.Write(b)
	}
	if werr == nil {
		werr = w.Flush()
	}
	if werr != nil {
		a.Abort()
		return fmt.Errorf("write flags %s: %w", path, werr)
	}
	return a.Commit()
}

// appendHex appends 0x and the lower-case hex digits of p.
func appendHex(b, p []byte) []byte { return hex.AppendEncode(append(b, '0', 'x'), p) }

// appendAddr appends the 0x form of address id, nothing for NoAddr.
func appendAddr(b []byte, d *datasets.Addresses, id datasets.AddrID) []byte {
	if id == datasets.NoAddr {
		return b
	}
	a := d.Addr(id)
	return appendHex(b, a[:])
}

// appendRow appends row i as a CSV line.
func appendRow(b []byte, t *datasets.Trades, sc *detect.Scores, threshold float64, i int) []byte {
	b = appendField(b, t.Chains.Value(t.Chain[i]))
	b = append(b, ',')
	b = time.Unix(t.Time[i], 0).UTC().AppendFormat(b, "2006-01-02T15:04:05Z") // as datasets.FormatTime
	b = append(b, ',')
	if t.Block[i] != 0 {
		b = strconv.AppendUint(b, t.Block[i], 10)
	}
	b = append(b, ',')
	b = appendHex(b, t.TxHash[i][:])
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
	b = appendField(b, t.Currencies.Value(t.Currency[i]))
	b = append(b, ',')
	if !math.IsNaN(t.PriceUSD[i]) {
		b = appendFloat(b, t.PriceUSD[i])
	}
	b = append(b, ',')
	b = appendField(b, t.Platforms.Value(t.Platform[i]))
	b = append(b, ',')
	b = strconv.AppendBool(b, sc.Score[i] >= threshold)
	b = append(b, ',')
	b = appendFloat(b, round6(sc.Score[i]))
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(sc.Level[i]), 10)
	b = append(b, ',')
	b = appendField(b, sc.Reasons[i])
	b = append(b, ',')
	b = appendField(b, sc.Evidence[i])
	return append(b, '\n')
}
