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

// TestSortDistinct checks the bitset sort against slices.Sort on dense and
// sparse sets, with and without an offset.
func TestSortDistinct(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var set []uint64
	for _, tc := range []struct{ n, span, off int }{{1, 1, 0}, {3, 10, 5}, {64, 64, 0}, {100, 1000, 77}, {1000, 300000, 9}, {50, 1 << 20, 1 << 30}} {
		seen := map[uint32]bool{}
		var ids []uint32
		for len(ids) < tc.n {
			x := uint32(tc.off + r.IntN(tc.span))
			if !seen[x] {
				seen[x] = true
				ids = append(ids, x)
			}
		}
		want := slices.Sorted(slices.Values(ids))
		lo, hi := slices.Min(ids), slices.Max(ids)
		got := slices.Clone(ids)
		if SortDistinct(got, lo, hi, &set) {
			if !slices.Equal(got, want) {
				t.Errorf("%+v: got %v, want %v", tc, got, want)
			}
		} else if uint64(hi-lo)/64 <= 4*uint64(len(ids)) || !slices.Equal(got, ids) {
			t.Errorf("%+v: declined a dense set or changed ids", tc)
		}
		ids64 := make([]int64, len(ids))
		for i, x := range ids {
			ids64[i] = int64(x)
		}
		if SortDistinct(ids64, int64(lo), int64(hi), &set) {
			for i := range want {
				if ids64[i] != int64(want[i]) {
					t.Fatalf("%+v: int64 ids differ", tc)
				}
			}
		}
	}
}
