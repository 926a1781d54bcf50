package funder

import (
	"fmt"
	"strings"
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func TestCommonFunder(t *testing.T) {
	fixture := []struct {
		tt.Row
		want float64 // expected strength, 0 = not flagged
		ev   string  // substring of the evidence
	}{
		{tt.Row{Day: 0, Token: "1", Seller: "A", Buyer: "B"}, SharedStrength, "both first funded by " + tt.Addr("F").String()},
		{tt.Row{Day: 1, Token: "1", Seller: "A", Buyer: "C"}, DirectStrength, "seller " + tt.Addr("A").String() + " funded buyer"},
		{tt.Row{Day: 2, Token: "1", Seller: "C", Buyer: "A"}, DirectStrength, "buyer " + tt.Addr("A").String() + " funded seller"},
		// Two wallets that both withdrew from the exchange (fan-out 25).
		{tt.Row{Day: 3, Token: "2", Seller: "E0", Buyer: "E1"}, 0, ""},
		// Deny-listed funder.
		{tt.Row{Day: 4, Token: "3", Seller: "D1", Buyer: "D2"}, 0, ""},
		// Unknown parties and unfunded wallets.
		{tt.Row{Day: 5, Token: "4", Seller: "", Buyer: "B"}, 0, ""},
		{tt.Row{Day: 6, Token: "4", Seller: "Z", Buyer: "B"}, 0, ""},
		// Self trade: not this detector's business.
		{tt.Row{Day: 7, Token: "4", Seller: "B", Buyer: "B"}, 0, ""},
	}
	rows := make([]tt.Row, len(fixture))
	for i, f := range fixture {
		rows[i] = f.Row
	}
	tr := tt.Build(rows)
	m := map[string]string{"A": "F", "B": "F", "C": "A", "D1": "Mixer", "D2": "Mixer"}
	for i := 0; i < 25; i++ {
		m[fmt.Sprintf("E%d", i)] = "Exchange"
	}
	in := tt.Input(tr, tt.Funders(tr, m), "Mixer")
	got := tt.Run(t, in, Detector, nil)
	for i, f := range fixture {
		g := got[int32(i)]
		if g.Strength != f.want || !strings.Contains(g.Evidence, f.ev) {
			t.Errorf("row %d (%s→%s): got %v %q, want %v %q", i, f.Seller, f.Buyer, g.Strength, g.Evidence, f.want, f.ev)
		}
	}
	// Raising max_fanout above 25 lets the exchange link E0 and E1.
	if got := tt.Run(t, in, Detector, map[string]string{"max_fanout": "30"}); got[3].Strength != SharedStrength {
		t.Errorf("max_fanout 30: row 3 not linked: %+v", got[3])
	}
	if got := tt.Run(t, in, Detector, map[string]string{"max_fanout": "0"}); got[3].Strength != SharedStrength {
		t.Errorf("max_fanout 0 (off): row 3 not linked: %+v", got[3])
	}
}

func TestNoFunders(t *testing.T) {
	in := tt.Input(tt.Build([]tt.Row{{Seller: "A", Buyer: "B"}}), nil)
	if got := tt.Run(t, in, Detector, nil); len(got) != 0 {
		t.Errorf("no funders table: %d findings", len(got))
	}
}
