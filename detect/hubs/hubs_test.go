package hubs_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/backforth"
	"github.com/washscan/washscan/detect/cycle"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/detect/volmatch"
	"github.com/washscan/washscan/features"
)

// market returns rows where pool P trades with 60 wallets (T0..T59) on one
// asset of standard std over days 90–108 (so within hubs.window of A's
// trades), trader A buys from P and sells back a day later,
// and wallets X, Y, Z run a ring X→Y→Z→X on the same asset.
func market(std datasets.Standard) []tradetest.Row {
	token := ""
	if std != datasets.ERC20 {
		token = "1"
	}
	var rows []tradetest.Row
	add := func(day float64, s, b string) {
		rows = append(rows, tradetest.Row{Day: day, Contract: "TOK", Token: token, Std: std, Seller: s, Buyer: b, Price: 1})
	}
	for i := 0; i < 60; i++ {
		add(90+float64(i)*0.3, "P", fmt.Sprintf("T%d", i))
	}
	add(100, "P", "A")
	add(101, "A", "P")
	add(200, "X", "Y")
	add(200.1, "Y", "Z")
	add(200.2, "Z", "X")
	return rows
}

func run(t *testing.T, rows []tradetest.Row, params map[string]string) map[string][]int32 {
	t.Helper()
	in := tradetest.Input(tradetest.Build(rows), nil)
	p := detect.NewParams()
	for k, v := range params {
		p.Set(k, v)
	}
	res, err := detect.Run(context.Background(), in, []*detect.Detector{backforth.Detector, cycle.Detector, volmatch.Detector}, p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int32{}
	for name, fs := range res.Findings {
		for _, f := range fs {
			out[name] = append(out[name], f.Row)
		}
	}
	return out
}

func TestHubsRoute(t *testing.T) {
	const a1, a2 = 60, 61       // A's round trip with P
	ring := []int32{62, 63, 64} // X→Y→Z→X
	tests := []struct {
		name   string
		std    datasets.Standard
		params map[string]string
		// whether A's round trip through P is flagged by back_and_forth
		poolRoundTrip bool
	}{
		{"erc20 hub", datasets.ERC20, nil, false},
		{"erc20 rule off", datasets.ERC20, map[string]string{"hubs.max_counterparties": "0"}, true},
		{"erc20 limit above", datasets.ERC20, map[string]string{"hubs.max_counterparties": "62"}, true},
		{"erc721 unaffected", datasets.ERC721, nil, true},
		{"erc1155 off by default", datasets.ERC1155, nil, true},
		{"erc1155 on", datasets.ERC1155, map[string]string{"hubs.erc1155": "1"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, market(tc.std), tc.params)
			bf := got["back_and_forth"]
			has := slices.Contains(bf, a1) && slices.Contains(bf, a2)
			if has != tc.poolRoundTrip {
				t.Errorf("back_and_forth rows %v: pool round trip flagged = %v, want %v", bf, has, tc.poolRoundTrip)
			}
			vm := got["volume_matching"]
			if !tc.poolRoundTrip && (slices.Contains(vm, a1) || slices.Contains(vm, a2)) {
				t.Errorf("volume_matching rows %v include the pool round trip", vm)
			}
			if c := got["cycle"]; !slices.Equal(c, ring) {
				t.Errorf("cycle rows %v, want the ring %v", c, ring)
			}
		})
	}
}

func TestCompute(t *testing.T) {
	tb := tradetest.Build(market(datasets.ERC20))
	f := features.Compute(tb)
	tab := hubs.Compute(f, 50, 30*86400, false)
	p, _ := tb.Addrs.Lookup(tradetest.Addr("P"))
	if len(tab.Hubs) != 1 || tab.Hubs[0].Wallet != p || tab.Hubs[0].Counterparties != 61 {
		t.Fatalf("hubs %+v, want P (id %d) with 61 counterparties", tab.Hubs, p)
	}
	parties := tab.Parties(f)
	tabSeller, tabBuyer := parties.Columns()
	for r := 0; r < f.N; r++ {
		s, b := parties.At(int32(r))
		if s == p || b == p {
			t.Fatalf("row %d still has the hub", r)
		}
		if f.Seller[r] != p && s != f.Seller[r] || f.Buyer[r] != p && b != f.Buyer[r] {
			t.Fatalf("row %d: non-hub party changed", r)
		}
		if tabSeller[r] != s || tabBuyer[r] != b {
			t.Fatalf("row %d: Columns differ from At", r)
		}
	}
	if f.Seller[0] != p {
		t.Fatal("Compute modified the feature set")
	}
	// No hub: the feature set's own columns, no copy.
	none := hubs.Compute(f, 0, 30*86400, false)
	if s, _ := none.Parties(f).Columns(); len(none.Hubs) != 0 || &s[0] != &f.Seller[0] {
		t.Fatal("limit 0 should find no hub and share the columns")
	}
	var nilTab *hubs.Table
	if s, _ := nilTab.Parties(f).Columns(); &s[0] != &f.Seller[0] {
		t.Fatal("nil table should give the feature set's columns")
	}
	for r := 0; r < f.N; r++ {
		if s, b := nilTab.Parties(f).At(int32(r)); s != f.Seller[r] || b != f.Buyer[r] {
			t.Fatalf("nil table, row %d: parties %d,%d, want the feature set's", r, s, b)
		}
	}
	// Trades by asset: the table's columns gathered through AssetRows.
	for a := datasets.AssetID(0); int(a) < tb.Assets.Len(); a++ {
		rows := f.AssetTrades(a)
		if got, want := tab.AssetTrades(f, a), features.Gather(rows, tb.Time, tabSeller, tabBuyer); !slices.Equal(got, want) {
			t.Fatalf("asset %d: AssetTrades differs from the gathered hub columns", a)
		}
		if got, want := f.AssetTradesAt(a), features.Gather(rows, tb.Time, f.Seller, f.Buyer); !slices.Equal(got, want) {
			t.Fatalf("asset %d: AssetTrades modified the feature set's trades", a)
		}
	}
	if &none.AssetTrades(f, 0)[0] != &f.Trades()[0] || &nilTab.AssetTrades(f, 0)[0] != &f.Trades()[0] {
		t.Fatal("no hub should give the feature set's trades")
	}
}
