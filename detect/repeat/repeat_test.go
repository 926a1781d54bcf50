package repeat

import (
	"testing"

	"github.com/washscan/washscan/datasets"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func TestRepeatTrade(t *testing.T) {
	fixture := []struct {
		tt.Row
		want bool
	}{
		// A wash loop: O sells to A (entry, organic), A and B pass token 1 back
		// and forth, A sells out to X (exit, organic).
		{tt.Row{Day: 0, Token: "1", Seller: "O", Buyer: "A", Price: 1}, false},
		{tt.Row{Day: 1, Token: "1", Seller: "A", Buyer: "B", Price: 1}, true},
		{tt.Row{Day: 2, Token: "1", Seller: "B", Buyer: "A", Price: 1}, true},
		{tt.Row{Day: 3, Token: "1", Seller: "A", Buyer: "B", Price: 1}, true},
		{tt.Row{Day: 4, Token: "1", Seller: "B", Buyer: "A", Price: 1}, true},
		{tt.Row{Day: 5, Token: "1", Seller: "A", Buyer: "X", Price: 1}, false},
		// An active trader buys token 2 back months apart: never 3 in 30 days.
		{tt.Row{Day: 0, Token: "2", Seller: "P1", Buyer: "T", Price: 1}, false},
		{tt.Row{Day: 10, Token: "2", Seller: "T", Buyer: "P2", Price: 1}, false},
		{tt.Row{Day: 100, Token: "2", Seller: "P2", Buyer: "T", Price: 1}, false},
		{tt.Row{Day: 110, Token: "2", Seller: "T", Buyer: "P3", Price: 1}, false},
		{tt.Row{Day: 200, Token: "2", Seller: "P3", Buyer: "T", Price: 1}, false},
		// Unknown buyers are nobody: three empty-buyer rows are no burst.
		{tt.Row{Day: 0, Token: "3", Seller: "Q1", Buyer: "", Price: 1}, false},
		{tt.Row{Day: 1, Token: "3", Seller: "Q2", Buyer: "", Price: 1}, false},
		{tt.Row{Day: 2, Token: "3", Seller: "Q3", Buyer: "", Price: 1}, false},
		// ERC-20 and erc1155 are out of scope.
		{tt.Row{Day: 0, Contract: "T20", Std: datasets.ERC20, Seller: "D", Buyer: "E", Price: 1}, false},
		{tt.Row{Day: 1, Contract: "T20", Std: datasets.ERC20, Seller: "D", Buyer: "E", Price: 1}, false},
		{tt.Row{Day: 2, Contract: "T20", Std: datasets.ERC20, Seller: "D", Buyer: "E", Price: 1}, false},
		{tt.Row{Day: 0, Token: "4", Std: datasets.ERC1155, Seller: "D", Buyer: "E", Price: 1}, false},
		{tt.Row{Day: 1, Token: "4", Std: datasets.ERC1155, Seller: "D", Buyer: "E", Price: 1}, false},
		{tt.Row{Day: 2, Token: "4", Std: datasets.ERC1155, Seller: "D", Buyer: "E", Price: 1}, false},
	}
	rows := make([]tt.Row, len(fixture))
	for i, f := range fixture {
		rows[i] = f.Row
	}
	in := tt.Input(tt.Build(rows), nil)
	got := tt.Run(t, in, Detector, nil)
	for i, f := range fixture {
		if _, ok := got[int32(i)]; ok != f.want {
			t.Errorf("row %d (%+v): flagged %v, want %v (%v)", i, f.Row, ok, f.want, got[int32(i)])
		}
	}
	if f := got[2]; f.Strength != 0.5 {
		t.Errorf("row 2 strength %v, want 0.5 (burst of 3)", f.Strength)
	}
}

func TestWindowParam(t *testing.T) {
	// Buys 20 days apart: a burst with a 60d window, none with 30d.
	rows := []tt.Row{
		{Day: 0, Token: "1", Seller: "S1", Buyer: "A"},
		{Day: 10, Token: "1", Seller: "A", Buyer: "S2"},
		{Day: 20, Token: "1", Seller: "S2", Buyer: "A"},
		{Day: 30, Token: "1", Seller: "A", Buyer: "S3"},
		{Day: 40, Token: "1", Seller: "S3", Buyer: "A"},
	}
	in := tt.Input(tt.Build(rows), nil)
	for _, c := range []struct {
		window string
		want   int
	}{{"30d", 0}, {"60d", 2}, {"40d", 2}, {"39d", 0}} {
		got := tt.Run(t, in, Detector, map[string]string{"window": c.window})
		if len(got) != c.want {
			t.Errorf("window %s: %d rows flagged, want %d", c.window, len(got), c.want)
		}
	}
}
