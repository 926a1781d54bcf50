package radix

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortWith checks Sort and SortWith against a stable comparison sort of
// the same bits, for key sets with and without shared digits.
func TestSortWith(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var ktmp []uint64
	var vtmp []int
	for _, c := range []struct {
		n      int
		lo, hi uint
		gen    func() uint64
	}{
		{0, 0, 64, r.Uint64},
		{1, 0, 64, r.Uint64},
		{5000, 0, 64, r.Uint64},
		{5000, 32, 64, r.Uint64},
		{5000, 3, 17, r.Uint64},
		{5000, 0, 33, func() uint64 { return r.Uint64N(1 << 33) }},
		{5000, 0, 64, func() uint64 { return 0xabc<<40 | r.Uint64N(50) }}, // shared high digits
		{3000, 0, 64, func() uint64 { return 42 }},
	} {
		keys := make([]uint64, c.n)
		for i := range keys {
			keys[i] = c.gen()
		}
		bitsOf := func(k uint64) uint64 {
			k >>= c.lo
			if c.hi-c.lo < 64 {
				k &= 1<<(c.hi-c.lo) - 1
			}
			return k
		}
		type kv struct {
			k uint64
			v int
		}
		want := make([]kv, c.n)
		vals := make([]int, c.n)
		for i, k := range keys {
			want[i], vals[i] = kv{k, i}, i
		}
		slices.SortStableFunc(want, func(a, b kv) int {
			x, y := bitsOf(a.k), bitsOf(b.k)
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		})
		plain := slices.Clone(keys)
		ktmp, vtmp = SortWith(keys, vals, ktmp, vtmp, c.lo, c.hi)
		ktmp = Sort(plain, ktmp, c.lo, c.hi)
		for i, w := range want {
			if keys[i] != w.k || vals[i] != w.v || plain[i] != w.k {
				t.Fatalf("n=%d bits [%d,%d): position %d holds (%x, %d), Sort %x; want (%x, %d)",
					c.n, c.lo, c.hi, i, keys[i], vals[i], plain[i], w.k, w.v)
			}
		}
	}
}

func TestSortSigned(t *testing.T) {
	ids := []int64{1 << 32, 5, 3, 1<<33 - 1, 0, 5}
	Sort(ids, nil, 0, 33)
	if !slices.IsSorted(ids) {
		t.Errorf("Sort(int64) = %v", ids)
	}
}
