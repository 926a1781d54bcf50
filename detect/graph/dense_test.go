package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBuildDenseMatchesBuild builds random multigraphs over ids 0..d (0
// unknown, self-trades included) with BuildDense and Build and requires
// identical graphs, across the dense path and the fallback to Build.
func TestBuildDenseMatchesBuild(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var dense, plain Builder
	for _, tc := range []struct{ rows, d int }{{1, 1}, {2, 3}, {5, 4}, {17, 6}, {300, 50}, {300, 64}, {5000, 3000}, {5000, 200000}, {20000, 1 << 20}, {40000, 50}, {3, 1 << 20}} {
		for rep := 0; rep < 3; rep++ {
			n := tc.rows + 7 // rows beyond the window's rows
			from := make([]uint32, n)
			to := make([]uint32, n)
			for i := range from {
				from[i] = uint32(r.IntN(tc.d + 1))
				to[i] = uint32(r.IntN(tc.d + 1))
				if r.IntN(5) == 0 {
					to[i] = from[i]
				}
			}
			rows := make([]int32, tc.rows)
			for i := range rows {
				rows[i] = int32(r.IntN(n))
			}
			want := plain.Build(rows, from, to).Clone()
			got := dense.BuildDense(rows, from, to, tc.d)
			if !slices.Equal(got.ids, want.ids) || !slices.Equal(got.outStart, want.outStart) ||
				!slices.Equal(got.arcFrom, want.arcFrom) || !slices.Equal(got.arcTo, want.arcTo) ||
				!slices.Equal(got.rowStart, want.rowStart) || !slices.Equal(got.rows, want.rows) ||
				!slices.Equal(got.inStart, want.inStart) || !slices.Equal(got.inArc, want.inArc) {
				t.Fatalf("%+v rep %d: BuildDense differs from Build", tc, rep)
			}
		}
	}
}
