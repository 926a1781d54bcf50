package metrics

import (
	"math/rand/v2"
	"testing"

	"github.com/washscan/washscan/datasets"
)

// TestInternHashes compares internHashes with a map on hashes that share
// most of their bytes (and so collide in parts of the table).
func TestInternHashes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 100, 5000} {
		hashes := make([]datasets.Hash, n)
		for i := range hashes {
			hashes[i][r.IntN(32)] = byte(r.IntN(4))
			hashes[i][31] = byte(r.IntN(3))
		}
		var rows []int32
		for i := 0; i < n; i++ {
			if r.IntN(3) > 0 {
				rows = append(rows, int32(i))
			}
		}
		ids := make([]int32, len(rows))
		got := internHashes(hashes, rows, ids)
		want := map[datasets.Hash]int32{}
		for j, row := range rows {
			id, ok := want[hashes[row]]
			if !ok {
				id = int32(len(want))
				want[hashes[row]] = id
			}
			if ids[j] != id {
				t.Fatalf("n %d: row %d id %d, want %d", n, row, ids[j], id)
			}
		}
		if got != len(want) {
			t.Fatalf("n %d: %d ids, want %d", n, got, len(want))
		}
	}
}
