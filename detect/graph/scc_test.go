package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sccRef is Tarjan's algorithm as the textbook writes it, recursive:
// components numbered as they complete, nodes and arcs in order.
func sccRef(outStart, to []int32) (comp []int32, count int) {
	n := len(outStart) - 1
	comp = make([]int32, n)
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int32
	next := int32(0)
	var visit func(u int32)
	visit = func(u int32) {
		index[u], low[u] = next, next
		next++
		stack = append(stack, u)
		onStack[u] = true
		for _, w := range to[outStart[u]:outStart[u+1]] {
			if index[w] < 0 {
				visit(w)
				low[u] = min(low[u], low[w])
			} else if onStack[w] {
				low[u] = min(low[u], index[w])
			}
		}
		if low[u] == index[u] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = int32(count)
				if w == u {
					break
				}
			}
			count++
		}
	}
	for u := int32(0); u < int32(n); u++ {
		if index[u] < 0 {
			visit(u)
		}
	}
	return comp, count
}

// TestSCCOfMatchesTarjan checks that SCCOf numbers the components exactly
// as the plain Tarjan does, on random multigraphs with many sinks and
// sources, self-loops and repeated arcs, reusing one workspace.
func TestSCCOfMatchesTarjan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var ws Workspace
	for trial := 0; trial < 3000; trial++ {
		n := 1 + r.IntN(60)
		arcs := r.IntN(3 * n)
		deg := make([]int32, n+1)
		type arc struct{ u, v int32 }
		var as []arc
		for i := 0; i < arcs; i++ {
			u := int32(r.IntN(n))
			if r.IntN(3) == 0 {
				u = int32(r.IntN(max(1, n/4))) // a few busy sources
			}
			v := int32(r.IntN(n))
			as = append(as, arc{u, v})
			if r.IntN(5) == 0 {
				as = append(as, arc{u, v}) // repeated
			}
		}
		slices.SortStableFunc(as, func(a, b arc) int { return int(a.u - b.u) })
		to := make([]int32, len(as))
		for i, a := range as {
			deg[a.u+1]++
			to[i] = a.v
		}
		for u := 0; u < n; u++ {
			deg[u+1] += deg[u]
		}
		wantComp, wantCount := sccRef(deg, to)
		gotComp, gotCount := SCCOf(deg, to, &ws)
		if gotCount != wantCount || !slices.Equal(gotComp, wantComp) {
			t.Fatalf("trial %d: SCCOf = %v (%d), Tarjan = %v (%d)", trial, gotComp, gotCount, wantComp, wantCount)
		}
	}
	if c, k := SCCOf(nil, nil, nil); len(c) != 0 || k != 0 {
		t.Errorf("empty graph: %v, %d", c, k)
	}
}

// TestSortWallets checks SortWallets against slices.Sort on dense, sparse,
// short and long lists of distinct ids.
func TestSortWallets(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var set []uint64
	var tmp []uint32
	for trial := 0; trial < 300; trial++ {
		k := r.IntN(5000)
		spread := []uint32{2, 300, 1 << 20, 1<<32 - 1}[trial%4]
		seen := map[uint32]bool{}
		var ids []uint32
		base := r.Uint32N(1 << 30)
		for len(ids) < k {
			w := base + r.Uint32N(max(spread/4, 1)*uint32(max(k, 1)))
			if spread == 1<<32-1 {
				w = r.Uint32()
			}
			if !seen[w] {
				seen[w] = true
				ids = append(ids, w)
			}
		}
		lo, hi := uint32(1<<32-1), uint32(0)
		for _, w := range ids {
			lo, hi = min(lo, w), max(hi, w)
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		SortWallets(ids, lo, hi, &set, &tmp)
		if !slices.Equal(ids, want) {
			t.Fatalf("trial %d (k=%d): not sorted", trial, k)
		}
	}
}

// BenchmarkSCCOf times SCCOf on a random 100k-node multigraph with half the
// nodes sinks, the shape of a month of a collection's trades.
func BenchmarkSCCOf(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	start := make([]int32, n+1)
	var to []int32
	for u := 0; u < n; u++ {
		if u%2 == 0 {
			for k := r.IntN(6); k > 0; k-- {
				to = append(to, int32(r.IntN(n)))
			}
		}
		start[u+1] = int32(len(to))
	}
	var ws Workspace
	for b.Loop() {
		SCCOf(start, to, &ws)
	}
}
