package graph_test

import (
	"fmt"
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
