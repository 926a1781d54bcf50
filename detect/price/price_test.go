package price

import (
	"fmt"
	"strings"
	"testing"

	"github.com/washscan/washscan/detect"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func TestPriceAnomaly(t *testing.T) {
	// Twenty ordinary sales around 2 ETH in collection C set the median.
	var rows []tt.Row
	var want []string // expected evidence substring; "" = not flagged
	for i := 0; i < 20; i++ {
		rows = append(rows, tt.Row{Day: float64(i), Token: fmt.Sprint(i), Seller: fmt.Sprint("s", i), Buyer: fmt.Sprint("b", i), Price: 2 + 0.01*float64(i%5)})
		want = append(want, "")
	}
	add := func(r tt.Row, w string) { rows = append(rows, r); want = append(want, w) }
	// 50 ETH between wallets with a shared funder F.
	add(tt.Row{Day: 21, Token: "100", Seller: "A", Buyer: "B", Price: 50}, "price 50 ETH vs rolling median 2.02 ETH (24.8×), counterparties linked by funder "+tt.Addr("F").String())
	// 50 ETH between strangers: a rare item, not flagged.
	add(tt.Row{Day: 22, Token: "101", Seller: "X", Buyer: "Y", Price: 50}, "")
	// 0.01 ETH between wallets that traded with each other 10 days later.
	add(tt.Row{Day: 23, Token: "102", Seller: "P", Buyer: "Q", Price: 0.01}, "counterparties also traded the other way 1× within 30d")
	add(tt.Row{Day: 33, Token: "103", Seller: "Q", Buyer: "P", Price: 2}, "")
	// Linked but priced normally: not flagged.
	add(tt.Row{Day: 34, Token: "104", Seller: "A", Buyer: "B", Price: 2.5}, "")
	// Linked pair traded 100 days apart: outside link_window.
	add(tt.Row{Day: 40, Token: "105", Seller: "U", Buyer: "V", Price: 40}, "")
	add(tt.Row{Day: 140, Token: "106", Seller: "V", Buyer: "U", Price: 2}, "")
	// Another collection has too few sales for a median.
	add(tt.Row{Day: 41, Contract: "D", Token: "1", Seller: "A", Buyer: "B", Price: 1}, "")
	add(tt.Row{Day: 42, Contract: "D", Token: "1", Seller: "B", Buyer: "A", Price: 100}, "")

	tr := tt.Build(rows)
	in := tt.Input(tr, tt.Funders(tr, map[string]string{"A": "F", "B": "F"}))
	got := runPrice(t, in, nil)
	for i, w := range want {
		g, ok := got[int32(i)]
		if ok != (w != "") || !strings.Contains(g.Evidence, w) {
			t.Errorf("row %d (%+v): got %v %q, want %q", i, rows[i], ok, g.Evidence, w)
		}
	}
	if g := got[20]; g.Strength < 0.99 {
		t.Errorf("row 20: strength %v, want ≈ 1 (ratio ≈ factor²)", g.Strength)
	}
	// A larger factor drops the 24.8× sale too.
	if got := runPrice(t, in, map[string]string{"price_anomaly.factor": "30"}); len(got) != 1 {
		t.Errorf("factor 30: %d flagged, want 1 (the 200× low sale)", len(got))
	}
}

func runPrice(t *testing.T, in *detect.Input, params map[string]string) map[int32]detect.Finding {
	t.Helper()
	// tt.Run keys params by the detector's own name; price_anomaly's keys
	// are given in full here.
	p := map[string]string{}
	for k, v := range params {
		p[strings.TrimPrefix(k, "price_anomaly.")] = v
	}
	return tt.Run(t, in, Detector, p)
}
