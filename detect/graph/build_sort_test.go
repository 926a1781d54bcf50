package graph

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBuildLarge checks Build's counting and radix sorts against a plain
// comparison sort on random multigraphs of every size class.
func TestBuildLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var b Builder
	for _, tc := range []struct{ rows, wallets int }{{5, 4}, {17, 6}, {300, 50}, {5000, 3000}, {20000, 1 << 20}, {40000, 50}} {
		from := make([]uint32, tc.rows)
		to := make([]uint32, tc.rows)
		rows := make([]int32, tc.rows)
		for i := range rows {
			from[i] = uint32(r.IntN(tc.wallets))
			to[i] = uint32(r.IntN(tc.wallets))
			if r.IntN(3) == 0 {
				to[i] = uint32(r.IntN(1 << 22))
			}
			rows[i] = int32(i)
		}
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		g := b.Build(rows, from, to)

		// Reference: arcs as (from id, to id, rows in given order).
		type arc struct {
			u, v int64
			rows []int32
		}
		var want []arc
		idx := map[[2]int64]int{}
		for _, row := range rows {
			u, v := int64(from[row]), int64(to[row])
			if u == 0 || v == 0 || u == v {
				continue
			}
			k, ok := idx[[2]int64{u, v}]
			if !ok {
				k = len(want)
				idx[[2]int64{u, v}] = k
				want = append(want, arc{u: u, v: v})
			}
			want[k].rows = append(want[k].rows, row)
		}
		slices.SortFunc(want, func(x, y arc) int {
			if c := cmp.Compare(x.u, y.u); c != 0 {
				return c
			}
			return cmp.Compare(x.v, y.v)
		})
		if g.Arcs() != len(want) {
			t.Fatalf("%+v: %d arcs, want %d", tc, g.Arcs(), len(want))
		}
		if !slices.IsSorted(g.ids) {
			t.Fatalf("%+v: ids not sorted", tc)
		}
		for k, w := range want {
			if g.ID(g.ArcFrom(int32(k))) != w.u || g.ID(g.ArcTo(int32(k))) != w.v || !slices.Equal(g.ArcRows(int32(k)), w.rows) {
				t.Fatalf("%+v: arc %d differs", tc, k)
			}
		}
	}
}
