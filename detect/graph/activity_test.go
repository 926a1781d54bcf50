package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/features"
)

// TestActivityShareMatchesScan checks ActivityTable.Share against the
// plain scan of every row (graphtest.WindowShare) on random windows and
// wallet sets of a synthetic market.
func TestActivityShareMatchesScan(t *testing.T) {
	tr := graphtest.Market(graphtest.MarketConfig{Seed: 4, Trades: 3000})
	f := features.Compute(tr)
	a := graph.ComputeActivity(f)
	r := rand.New(rand.NewPCG(1, 2))
	lo, hi := f.T.Time[f.Order[0]], f.T.Time[f.Order[f.N-1]]
	for i := 0; i < 300; i++ {
		t0 := lo + r.Int64N(hi-lo+1) - 3600
		t1 := t0 + r.Int64N(30*86400)
		var ws []uint32
		var in []int32
		for k := 1 + r.IntN(4); k > 0; k-- {
			row := r.IntN(f.N)
			ws = append(ws, f.Seller[row], f.Buyer[row])
			in = append(in, int32(r.IntN(3)), int32(r.IntN(3)))
		}
		if got, want := a.Share(ws, in, t0, t1), graphtest.WindowShare(f, ws, in, t0, t1); got != want {
			t.Fatalf("window [%d, %d) wallets %v inside %v: Share %v, scan %v", t0, t1, ws, in, got, want)
		}
	}
}

// TestActivityCountTimeSpans checks ActivityTable.Count against a plain
// count over the rows with the market's times as they are (4-byte times in
// the table), spread over more than 2³² seconds (8-byte times), and moved
// far below zero, on random and extreme windows.
func TestActivityCountTimeSpans(t *testing.T) {
	for _, c := range []struct {
		name        string
		scale, base int64
	}{{"narrow", 1, 0}, {"wide", 1 << 22, 0}, {"negative", 1, -1 << 62}, {"wide negative", 1 << 22, -1 << 62}} {
		tr := graphtest.Market(graphtest.MarketConfig{Seed: 5, Trades: 2000})
		lo0 := tr.Time[0]
		for _, x := range tr.Time {
			lo0 = min(lo0, x)
		}
		for i, x := range tr.Time {
			tr.Time[i] = c.base + (x-lo0)*c.scale
		}
		f := features.Compute(tr)
		a := graph.ComputeActivity(f)
		count := func(w uint32, t0, t1 int64) int {
			n := 0
			for r := 0; r < f.N; r++ {
				s, b := f.Seller[r], f.Buyer[r]
				if ((s == w && s != features.NoWallet) || (b == w && b != features.NoWallet)) && tr.Time[r] >= t0 && tr.Time[r] < t1 {
					n++
				}
			}
			return n
		}
		lo, hi := f.T.Time[f.Order[0]], f.T.Time[f.Order[f.N-1]]
		r := rand.New(rand.NewPCG(3, 4))
		for i := 0; i < 200; i++ {
			w := f.Buyer[r.IntN(f.N)]
			t0 := lo + r.Int64N(hi-lo+1) - 3600*c.scale
			t1 := t0 + r.Int64N(30*86400*c.scale) + 1
			switch i % 10 {
			case 0:
				t0 = math.MinInt64
			case 1:
				t1 = math.MaxInt64
			case 2:
				t0, t1 = math.MinInt64, math.MaxInt64
			}
			if got, want := a.Count(w, t0, t1), count(w, t0, t1); got != want {
				t.Fatalf("%s: wallet %d window [%d, %d): Count %d, want %d", c.name, w, t0, t1, got, want)
			}
		}
	}
}

// ExampleSurprise shows how the share of a pattern's wallets' window
// trading that stays inside it becomes the factor of its strength.
func ExampleSurprise() {
	for _, c := range []float64{1, 0.5, 0.25, 0.02} {
		fmt.Printf("share %.2f: factor %.2f\n", c, graph.Surprise(c))
	}
	// Output:
	// share 1.00: factor 1.00
	// share 0.50: factor 1.00
	// share 0.25: factor 0.50
	// share 0.02: factor 0.04
}
