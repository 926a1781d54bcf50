package report_test

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

func addr(i int) datasets.Address {
	var a datasets.Address
	a[0] = 0xab
	a[19] = byte(i)
	a[18] = byte(i >> 8)
	return a
}

// market builds n random rows and scores for them.
func market(seed uint64, n int) (*datasets.Trades, *detect.Scores) {
	r := rand.New(rand.NewPCG(seed, 9))
	t := datasets.NewTrades()
	var sb scoresBuilder
	chains := []string{"ethereum", "ethereum", "polygon"}
	for i := 0; i < n; i++ {
		t.Chain = append(t.Chain, t.Chains.Intern(chains[r.IntN(len(chains))]))
		t.Time = append(t.Time, 1656547200+int64(r.IntN(90*86400)))
		t.Block = append(t.Block, uint64(r.IntN(3)*1000))
		t.TxHash = append(t.TxHash, datasets.Hash{byte(r.IntN(40)), 7})
		t.LogIndex = append(t.LogIndex, uint32(i))
		tok := strconv.Itoa(r.IntN(12))
		std := datasets.ERC721
		if tok == "0" {
			tok, std = "", datasets.ERC20
		}
		t.Asset = append(t.Asset, t.Assets.Intern(t.Addrs.Intern(addr(1000+r.IntN(3))), tok))
		t.Standard = append(t.Standard, std)
		party := func() datasets.AddrID {
			if k := r.IntN(8); k > 0 {
				return t.Addrs.Intern(addr(k))
			}
			return datasets.NoAddr
		}
		t.Seller = append(t.Seller, party())
		t.Buyer = append(t.Buyer, party())
		t.Amount = append(t.Amount, float64(1+r.IntN(3)))
		t.Price = append(t.Price, float64(r.IntN(4))/3)
		t.Currency = append(t.Currency, t.Currencies.Intern([]string{"", "WETH", "USDC"}[r.IntN(3)]))
		usd := math.NaN()
		if r.IntN(2) == 0 {
			usd = float64(r.IntN(10000)) / 100
		}
		t.PriceUSD = append(t.PriceUSD, usd)
		t.Platform = append(t.Platform, t.Platforms.Intern([]string{"", "opensea", "blur"}[r.IntN(3)]))
		t.TxFrom = append(t.TxFrom, 0)
		t.Label = append(t.Label, datasets.LabelNone)
		t.Origins.Append(0, int64(i+2))
		if r.IntN(3) == 0 {
			// Scores σ(k−4), k = 0…8 (weights below).
			sb.add(float64(1+r.IntN(9))/9, "self_trade", `seller = buyer = 0xab, "quoted"`, "back_and_forth", "x")
		} else {
			sb.add(1)
		}
	}
	t.Files = []string{"in.csv"}
	return t, sb.scores(&detect.Weights{Bias: -5, Weights: map[string]float64{"self_trade": 9}})
}

// scoresBuilder makes Scores as analyze does, through detect.Score, from
// findings added row by row; the detectors are ordered by first use.
type scoresBuilder struct {
	n     int
	order []*detect.Detector
	res   detect.Result
}

// add adds a row with a finding of strength for each pair of detector
// name and evidence in nameEv.
func (b *scoresBuilder) add(strength float64, nameEv ...string) {
	if b.res.Findings == nil {
		b.res.Findings = map[string][]detect.Finding{}
	}
	for k := 0; k+1 < len(nameEv); k += 2 {
		name := nameEv[k]
		if _, ok := b.res.Findings[name]; !ok {
			b.order = append(b.order, &detect.Detector{Name: name})
		}
		b.res.Findings[name] = append(b.res.Findings[name], detect.Finding{Row: int32(b.n), Strength: strength, Evidence: nameEv[k+1]})
	}
	b.n++
}

// scores scores the rows added with weights w.
func (b *scoresBuilder) scores(w *detect.Weights) *detect.Scores {
	return detect.Score(b.n, &b.res, b.order, w)
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestCSV(t *testing.T) {
	tr, sc := market(1, 200)
	path := filepath.Join(t.TempDir(), "flags.csv")
	if err := report.Write(path, tr, sc, 0.5); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, path)
	if !slices.Equal(recs[0], report.ColumnsFor(report.Options{})) {
		t.Fatalf("header %v", recs[0])
	}
	if len(recs) != tr.Len()+1 {
		t.Fatalf("%d records for %d rows", len(recs)-1, tr.Len())
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for i, rec := range recs[1:] {
		checks := []struct{ name, want string }{
			{"tx_hash", tr.TxHash[i].String()},
			{"log_index", strconv.Itoa(i)},
			{"block_time", datasets.FormatTime(tr.Time[i])},
			{"is_wash", strconv.FormatBool(sc.Score[i] >= 0.5)},
			{"level", strconv.Itoa(int(sc.Level[i]))},
			{"reasons", sc.Reasons(i)},
			{"evidence", sc.Evidence(i)},
			{"seller", tr.Addrs.String(tr.Seller[i])},
		}
		for _, c := range checks {
			if got := rec[col[c.name]]; got != c.want {
				t.Errorf("row %d %s = %q, want %q", i, c.name, got, c.want)
			}
		}
		if s, _ := strconv.ParseFloat(rec[col["score"]], 64); math.Abs(s-sc.Score[i]) > 5e-7 {
			t.Errorf("row %d score %v, want %v", i, s, sc.Score[i])
		}
	}
}

// TestRecomputeFromCSV recomputes the market scope's metrics from the flags
// CSV alone, with a small reader that knows nothing of washscan's types, and
// compares them with metrics.Compute.
func TestRecomputeFromCSV(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		tr, sc := market(seed, 300)
		path := filepath.Join(t.TempDir(), "flags.csv")
		if err := report.Write(path, tr, sc, 0.5); err != nil {
			t.Fatal(err)
		}
		fs := features.Compute(tr)
		rep := metrics.Compute(fs, report.Verdicts(sc.Score, 0.5), metrics.Options{Range: metrics.Ranges[4]})

		recs := readCSV(t, path)
		col := map[string]int{}
		for i, c := range recs[0] {
			col[c] = i
		}
		var sales, fsales int
		assets, txs, wallets, chains := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
		hasUSD := false
		for _, rec := range recs[1:] {
			get := func(c string) string { return rec[col[c]] }
			chains[get("chain")] = true
			hasUSD = hasUSD || get("price_usd") != ""
			price, _ := strconv.ParseFloat(get("price"), 64)
			flagged := get("is_wash") == "true"
			if flagged {
				assets[get("contract")+"/"+get("token_id")] = true
				txs[get("tx_hash")] = true
				for _, w := range []string{get("seller"), get("buyer")} {
					if w != "" {
						wallets[w] = true
					}
				}
			}
			if price > 0 {
				sales++
				if flagged {
					fsales++
				}
			}
		}
		m := rep.Market
		if m.TotalSales != int64(sales) || m.WashtradeSuspectSales != int64(fsales) || m.WashtradeAssets != int64(len(assets)) ||
			m.WashtradeSuspectTransactions != int64(len(txs)) || m.WashtradeWallets != int64(len(wallets)) ||
			(m.TotalVolume == nil) != (len(chains) > 1) || (m.TotalVolumeUSD == nil) == hasUSD {
			t.Errorf("seed %d: metrics %+v\nfrom the flags file: sales %d/%d assets %d txs %d wallets %d chains %d usd %v",
				seed, m, fsales, sales, len(assets), len(txs), len(wallets), len(chains), hasUSD)
		}
	}
}

// TestParquetRoundTrip loads the Parquet flags file with washscan's own
// loader: is_wash reads back as the label, and every trade column survives.
func TestParquetRoundTrip(t *testing.T) {
	tr, sc := market(3, 150000) // more than one row group
	if testing.Short() {
		tr, sc = market(3, 2000)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "flags.parquet")
	if err := report.Write(path, tr, sc, 0.5); err != nil {
		t.Fatal(err)
	}
	back, err := datasets.Load([]string{path}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The loader drops duplicates; the random market has none by construction
	// (log_index is the row number).
	if back.Len() != tr.Len() {
		t.Fatalf("%d rows back, want %d", back.Len(), tr.Len())
	}
	for i := 0; i < tr.Len(); i++ {
		if got, want := back.Label[i] == datasets.LabelWash, sc.Score[i] >= 0.5; got != want {
			t.Fatalf("row %d is_wash %v, want %v", i, got, want)
		}
		if back.Time[i] != tr.Time[i] || back.Price[i] != tr.Price[i] || back.TxHash[i] != tr.TxHash[i] ||
			back.Addrs.String(back.Seller[i]) != tr.Addrs.String(tr.Seller[i]) ||
			math.IsNaN(back.PriceUSD[i]) != math.IsNaN(tr.PriceUSD[i]) {
			t.Fatalf("row %d differs after the round trip", i)
		}
	}
}

func TestErrorsLeaveNoFile(t *testing.T) {
	tr, sc := market(1, 10)
	dir := t.TempDir()
	tests := []struct{ name, path string }{
		{"unknown extension", filepath.Join(dir, "flags.txt")},
		{"missing directory", filepath.Join(dir, "nope", "flags.csv")},
		{"missing directory parquet", filepath.Join(dir, "nope", "flags.parquet")},
	}
	for _, tc := range tests {
		if err := report.Write(tc.path, tr, sc, 0.5); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	short := &detect.Scores{Score: []float64{1}}
	if err := report.Write(filepath.Join(dir, "f.csv"), tr, short, 0.5); err == nil {
		t.Error("score count mismatch accepted")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

func TestEmpty(t *testing.T) {
	tr := datasets.NewTrades()
	sc := &detect.Scores{}
	dir := t.TempDir()
	for _, name := range []string{"e.csv", "e.parquet"} {
		path := filepath.Join(dir, name)
		if err := report.Write(path, tr, sc, 0.5); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back, err := datasets.Load([]string{path}, datasets.LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if back.Len() != 0 {
			t.Errorf("%s: %d rows", name, back.Len())
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "e.csv")); string(b) != strings.Join(report.ColumnsFor(report.Options{}), ",")+"\n" {
		t.Errorf("empty CSV is %q", b)
	}
}

func TestVerdicts(t *testing.T) {
	got := report.Verdicts([]float64{0, 0.49, 0.5, 1}, 0.5)
	if !slices.Equal(got, []bool{false, false, true, true}) {
		t.Errorf("Verdicts = %v", got)
	}
	if got := report.Verdicts([]float64{0}, 0); !got[0] {
		t.Error("threshold 0 flags every row")
	}
}

func BenchmarkWriteCSV(b *testing.B) {
	tr, sc := market(1, 1<<18)
	path := filepath.Join(b.TempDir(), "flags.csv")
	for b.Loop() {
		if err := report.Write(path, tr, sc, 0.5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tr.Len())*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

func BenchmarkWriteParquet(b *testing.B) {
	tr, sc := market(1, 1<<18)
	path := filepath.Join(b.TempDir(), "flags.parquet")
	for b.Loop() {
		if err := report.Write(path, tr, sc, 0.5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tr.Len())*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}
