package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

type fixRow struct {
	contract, token string
	seller, buyer   string
	price           float64
	label           datasets.Label
}

func addr(name string) datasets.Address {
	var a datasets.Address
	for i := range a {
		a[i] = name[0]
	}
	return a
}

// build returns a trades table of rows, one day apart, in input order.
func build(rows []fixRow) *datasets.Trades {
	t := datasets.NewTrades()
	chain := t.Chains.Intern("ethereum")
	for i, r := range rows {
		t.Chain = append(t.Chain, chain)
		t.Time = append(t.Time, 1640995200+int64(i)*86400)
		t.Block = append(t.Block, uint64(i+1))
		var h datasets.Hash
		h[0] = byte(i + 1)
		t.TxHash = append(t.TxHash, h)
		t.LogIndex = append(t.LogIndex, 0)
		t.Asset = append(t.Asset, t.Assets.Intern(t.Addrs.Intern(addr(r.contract)), r.token))
		t.Standard = append(t.Standard, datasets.ERC721)
		t.Seller = append(t.Seller, t.Addrs.Intern(addr(r.seller)))
		t.Buyer = append(t.Buyer, t.Addrs.Intern(addr(r.buyer)))
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, r.price)
		t.Currency = append(t.Currency, 0)
		t.PriceUSD = append(t.PriceUSD, math.NaN())
		t.Platform = append(t.Platform, 0)
		t.TxFrom = append(t.TxFrom, datasets.NoAddr)
		t.Label = append(t.Label, r.label)
		t.Origins.Append(0, int64(i+2))
	}
	t.Files = []string{"fixture.csv"}
	return t
}

const (
	W = datasets.LabelWash
	O = datasets.LabelOrganic
	N = datasets.LabelNone
)

// fixture: A and B trade X#1 back and forth (wash); row 4 is an organic sale
// at price 1 (a false positive of priceOne), row 5 a wash sale of Y it misses.
var fixture = []fixRow{
	{"X", "1", "A", "B", 1, W},
	{"X", "1", "B", "A", 1, W},
	{"X", "1", "A", "C", 2, O},
	{"X", "2", "D", "E", 3, O},
	{"X", "3", "C", "D", 1, O},
	{"Y", "1", "D", "E", 5, W},
	{"Y", "2", "E", "A", 0, N},
	{"Y", "3", "A", "C", 2, O},
}

// priceIs is a test detector flagging the rows of price x at strength st.
func priceIs(name string, x, st float64) *detect.Detector {
	return &detect.Detector{
		Name: name, Doc: fmt.Sprintf("flags price %g", x),
		Run: func(p *detect.Pass) (any, error) {
			for i, v := range p.Features.T.Price {
				if v == x {
					p.Report(int32(i), st, fmt.Sprintf("price %g", x))
				}
			}
			return nil, nil
		},
	}
}

// priceOne flags rows with price 1 at strength 1, priceFive those with
// price 5 at strength 0.4.
var (
	priceOne  = priceIs("price_one", 1, 1)
	priceFive = priceIs("price_five", 5, 0.4)
)

var (
	p1 = &detect.Preset{Name: "p1", Detectors: []*detect.Detector{priceOne},
		Weights: detect.Weights{Bias: 0, Weights: map[string]float64{"price_one": 2}}}
	// p2 scores price-1 rows σ(1) ≈ 0.73 and the price-5 row σ(0.6) ≈ 0.65.
	p2 = &detect.Preset{Name: "p2", Detectors: []*detect.Detector{priceOne, priceFive},
		Weights: detect.Weights{Bias: -1, Weights: map[string]float64{"price_one": 2, "price_five": 4}}}
)

func TestRun(t *testing.T) {
	rep, err := Run(context.Background(), build(fixture), Config{Configs: configs(p1, p2)})
	if err != nil {
		t.Fatal(err)
	}
	wantDS := Dataset{Files: []string{"fixture.csv"}, Rows: 8, Labeled: 7, Wash: 3, Wallets: 5, WashWallets: 4, Collections: 2}
	if d := rep.Dataset; d.Rows != wantDS.Rows || d.Labeled != wantDS.Labeled || d.Wash != wantDS.Wash ||
		d.Wallets != wantDS.Wallets || d.WashWallets != wantDS.WashWallets || d.Collections != wantDS.Collections {
		t.Errorf("dataset = %+v, want %+v", d, wantDS)
	}
	var names []string
	byName := map[string]*RunResult{}
	for _, r := range rep.Runs {
		names = append(names, r.Name)
		byName[r.Name] = r
	}
	if got, want := strings.Join(names, " "), "preset:p1 preset:p2 union:p1 union:p2 detector:price_five detector:price_one"; got != want {
		t.Fatalf("runs = %q, want %q", got, want)
	}
	type exp struct {
		flagged, tp, fp, fn, tn int
		ap, auc                 float64
	}
	tests := []struct {
		run    string
		trades exp
	}{
		// Flagged 0,1,4 of labels W W O O O W O: AP = ⅔·⅔ + ⅓·3/7, AUC = 8.5/12.
		{"preset:p1", exp{3, 2, 1, 1, 3, 4.0/9 + 1.0/7, 8.5 / 12}},
		{"union:p1", exp{3, 2, 1, 1, 3, 4.0/9 + 1.0/7, 8.5 / 12}},
		{"detector:price_one", exp{3, 2, 1, 1, 3, 4.0/9 + 1.0/7, 8.5 / 12}},
		// p2 also flags row 5: scores .73 ×3, .65, 0 ×3 → AP = ⅔·⅔ + ⅓·¾, AUC = (3.5+3.5+3)/12.
		{"preset:p2", exp{4, 3, 1, 0, 3, 4.0/9 + 0.25, 10.0 / 12}},
		// price_five alone at 0.4 flags nothing at 0.5; AP = ⅓·1 + ⅔·3/7, AUC = (4+2+2)/12.
		{"detector:price_five", exp{0, 0, 0, 3, 4, 1.0/3 + 2.0/7, 8.0 / 12}},
	}
	for _, tc := range tests {
		r := byName[tc.run]
		c := r.Trades
		got := exp{r.Flagged, c.TP, c.FP, c.FN, c.TN, c.PRAUC, c.ROCAUC}
		if got.flagged != tc.trades.flagged || got.tp != tc.trades.tp || got.fp != tc.trades.fp || got.fn != tc.trades.fn ||
			got.tn != tc.trades.tn || !near(got.ap, tc.trades.ap) || !near(got.auc, tc.trades.auc) {
			t.Errorf("%s trades: got %+v, want %+v", tc.run, got, tc.trades)
		}
	}

	// Wallets A..E: wash A,B,D,E; p1 scores A,B,C,D high (C via row 4), E 0.
	w := byName["preset:p1"].Wallets
	if w.TP != 3 || w.FP != 1 || w.FN != 1 || w.TN != 0 || !near(w.ROCAUC, 0.375) {
		t.Errorf("preset:p1 wallets = %+v", w)
	}
	// Collections: X truth 2/5, predicted 3/5; Y truth 1/2, predicted 0.
	c := byName["preset:p1"].Collections
	if c.Collections != 2 || !near(c.MAE, 0.35) || !near(c.RMSE, math.Sqrt(0.145)) || !near(c.Pearson, -1) || !near(c.Spearman, -1) {
		t.Errorf("preset:p1 collections = %+v", c)
	}
	if cc := c.Classification; cc.TP != 1 || cc.FN != 1 || !near(cc.F1, 2.0/3) {
		t.Errorf("preset:p1 collection classification = %+v", cc)
	}
	if len(c.Each) != 2 || c.Each[0].Contract != addr("X").String() || !near(c.Each[0].PredictedRatio, 0.6) {
		t.Errorf("preset:p1 collections each = %+v", c.Each)
	}
	if len(byName["detector:price_one"].Collections.Each) != 0 {
		t.Error("detector runs should not list collections")
	}
	if len(byName["preset:p2"].Curve) != 3 {
		t.Errorf("preset:p2 curve = %v, want 3 points", byName["preset:p2"].Curve)
	}
}

func TestRunNoLabels(t *testing.T) {
	rows := []fixRow{{"X", "1", "A", "B", 1, N}, {"X", "1", "B", "A", 1, N}}
	_, err := Run(context.Background(), build(rows), Config{Configs: configs(p1)})
	if !errors.Is(err, ErrNoLabels) {
		t.Fatalf("err = %v, want ErrNoLabels", err)
	}
}

func TestReportDeterministic(t *testing.T) {
	var outs [2]bytes.Buffer
	for i := range outs {
		rep, err := Run(context.Background(), build(fixture), Config{Configs: configs(p2, p1)})
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteJSON(&outs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(outs[0].Bytes(), outs[1].Bytes()) {
		t.Fatal("two runs gave different JSON")
	}
	js := outs[0].String()
	for _, want := range []string{`"name": "preset:p2"`, `"pr_auc": 0.694444`, `"timing"`} {
		if strings.Contains(js, want) != (want != `"timing"`) {
			t.Errorf("JSON: presence of %s wrong:\n%s", want, js)
		}
	}
	// NaN metrics (Pearson of a constant) must be null, not break encoding.
	rows := []fixRow{{"X", "1", "A", "B", 1, W}, {"X", "1", "B", "C", 2, O}}
	rep, err := Run(context.Background(), build(rows), Config{Configs: configs(p1), Timing: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"pearson": null`) || !strings.Contains(buf.String(), `"trades_per_s"`) {
		t.Errorf("JSON without null pearson or timing:\n%s", buf.String())
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| preset:p1 | 1 | 1.000 | 1.000 | 1.000 |") || !strings.Contains(md.String(), "trades/s") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

func TestPlot(t *testing.T) {
	rep, err := Run(context.Background(), build(fixture), Config{Configs: configs(p1, p2)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, magic string }{{"pr.png", "\x89PNG"}, {"pr.svg", "<?xml"}} {
		var buf bytes.Buffer
		if err := rep.Plot(&buf, tc.name); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if !bytes.HasPrefix(b, []byte(tc.magic)) {
			t.Errorf("%s starts %q", tc.name, b[:min(len(b), 16)])
		}
	}
	if err := rep.Plot(io.Discard, "pr.jpg"); err == nil {
		t.Error("plot to .jpg: want an error")
	}
}

func TestThin(t *testing.T) {
	c := make([]PRPoint, 1000)
	for i := range c {
		c[i].Recall = float64(i)
	}
	got := thin(c, 5)
	want := []float64{0, 250, 500, 749, 999}
	for i := range want {
		if math.Abs(got[i].Recall-want[i]) > 1 {
			t.Fatalf("thin = %v", got)
		}
	}
	if got[0].Recall != 0 || got[4].Recall != 999 {
		t.Errorf("thin lost an end: %v", got)
	}
}

func configs(ps ...*detect.Preset) []*analysis.Config {
	var cs []*analysis.Config
	for _, p := range ps {
		cs = append(cs, analysis.PresetConfig(p))
	}
	return cs
}
