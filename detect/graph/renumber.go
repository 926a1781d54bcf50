package graph

import (
	"cmp"
	"context"
	"slices"

	"github.com/washscan/washscan/detect"
)

// Renumberer renumbers the wallets of a group of rows to dense local ids,
// reusing its buffers between calls. A Renumberer is not safe for
// concurrent use; give each goroutine its own.
type Renumberer struct {
	mark []int32 // wallet id → local id (0: unseen; all 0 between calls)
	set  []uint64
	tmp  []uint32
}

// Renumber replaces the wallet ids of from and to (both known, non-zero,
// from[i] ≠ to[i]) in place by local ids 1..D in increasing wallet id and
// returns the wallet id of each local id − 1. Because the renumbering keeps
// wallet order, [Builder.Build] over the renumbered columns gives the same
// nodes, arcs and row orders as over the original ones, while its
// per-wallet accesses stay within D entries. Time O(n + D + span/64) when
// [SortDistinct] applies (ids spanning at most 256 per wallet), O(n + D)
// otherwise ([SortWallets]' radix sort; O(n + D log D) below 512 wallets),
// for n rows; memory O(largest wallet id) once.
func (rn *Renumberer) Renumber(from, to []uint32) []uint32 {
	var ids []uint32
	lo, hi := uint32(1<<32-1), uint32(0) // range of ids
	for _, col := range [2][]uint32{from, to} {
		for _, w := range col {
			if int(w) >= len(rn.mark) {
				rn.mark = append(rn.mark, make([]int32, int(w)+1-len(rn.mark)+len(rn.mark)/2)...)
			}
			if rn.mark[w] == 0 {
				rn.mark[w] = -1
				ids = append(ids, w)
				lo, hi = min(lo, w), max(hi, w)
			}
		}
	}
	SortWallets(ids, lo, hi, &rn.set, &rn.tmp)
	mark := rn.mark
	for i, w := range ids {
		mark[w] = int32(i) + 1
	}
	for i := range from {
		from[i], to[i] = uint32(mark[from[i]]), uint32(mark[to[i]])
	}
	for _, w := range ids {
		mark[w] = 0
	}
	return slices.Clip(ids)
}

// Grow makes room for wallet ids below n, so that Renumber does not grow
// its buffer step by step.
func (rn *Renumberer) Grow(n int) {
	if len(rn.mark) < n {
		rn.mark = append(rn.mark, make([]int32, n-len(rn.mark))...)
	}
}

// RenumberRanges renumbers, as [Renumberer.Renumber] does, the n row ranges
// from[lo:hi], to[lo:hi] with (lo, hi) = span(i), and hands each range's
// wallet ids (local id − 1 → wallet id) to done(i, ids). The ranges are
// disjoint, so they are renumbered on GOMAXPROCS goroutines, largest first;
// done is called concurrently, for distinct i. space bounds the wallet ids.
// It stops early, leaving ranges undone, once ctx is cancelled, and returns
// ctx's error then.
func RenumberRanges(ctx context.Context, from, to []uint32, space, n int, span func(i int) (lo, hi int32), done func(i int, ids []uint32)) error {
	order := make([]int, n)
	size := make([]int32, n)
	for i := range order {
		order[i] = i
		lo, hi := span(i)
		size[i] = hi - lo
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(size[b], size[a]) })
	return detect.Parallel(ctx, n, 0, func() func(int) error {
		var rn Renumberer
		rn.Grow(space)
		return func(k int) error {
			i := order[k]
			lo, hi := span(i)
			done(i, rn.Renumber(from[lo:hi], to[lo:hi]))
			return nil
		}
	})
}
