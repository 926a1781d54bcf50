package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRenumber checks that Renumber maps wallets to 1..D in increasing
// wallet id, on dense and sparse id ranges, with a reused Renumberer.
func TestRenumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var rn Renumberer
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(300)
		span := uint32(2 + rng.IntN(5000))
		if trial%3 == 0 {
			span = 1 << 20 // sparse: the comparison sort
		}
		from, to := make([]uint32, n), make([]uint32, n)
		for i := range from {
			from[i] = 1 + rng.Uint32N(span)
			to[i] = from[i] + 1 + rng.Uint32N(3)
		}
		f0, t0 := slices.Clone(from), slices.Clone(to)
		ids := rn.Renumber(from, to)
		want := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(f0), t0...))))
		if !slices.Equal(ids, want) {
			t.Fatalf("trial %d: ids %v, want %v", trial, ids, want)
		}
		for i := range from {
			if from[i] == 0 || to[i] == 0 || ids[from[i]-1] != f0[i] || ids[to[i]-1] != t0[i] {
				t.Fatalf("trial %d row %d: %d→%d renumbered %d→%d", trial, i, f0[i], t0[i], from[i], to[i])
			}
		}
	}
}
