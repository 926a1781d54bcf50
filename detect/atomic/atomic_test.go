package atomic

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func TestAtomicRoundTrip(t *testing.T) {
	fixture := []struct {
		tt.Row
		want bool
	}{
		// Flash-loan loop A→B→C→A in tx1, then a plain sale in tx2 of the same block.
		{tt.Row{Day: 1, Tx: "tx1", Log: 1, Token: "1", Seller: "A", Buyer: "B", Price: 5}, true},
		{tt.Row{Day: 1, Tx: "tx1", Log: 2, Token: "1", Seller: "B", Buyer: "C", Price: 5}, true},
		{tt.Row{Day: 1, Tx: "tx1", Log: 3, Token: "1", Seller: "C", Buyer: "A", Price: 5}, true},
		{tt.Row{Day: 1, Tx: "tx2", Log: 9, Token: "1", Seller: "A", Buyer: "D", Price: 5}, false},
		// Outside leg before the loop in the same tx: O→A is not part of it.
		{tt.Row{Day: 2, Tx: "tx3", Log: 1, Token: "2", Seller: "O", Buyer: "A"}, false},
		{tt.Row{Day: 2, Tx: "tx3", Log: 2, Token: "2", Seller: "A", Buyer: "B"}, true},
		{tt.Row{Day: 2, Tx: "tx3", Log: 3, Token: "2", Seller: "B", Buyer: "A"}, true},
		// Back-and-forth across two transactions is not atomic.
		{tt.Row{Day: 3, Tx: "tx4", Token: "3", Seller: "A", Buyer: "B"}, false},
		{tt.Row{Day: 3, Tx: "tx5", Token: "3", Seller: "B", Buyer: "A"}, false},
		// Unknown parties never close a loop.
		{tt.Row{Day: 4, Tx: "tx6", Log: 1, Token: "4", Seller: "", Buyer: "B"}, false},
		{tt.Row{Day: 4, Tx: "tx6", Log: 2, Token: "4", Seller: "B", Buyer: ""}, false},
		// Interleaved rows of two transactions in one block (no log_index),
		// given out of order: the loop in tx7 is still found.
		{tt.Row{Day: 5, Tx: "tx7", Token: "5", Seller: "P", Buyer: "Q"}, true},
		{tt.Row{Day: 5, Tx: "tx8", Token: "5", Seller: "R", Buyer: "S"}, false},
		{tt.Row{Day: 5, Tx: "tx7", Token: "5", Seller: "Q", Buyer: "P"}, true},
		// Another token in the same tx does not close the loop.
		{tt.Row{Day: 6, Tx: "tx9", Log: 1, Token: "6", Seller: "A", Buyer: "B"}, false},
		{tt.Row{Day: 6, Tx: "tx9", Log: 2, Token: "7", Seller: "B", Buyer: "A"}, false},
	}
	rows := make([]tt.Row, len(fixture))
	for i, f := range fixture {
		rows[i] = f.Row
	}
	got := tt.Run(t, tt.Input(tt.Build(rows), nil), Detector, nil)
	for i, f := range fixture {
		if _, ok := got[int32(i)]; ok != f.want {
			t.Errorf("row %d (%+v): flagged %v, want %v", i, f.Row, ok, f.want)
		}
	}
}
