package markettest

import (
	"encoding/json"
	"fmt"
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
