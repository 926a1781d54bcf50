package cycle

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/graph/graphtest"
)

const (
	h = 3600
	d = 86400
)

type R = graphtest.Row

func TestCycle(t *testing.T) {
	tests := []struct {
		name string
		rows []R // Wash is the expected flag
	}{
		{"token ring of three", []R{
			{Time: 0, Contract: "punks", Token: "12", Seller: "out", Buyer: "a"},
			{Time: 1 * h, Contract: "punks", Token: "12", Seller: "a", Buyer: "b", Wash: true},
			{Time: 5 * h, Contract: "punks", Token: "12", Seller: "b", Buyer: "c", Wash: true},
			{Time: 1 * d, Contract: "punks", Token: "12", Seller: "c", Buyer: "a", Wash: true},
			{Time: 3 * d, Contract: "punks", Token: "12", Seller: "a", Buyer: "buyer"},
		}},
		{"back and forth is left to back_and_forth", []R{
			{Time: 0, Contract: "punks", Token: "1", Seller: "a", Buyer: "b"},
			{Time: h, Contract: "punks", Token: "1", Seller: "b", Buyer: "a"},
		}},
		{"ring closing after the window", []R{
			{Time: 0, Contract: "punks", Token: "7", Seller: "a", Buyer: "b"},
			{Time: 20 * d, Contract: "punks", Token: "7", Seller: "b", Buyer: "c"},
			{Time: 90 * d, Contract: "punks", Token: "7", Seller: "c", Buyer: "a"},
		}},
		{"unknown party breaks the ring", []R{
			{Time: 0, Contract: "punks", Token: "3", Seller: "a", Buyer: "b"},
			{Time: h, Contract: "punks", Token: "3", Seller: "b", Buyer: ""},
			{Time: 2 * h, Contract: "punks", Token: "3", Seller: "", Buyer: "a"},
		}},
		{"collection ring on three tokens", []R{
			{Time: 0, Contract: "apes", Token: "1", Seller: "a", Buyer: "b", Wash: true},
			{Time: h, Contract: "apes", Token: "2", Seller: "b", Buyer: "c", Wash: true},
			{Time: 2 * h, Contract: "apes", Token: "3", Seller: "c", Buyer: "a", Wash: true},
			{Time: 3 * h, Contract: "apes", Token: "4", Seller: "c", Buyer: "z"},
		}},
		{"ring across two collections is not a collection ring", []R{
			{Time: 0, Contract: "apes", Token: "1", Seller: "a", Buyer: "b"},
			{Time: h, Contract: "apes", Token: "2", Seller: "b", Buyer: "c"},
			{Time: 2 * h, Contract: "punks", Token: "3", Seller: "c", Buyer: "a"},
		}},
		{"fungible ring", []R{
			{Time: 0, Contract: "usdx", Seller: "a", Buyer: "b", Amount: 500, Wash: true},
			{Time: 60, Contract: "usdx", Seller: "b", Buyer: "c", Amount: 500, Wash: true},
			{Time: 120, Contract: "usdx", Seller: "c", Buyer: "d", Amount: 500, Wash: true},
			{Time: 180, Contract: "usdx", Seller: "d", Buyer: "a", Amount: 500, Wash: true},
			{Time: 240, Contract: "usdx", Seller: "d", Buyer: "e", Amount: 10},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := graphtest.Trades(tc.rows)
			got, fs := graphtest.Run(t, tr, Detector, nil)
			for i, r := range tc.rows {
				if (got[i] > 0) != r.Wash {
					t.Errorf("row %d (%s→%s): strength %.3f, want flagged=%v", i, r.Seller, r.Buyer, got[i], r.Wash)
				}
			}
			for _, f := range fs {
				if f.Strength <= 0 || f.Strength > 1 || f.Evidence == "" {
					t.Errorf("row %d: bad finding %+v", f.Row, f)
				}
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	rows := []R{
		{Time: 0, Contract: "punks", Token: "12", Seller: "a", Buyer: "b"},
		{Time: 1 * d, Contract: "punks", Token: "12", Seller: "b", Buyer: "c"},
		{Time: 2 * d, Contract: "punks", Token: "12", Seller: "c", Buyer: "a"},
	}
	_, fs := graphtest.Run(t, graphtest.Trades(rows), Detector, nil)
	if len(fs) != 3 {
		t.Fatalf("%d findings, want 3", len(fs))
	}
	a, b, c := graphtest.Addr("a").String(), graphtest.Addr("b").String(), graphtest.Addr("c").String()
	// The ring starts at its smallest address (c), whatever the order the
	// wallets were first seen in; the three wallets trade only inside it.
	if !(c < a && c < b) {
		t.Fatalf("fixture: want c's address smallest")
	}
	want := c + "→" + a + "→" + b + "→" + c + " (token 12, 3 legs in 2d; 3 wallets, 100% of their 30d-window trades inside the ring)"
	for _, f := range fs {
		if f.Evidence != want {
			t.Errorf("row %d evidence %q, want %q", f.Row, f.Evidence, want)
		}
	}
}

func TestParams(t *testing.T) {
	rows := []R{
		{Time: 0, Contract: "punks", Token: "1", Seller: "a", Buyer: "b", Wash: true},
		{Time: h, Contract: "punks", Token: "1", Seller: "b", Buyer: "a", Wash: true},
	}
	got, _ := graphtest.Run(t, graphtest.Trades(rows), Detector, map[string]string{"min_len": "2"})
	for i, r := range rows {
		if (got[i] > 0) != r.Wash {
			t.Errorf("min_len=2: row %d strength %.3f", i, got[i])
		}
	}
	ring := []R{
		{Time: 0, Contract: "punks", Token: "1", Seller: "a", Buyer: "b"},
		{Time: 2 * d, Contract: "punks", Token: "1", Seller: "b", Buyer: "c"},
		{Time: 4 * d, Contract: "punks", Token: "1", Seller: "c", Buyer: "a"},
	}
	got, _ = graphtest.Run(t, graphtest.Trades(ring), Detector, map[string]string{"window": "1d"})
	for i := range ring {
		if got[i] > 0 {
			t.Errorf("window=1d: row %d flagged for a ring over 4d", i)
		}
	}
}

func TestStrengthOrdersClosedRingsAboveStrangers(t *testing.T) {
	// Ring a→b→c→a of wallets trading only with each other, and the same
	// shape through an active trader t with many other counterparties.
	rows := []R{
		{Time: 0, Contract: "k", Token: "1", Seller: "a", Buyer: "b"},
		{Time: h, Contract: "k", Token: "1", Seller: "b", Buyer: "c"},
		{Time: 2 * h, Contract: "k", Token: "1", Seller: "c", Buyer: "a"},
		{Time: 0, Contract: "k", Token: "2", Seller: "t", Buyer: "x"},
		{Time: 10 * d, Contract: "k", Token: "2", Seller: "x", Buyer: "y"},
		{Time: 20 * d, Contract: "k", Token: "2", Seller: "y", Buyer: "t"},
	}
	for i := 0; i < 20; i++ {
		rows = append(rows, R{Time: int64(i) * d, Contract: "k", Token: "100", Seller: "t", Buyer: "p" + string(rune('a'+i))})
	}
	got, _ := graphtest.Run(t, graphtest.Trades(rows), Detector, nil)
	if !(got[0] > got[3] && got[3] > 0) {
		t.Errorf("closed ring %.3f should outrank the active trader's ring %.3f > 0", got[0], got[3])
	}
}

func TestDeterministic(t *testing.T) {
	graphtest.CheckDeterministic(t, market(), Detector)
}

// TestMarket measures precision and recall of the cycle detector alone on a
// labeled synthetic market with honest traps; its recall covers ring labels
// only partly (farming and churn are other detectors' work), so only
// precision is asserted.
func TestMarket(t *testing.T) {
	tr := market()
	got, fs := graphtest.Run(t, tr, Detector, nil)
	c := graphtest.Count(tr, got, 0)
	t.Logf("rows %d, findings %d: %+v precision %.3f recall %.3f", tr.Len(), len(fs), c, c.Precision(), c.Recall())
	if c.Precision() < 0.93 {
		t.Errorf("precision %.3f < 0.93", c.Precision())
	}
	var ring, ringHit int
	for i, l := range tr.Label {
		if l == datasets.LabelWash && tr.Standard[i] == datasets.ERC721 {
			ring++
			if got[i] > 0 {
				ringHit++
			}
		}
	}
	if ring > 0 && float64(ringHit)/float64(ring) < 0.8 {
		t.Errorf("NFT wash recall %d/%d", ringHit, ring)
	}
	for _, f := range fs[:min(3, len(fs))] {
		if !strings.Contains(f.Evidence, "→") {
			t.Errorf("evidence %q", f.Evidence)
		}
	}
}

func market() *datasets.Trades { return graphtest.TestMarket() }

func BenchmarkCycle(b *testing.B) { graphtest.Bench(b, Detector) }

// TestBusyWalletsWeak checks the chance model: the same ring scores full
// strength among wallets that trade only inside it, and little among
// wallets that trade with many others in the window.
func TestBusyWalletsWeak(t *testing.T) {
	ring := []R{
		{Time: 0, Contract: "punks", Token: "12", Seller: "a", Buyer: "b"},
		{Time: 1 * d, Contract: "punks", Token: "12", Seller: "b", Buyer: "c"},
		{Time: 2 * d, Contract: "punks", Token: "12", Seller: "c", Buyer: "a"},
	}
	_, quiet := graphtest.Run(t, graphtest.Trades(ring), Detector, nil)
	busy := slices.Clone(ring)
	for i := 0; i < 60; i++ {
		w := []string{"a", "b", "c"}[i%3]
		busy = append(busy, R{Time: int64(i) * 3600, Contract: "apes", Token: fmt.Sprint(i), Seller: w, Buyer: fmt.Sprint("x", i)})
	}
	_, loud := graphtest.Run(t, graphtest.Trades(busy), Detector, nil)
	if len(quiet) != 3 || len(loud) != 3 {
		t.Fatalf("findings %d and %d, want 3 and 3", len(quiet), len(loud))
	}
	if quiet[0].Strength < 0.85 || loud[0].Strength > 0.3 {
		t.Errorf("strength %v alone, %v among busy wallets; want ≥ 0.85 and ≤ 0.3", quiet[0].Strength, loud[0].Strength)
	}
	if !strings.Contains(loud[0].Evidence, "3 wallets, 9% of their 30d-window trades inside the ring") {
		t.Errorf("evidence %q does not state the share (6 of 66 trades)", loud[0].Evidence)
	}
}
