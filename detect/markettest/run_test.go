package markettest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

func TestRunScopes(t *testing.T) {
	var rows []tt.Row
	// Collection B: 150 sales on blur; collection A: 120 on opensea and 30
	// on x2y2; collection C: 10 sales (skipped); transfers (price 0) and a
	// non-native currency are left out.
	for i := 0; i < 150; i++ {
		rows = append(rows, tt.Row{Day: float64(i), Contract: "B", Token: fmt.Sprint(i), Seller: "s", Buyer: "b", Price: float64(i%17 + 1), Platform: "blur"})
	}
	for i := 0; i < 150; i++ {
		p := "opensea"
		if i >= 120 {
			p = "x2y2"
		}
		rows = append(rows, tt.Row{Day: float64(i), Contract: "A", Token: fmt.Sprint(i), Seller: "s", Buyer: "b", Price: 0.1 * float64(i%23+1), Platform: p})
	}
	for i := 0; i < 10; i++ {
		rows = append(rows, tt.Row{Day: float64(i), Contract: "C", Token: fmt.Sprint(i), Seller: "s", Buyer: "b", Price: 1})
		rows = append(rows, tt.Row{Day: float64(i), Contract: "C", Token: fmt.Sprint(i), Seller: "s", Buyer: "b"})
		rows = append(rows, tt.Row{Day: float64(i), Contract: "C", Token: fmt.Sprint(i), Seller: "s", Buyer: "b", Price: 5, Currency: "USDC"})
	}
	set := features.Compute(tt.Build(rows))
	rep := Run(set, Options{})
	if rep.Market.Sales != 310 || rep.Market.Benford == nil {
		t.Errorf("market: %+v", rep.Market)
	}
	if len(rep.Collections) != 2 || rep.CollectionsSkipped != 1 {
		t.Fatalf("collections: %d tested, %d skipped; want 2, 1", len(rep.Collections), rep.CollectionsSkipped)
	}
	a, b := tt.Addr("A").String(), tt.Addr("B").String()
	if a > b {
		a, b = b, a
	}
	if rep.Collections[0].ContractAddress != a || rep.Collections[1].ContractAddress != b {
		t.Errorf("collections not ordered by address: %s, %s", rep.Collections[0].ContractAddress, rep.Collections[1].ContractAddress)
	}
	if len(rep.Marketplaces) != 2 || rep.Marketplaces[0].Platform != "blur" || rep.Marketplaces[1].Platform != "opensea" || rep.MarketplacesSkipped != 1 {
		t.Errorf("marketplaces: %+v skipped %d", rep.Marketplaces, rep.MarketplacesSkipped)
	}
	// Deterministic and JSON-ready.
	j1, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	j2, _ := json.Marshal(Run(set, Options{}))
	if string(j1) != string(j2) {
		t.Error("two runs differ")
	}
	// Include narrows the rows.
	inc := make([]bool, set.N)
	for i := 0; i < 150; i++ {
		inc[i] = true
	}
	if r := Run(set, Options{Include: inc}); r.Market.Sales != 150 || len(r.Collections) != 1 {
		t.Errorf("include: market %d sales, %d collections", r.Market.Sales, len(r.Collections))
	}
	if r := Run(set, Options{MinSales: 1000}); r.Market.Skipped == "" || r.Market.Benford != nil {
		t.Errorf("min_sales 1000: market %+v, want skipped", r.Market)
	}
}

// TestRunMatchesPerScope checks Run, which sorts every sale once and splits
// the sorted prices into scopes, against each scope's tests run on its own
// prices in canonical order (BenfordTest, RoundTest, FitPowerLaw), on random
// markets with repeated and round prices, sales without a platform, prices
// outside the native currency, transfers, and an Include window. The
// markets are large enough for the radix sort.
func TestRunMatchesPerScope(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 3; trial++ {
		var rows []tt.Row
		n := 6000 + r.IntN(4000)
		plats := []string{"", "opensea", "blur", "x2y2"}
		for i := 0; i < n; i++ {
			var price float64
			switch r.IntN(6) {
			case 0:
				price = float64(1+r.IntN(99)) / 100 // round and near-round sizes
			case 1:
				price = 0 // a transfer
			case 2:
				price = math.Pow(1-r.Float64(), -1/1.5) // Pareto tail
			default:
				price = math.Exp(2 * r.NormFloat64())
			}
			row := tt.Row{Day: float64(i) / 50, Contract: fmt.Sprint("K", r.IntN(7)), Token: fmt.Sprint(r.IntN(300)),
				Seller: fmt.Sprint("s", r.IntN(50)), Buyer: fmt.Sprint("b", r.IntN(50)), Price: price, Platform: plats[r.IntN(len(plats))]}
			if r.IntN(20) == 0 {
				row.Currency = "USDC"
			}
			rows = append(rows, row)
		}
		set := features.Compute(tt.Build(rows))
		var include []bool
		if trial == 2 {
			include = make([]bool, set.N)
			for i := range include {
				include[i] = r.IntN(3) > 0
			}
		}
		opt := Options{MinSales: 100, MinTail: 50, Include: include}
		got := Run(set, opt)

		// The same scopes, each tested on its own prices.
		tp := set.T
		var all []float64
		byColl := map[string][]float64{}
		byPlat := map[string][]float64{}
		for _, row := range set.Order {
			if !set.Sale[row] || !set.Native[row] || (include != nil && !include[row]) {
				continue
			}
			x := tp.Price[row]
			all = append(all, x)
			k := tp.Addrs.String(set.Contract[row]) + "/" + tp.Chains.Value(tp.Chain[row])
			byColl[k] = append(byColl[k], x)
			if p := tp.Platform[row]; p != 0 {
				byPlat[tp.Platforms.Value(p)] = append(byPlat[tp.Platforms.Value(p)], x)
			}
		}
		want := func(xs []float64) *Scope {
			s := &Scope{Sales: len(xs)}
			if len(xs) < opt.MinSales {
				s.Skipped = fmt.Sprintf("%d sales, fewer than %d", len(xs), opt.MinSales)
				return s
			}
			s.Benford, s.Round, s.PowerLaw = BenfordTest(xs), RoundTest(xs), FitPowerLaw(xs, opt.MinTail)
			return s
		}
		check := func(name string, g, w *Scope) {
			t.Helper()
			g2 := *g
			g2.Blockchain, g2.ContractAddress, g2.Platform = "", "", ""
			if !reflect.DeepEqual(&g2, w) {
				gj, _ := json.Marshal(&g2)
				wj, _ := json.Marshal(w)
				t.Errorf("trial %d, %s:\n got %s\nwant %s", trial, name, gj, wj)
			}
		}
		check("market", got.Market, want(all))
		if len(got.Collections)+got.CollectionsSkipped != len(byColl) {
			t.Fatalf("trial %d: %d+%d collections, want %d", trial, len(got.Collections), got.CollectionsSkipped, len(byColl))
		}
		for _, c := range got.Collections {
			k := c.ContractAddress + "/" + c.Blockchain
			check(k, c, want(byColl[k]))
		}
		if len(got.Marketplaces)+got.MarketplacesSkipped != len(byPlat) {
			t.Fatalf("trial %d: %d+%d marketplaces, want %d", trial, len(got.Marketplaces), got.MarketplacesSkipped, len(byPlat))
		}
		for _, m := range got.Marketplaces {
			check(m.Platform, m, want(byPlat[m.Platform]))
		}
	}
}

// BenchmarkRun runs every scope's tests on a seeded 1M-row market
// (tradetest.Market: 50 collections, three platforms); reports sales/s.
func BenchmarkRun(b *testing.B) {
	t, _ := tt.Market(1_000_000, 3)
	set := features.Compute(t)
	var rep *Report
	for b.Loop() {
		rep = Run(set, Options{})
	}
	b.ReportMetric(float64(rep.Market.Sales)*float64(b.N)/b.Elapsed().Seconds(), "sales/s")
}
