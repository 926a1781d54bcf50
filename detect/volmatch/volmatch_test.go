package volmatch

import (
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph/graphtest"
)

const (
	h = 3600
	d = 86400
)

type R = graphtest.Row

func TestVolumeMatching(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		rows   []R // Wash is the expected flag
	}{
		{"fungible ring nets to zero", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 500, Wash: true},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "c", Amount: 500, Wash: true},
			{Time: 120, Contract: "usdx", Seller: "c", Buyer: "a", Amount: 500, Wash: true},
		}},
		{"within one percent", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 1000, Wash: true},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "a", Amount: 995, Wash: true},
		}},
		{"outside the margin", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 1000},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "a", Amount: 900},
		}},
		{"wider margin", map[string]string{"margin": "0.2"}, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 1000, Wash: true},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "a", Amount: 900, Wash: true},
		}},
		{"honest flow is not matched", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 300},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "c", Amount: 120},
			{Time: 120, Contract: "usdx", Seller: "c", Buyer: "a", Amount: 75},
		}},
		{"matched subset inside a larger component", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 700, Wash: true},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "c", Amount: 700, Wash: true},
			{Time: 120, Contract: "usdx", Seller: "c", Buyer: "a", Amount: 700, Wash: true},
			{Time: 180, Contract: "usdx", Seller: "c", Buyer: "x", Amount: 40},
			{Time: 240, Contract: "usdx", Seller: "x", Buyer: "a", Amount: 13},
			{Time: 300, Contract: "usdx", Seller: "y", Buyer: "x", Amount: 99},
		}},
		{"legs in different windows of every size", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 500},
			{Time: 10 * d, Contract: "usdx", Seller: "b", Buyer: "a", Amount: 500},
		}},
		{"nft collection swap", nil, []R{
			{Time: 0, Contract: "apes", Token: "1", Seller: "a", Buyer: "b", Price: 2, Wash: true},
			{Time: h, Contract: "apes", Token: "2", Seller: "b", Buyer: "a", Price: 2, Wash: true},
			{Time: 2 * h, Contract: "apes", Token: "3", Seller: "a", Buyer: "z", Price: 1},
		}},
		{"unknown parties are not wallets", nil, []R{
			{Time: 0, Contract: "usdx", Seller: "", Buyer: "b", Amount: 500},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "", Amount: 500},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			graphtest.CheckFlags(t, tc.rows, Detector, tc.params)
		})
	}
}

func TestEvidence(t *testing.T) {
	rows := []R{
		{Time: 1656547200, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 400},
		{Time: 1656547200 + 60, Contract: "usdx", Seller: "b", Buyer: "c", Amount: 400},
		{Time: 1656547200 + 120, Contract: "usdx", Seller: "c", Buyer: "d", Amount: 400},
		{Time: 1656547200 + 180, Contract: "usdx", Seller: "d", Buyer: "a", Amount: 400},
	}
	_, fs := graphtest.Run(t, graphtest.Trades(rows), Detector, nil)
	if len(fs) != 4 {
		t.Fatalf("%d findings", len(fs))
	}
	// Normalization keeps, per row, the strongest finding; all windows give
	// the same strength here, so the smallest evidence (1d < 1h < 7d) wins.
	// The four wallets trade only inside the set: 100% of their trading.
	want := "4 wallets, 4 trades, volume 1600 matched within 0.0% in 1d window from 2022-06-30T00:00:00Z; 4 wallets, 100% of their 1d-window trades inside the set"
	if fs[0].Evidence != want {
		t.Errorf("evidence %q, want %q", fs[0].Evidence, want)
	}
}

func TestMarket(t *testing.T) {
	tr := market()
	got, fs := graphtest.Run(t, tr, Detector, nil)
	c := graphtest.Count(tr, got, 0)
	t.Logf("rows %d, findings %d: %+v precision %.3f recall %.3f", tr.Len(), len(fs), c, c.Precision(), c.Recall())
	var churn, hit int
	for i, l := range tr.Label {
		if l == datasets.LabelWash && tr.Standard[i] == datasets.ERC20 {
			churn++
			if got[i] > 0 {
				hit++
			}
		}
	}
	t.Logf("ERC-20 churn recall %d/%d", hit, churn)
	if churn > 0 && float64(hit)/float64(churn) < 0.9 {
		t.Errorf("ERC-20 churn recall %d/%d", hit, churn)
	}
	if c.Precision() < 0.9 {
		t.Errorf("precision %.3f", c.Precision())
	}
	if len(fs) > 0 && !strings.Contains(fs[0].Evidence, "matched within") {
		t.Errorf("evidence %q", fs[0].Evidence)
	}
}

func TestDeterministic(t *testing.T) {
	graphtest.CheckDeterministic(t, market(), Detector)
}

func market() *datasets.Trades { return graphtest.TestMarket() }

func BenchmarkVolumeMatching(b *testing.B) { graphtest.Bench(b, Detector) }

// TestNestedPruning checks that running nested widths together (each width
// testing only the rows its enclosing width found inside a component) gives
// exactly the findings of running each width on its own, best per row.
func TestNestedPruning(t *testing.T) {
	tr := market()
	cases := []map[string]string{
		{"window_short": "1h", "window_mid": "1d", "window_long": "1w"},
		{"window_short": "2h", "window_mid": "5h", "window_long": "1d"}, // 5h nests in neither
	}
	for _, widths := range cases {
		_, got := graphtest.Run(t, tr, Detector, widths)
		best := map[int32]detect.Finding{}
		for _, name := range []string{"window_short", "window_mid", "window_long"} {
			one := map[string]string{"window_short": "0", "window_mid": "0", "window_long": "0"}
			one[name] = widths[name]
			_, fs := graphtest.Run(t, tr, Detector, one)
			for _, f := range fs {
				b, ok := best[f.Row]
				if !ok || f.Strength > b.Strength || (f.Strength == b.Strength && f.Evidence < b.Evidence) {
					best[f.Row] = f
				}
			}
		}
		if len(got) != len(best) || len(got) == 0 {
			t.Fatalf("%v: %d findings, want %d (> 0)", widths, len(got), len(best))
		}
		for _, f := range got {
			if best[f.Row] != f {
				t.Fatalf("%v: row %d: %+v, want %+v", widths, f.Row, f, best[f.Row])
			}
		}
	}
}

// TestNonFiniteNoPanic: sums past float64's range (amounts the contract
// allowed before its 1e36 bound) and a NaN margin once made the peeling loop
// pick wallet -1 and panic. Neither may crash; a NaN margin is refused when
// the parameters are checked, before any work.
func TestNonFiniteNoPanic(t *testing.T) {
	var huge []R
	wallets := []string{"a", "b", "c", "d", "e"}
	for i := range 10 {
		huge = append(huge, R{Time: int64(60 * i), Contract: "usdx", Seller: wallets[i%5], Buyer: wallets[(i+1+i/5)%5], Amount: 1.7e308})
	}
	for _, bad := range []string{"NaN", "+Inf", "-Inf"} {
		p := detect.NewParams()
		p.Set("volume_matching.margin", bad)
		if err := p.Check([]*detect.Detector{Detector}); err == nil {
			t.Errorf("margin %s: accepted", bad)
		}
	}
	for _, tc := range []struct {
		name   string
		params map[string]string
		rows   []R
	}{
		{"amounts summing past MaxFloat64", nil, huge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, fs := graphtest.Run(t, graphtest.Trades(tc.rows), Detector, tc.params)
			if len(got) != len(tc.rows) {
				t.Fatalf("%d strengths for %d rows", len(got), len(tc.rows))
			}
			for _, f := range fs {
				if !(f.Strength > 0 && f.Strength <= 1) {
					t.Errorf("row %d: strength %v", f.Row, f.Strength)
				}
			}
		})
	}
}
