// Package peers compares washscan with other tools run on the same trades
// file: today DuckDB running the Dune spellbook nft.wash_trades filters as SQL
// (dune.mjs beside this file). It reads their outputs, measures agreement
// (Jaccard index of the flagged row sets) and scores each against the
// is_wash labels. run.sh runs the whole comparison; it is not part of go
// test because it needs npm.
package peers

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/washscan/washscan/bench"
	"github.com/washscan/washscan/datasets"
)

// Key is a row's identity (docs/contract.md §1.1): tx_hash, log_index, contract and
// token_id, in canonical form (lower-case hex, token id without leading zeros).
type Key struct {
	Tx       string
	Log      uint64
	Contract string
	Token    string
}

func (k Key) String() string { return fmt.Sprintf("%s/%d/%s/%s", k.Tx, k.Log, k.Contract, k.Token) }

// NormKey builds the canonical key of a row from its text fields; an empty
// log_index is 0.
func NormKey(tx, logIndex, contract, token string) (Key, error) {
	k := Key{Tx: strings.ToLower(strings.TrimSpace(tx)), Contract: strings.ToLower(strings.TrimSpace(contract))}
	if s := strings.TrimSpace(logIndex); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return Key{}, fmt.Errorf("log_index %q: %w", logIndex, err)
		}
		k.Log = v
	}
	if t := strings.TrimSpace(token); t != "" {
		t = strings.TrimLeft(t, "0")
		if t == "" {
			t = "0"
		}
		k.Token = t
	}
	return k, nil
}

// readCSV calls row for every record of a CSV with a header, giving a lookup
// of fields by column name.
func readCSV(r io.Reader, need []string, row func(get func(string) string) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, n := range need {
		if _, ok := idx[n]; !ok {
			return fmt.Errorf("header: no column %q", n)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		get := func(n string) string {
			if i, ok := idx[n]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		if err := row(get); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

var keyCols = []string{"tx_hash", "log_index", "contract", "token_id"}

func keyOf(get func(string) string) (Key, error) {
	return NormKey(get("tx_hash"), get("log_index"), get("contract"), get("token_id"))
}

// ReadDuckDB reads dune.mjs output (tx_hash,log_index,contract,token_id,filters):
// the set of flagged rows.
func ReadDuckDB(r io.Reader) (map[Key]bool, error) {
	out := map[Key]bool{}
	err := readCSV(r, keyCols, func(get func(string) string) error {
		k, err := keyOf(get)
		out[k] = true
		return err
	})
	return out, err
}

// ReadFlags reads a washscan per-trade flags CSV (docs/contract.md §3.2): the set of rows
// whose verdict is_wash is true, and the number of rows read.
func ReadFlags(r io.Reader) (map[Key]bool, int, error) {
	out := map[Key]bool{}
	n := 0
	err := readCSV(r, append(keyCols, "is_wash"), func(get func(string) string) error {
		n++
		k, err := keyOf(get)
		if err != nil {
			return err
		}
		switch strings.ToLower(get("is_wash")) {
		case "true", "1":
			out[k] = true
		case "false", "0":
		default:
			return fmt.Errorf("is_wash %q", get("is_wash"))
		}
		return nil
	})
	return out, n, err
}

// Jaccard returns |a ∩ b| / |a ∪ b| (1 when both are empty) and the keys in
// only one of them, sorted. Time O((|a|+|b|) log).
func Jaccard(a, b map[Key]bool) (j float64, onlyA, onlyB []Key) {
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		} else {
			onlyA = append(onlyA, k)
		}
	}
	for k := range b {
		if !a[k] {
			onlyB = append(onlyB, k)
		}
	}
	cmpKey := func(x, y Key) int {
		if c := strings.Compare(x.Tx, y.Tx); c != 0 {
			return c
		}
		if x.Log != y.Log {
			return cmp.Compare(x.Log, y.Log)
		}
		if c := strings.Compare(x.Contract, y.Contract); c != 0 {
			return c
		}
		return strings.Compare(x.Token, y.Token)
	}
	slices.SortFunc(onlyA, cmpKey)
	slices.SortFunc(onlyB, cmpKey)
	union := len(a) + len(b) - inter
	if union == 0 {
		return 1, nil, nil
	}
	return float64(inter) / float64(union), onlyA, onlyB
}

// Labels returns the wash label of every labeled row of t, by identity.
func Labels(t *datasets.Trades) map[Key]bool {
	out := map[Key]bool{}
	for i := 0; i < t.Len(); i++ {
		if t.Label[i] == datasets.LabelNone {
			continue
		}
		a := t.Asset[i]
		k := Key{Tx: t.TxHash[i].String(), Log: uint64(t.LogIndex[i]),
			Contract: t.Addrs.String(t.Assets.Contract[a]), Token: t.Assets.TokenID[a]}
		out[k] = t.Label[i] == datasets.LabelWash
	}
	return out
}

// Score classifies the labeled rows with a flagged set (score 1 if flagged,
// else 0) at threshold 0.5. Every metric of a 0/1 score is independent of
// the order of the rows, so the map's order does not matter. Time O(n log n).
func Score(flagged, labels map[Key]bool) bench.Classification {
	scores := make([]float64, 0, len(labels))
	truth := make([]bool, 0, len(labels))
	for k, l := range labels {
		s := 0.0
		if flagged[k] {
			s = 1
		}
		scores = append(scores, s)
		truth = append(truth, l)
	}
	return bench.Classify(scores, truth, 0.5)
}

// Usage is what /usr/bin/time -v reports of a process.
type Usage struct {
	Wall     time.Duration
	MaxRSSKB int64
	UserSec  float64
	SysSec   float64
}

// ParseTimeV reads the report of GNU time -v.
func ParseTimeV(r io.Reader) (Usage, error) {
	var u Usage
	var haveWall, haveRSS bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case strings.HasPrefix(name, "Elapsed (wall clock) time"):
			d, err := parseClock(val)
			if err != nil {
				return u, fmt.Errorf("time -v: wall clock %q: %w", val, err)
			}
			u.Wall, haveWall = d, true
		case name == "Maximum resident set size (kbytes)":
			v, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return u, fmt.Errorf("time -v: max RSS %q: %w", val, err)
			}
			u.MaxRSSKB, haveRSS = v, true
		case name == "User time (seconds)":
			u.UserSec, _ = strconv.ParseFloat(val, 64)
		case name == "System time (seconds)":
			u.SysSec, _ = strconv.ParseFloat(val, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return u, err
	}
	if !haveWall || !haveRSS {
		return u, errors.New("time -v: no wall clock or maximum resident set size line")
	}
	return u, nil
}

// parseClock reads [h:]mm:ss[.frac].
func parseClock(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, errors.New("want [h:]m:ss")
	}
	sec, err := strconv.ParseFloat(parts[len(parts)-1], 64)
	if err != nil {
		return 0, err
	}
	total := sec
	mult := 60.0
	for i := len(parts) - 2; i >= 0; i-- {
		v, err := strconv.Atoi(parts[i])
		if err != nil {
			return 0, err
		}
		total += float64(v) * mult
		mult *= 60
	}
	return time.Duration(total * float64(time.Second)), nil
}
