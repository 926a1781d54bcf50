package graph

import (
	"cmp"
	"math/bits"
	"slices"

	gg "gonum.org/v1/gonum/graph"

	"github.com/washscan/washscan/internal/radix"
)

// Node is a wallet: its id is the wallet (address) id of the dataset.
type Node int64

// ID returns the wallet id.
func (n Node) ID() int64 { return int64(n) }

// Edge is an arc of a [Graph]: every row whose seller is From and whose
// buyer is To.
type Edge struct {
	F, T Node
	// Rows are the rows of the arc in the order they were given to Build.
	Rows []int32
}

// From returns the seller node.
func (e Edge) From() gg.Node { return e.F }

// To returns the buyer node.
func (e Edge) To() gg.Node { return e.T }

// ReversedEdge returns the edge with From and To swapped.
func (e Edge) ReversedEdge() gg.Edge { return Edge{F: e.T, T: e.F, Rows: e.Rows} }

// Graph is a directed multigraph over wallets in CSR form. Nodes have local
// indices 0..Len()-1 in increasing wallet id; arcs (distinct ordered wallet
// pairs) have indices 0..Arcs()-1 in increasing (from, to) local order.
//
// A Graph returned by [Builder.Build] shares the builder's buffers and is
// valid until the next Build; [Graph.Clone] detaches it.
type Graph struct {
	ids      []int64 // local index → wallet id, increasing
	outStart []int32 // len n+1: arcs of node u are outStart[u]:outStart[u+1]
	arcFrom  []int32 // arc → local source
	arcTo    []int32 // arc → local target
	rowStart []int32 // len arcs+1: rows of arc k are rows[rowStart[k]:rowStart[k+1]]
	rows     []int32
	inStart  []int32 // len n+1: in-arcs of node v are inArc[inStart[v]:inStart[v+1]]
	inArc    []int32 // arc indices, ordered by (to, from)
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.ids) }

// Arcs returns the number of arcs (distinct ordered wallet pairs).
func (g *Graph) Arcs() int { return len(g.arcTo) }

// Edges returns the number of edges (rows).
func (g *Graph) Edges() int { return len(g.rows) }

// ID returns the wallet id of local node u.
func (g *Graph) ID(u int32) int64 { return g.ids[u] }

// Local returns the local index of wallet id, or -1. Time O(log V).
func (g *Graph) Local(id int64) int32 {
	i, ok := slices.BinarySearch(g.ids, id)
	if !ok {
		return -1
	}
	return int32(i)
}

// Out returns the arc index range of local node u's out-arcs.
func (g *Graph) Out(u int32) (lo, hi int32) { return g.outStart[u], g.outStart[u+1] }

// In returns the arcs into local node v, ordered by source.
func (g *Graph) In(v int32) []int32 { return g.inArc[g.inStart[v]:g.inStart[v+1]] }

// ArcFrom returns the local source of arc k.
func (g *Graph) ArcFrom(k int32) int32 { return g.arcFrom[k] }

// ArcTo returns the local target of arc k.
func (g *Graph) ArcTo(k int32) int32 { return g.arcTo[k] }

// ArcRows returns the rows of arc k.
func (g *Graph) ArcRows(k int32) []int32 { return g.rows[g.rowStart[k]:g.rowStart[k+1]] }

// Arc returns the arc from local u to local v, or -1. Time O(log deg u).
func (g *Graph) Arc(u, v int32) int32 {
	lo, hi := g.outStart[u], g.outStart[u+1]
	i, ok := slices.BinarySearch(g.arcTo[lo:hi], v)
	if !ok {
		return -1
	}
	return lo + int32(i)
}

// Clone returns a copy of g that does not share memory with a Builder.
func (g *Graph) Clone() *Graph {
	return &Graph{
		ids: slices.Clone(g.ids), outStart: slices.Clone(g.outStart),
		arcFrom: slices.Clone(g.arcFrom), arcTo: slices.Clone(g.arcTo),
		rowStart: slices.Clone(g.rowStart), rows: slices.Clone(g.rows),
		inStart: slices.Clone(g.inStart), inArc: slices.Clone(g.inArc),
	}
}

// Builder builds Graphs, reusing its buffers between builds. A Builder is
// not safe for concurrent use; give each goroutine its own.
type Builder struct {
	g     Graph
	edges []edge
	local []int32 // wallet id → local index + 1 (0 = absent); grown on demand

	edgeTmp []edge
	cnt     []int32
	tmp     []int64
	set     []uint64 // bitset over a range of wallet ids
	rank    []int32  // BuildDense: set bits before each word of set
}

type edge struct{ u, v, pos, row int32 }

// sortEdges sorts b.edges, given in position order with local endpoints
// below n, by (u, v, pos) with two stable counting sorts.
func (b *Builder) sortEdges(n int) {
	k := len(b.edges)
	if k < 2 {
		return
	}
	if k <= 16 {
		slices.SortFunc(b.edges, func(x, y edge) int {
			if x.u != y.u {
				return cmp.Compare(x.u, y.u)
			}
			if x.v != y.v {
				return cmp.Compare(x.v, y.v)
			}
			return cmp.Compare(x.pos, y.pos)
		})
		return
	}
	if cap(b.edgeTmp) < k {
		b.edgeTmp = make([]edge, k)
	}
	tmp := b.edgeTmp[:k]
	cnt := slices.Grow(b.cnt[:0], n+1)[:n+1]
	b.cnt = cnt
	clear(cnt)
	for i := range b.edges {
		cnt[b.edges[i].v+1]++
	}
	for i := 1; i <= n; i++ {
		cnt[i] += cnt[i-1]
	}
	for _, e := range b.edges {
		tmp[cnt[e.v]] = e
		cnt[e.v]++
	}
	clear(cnt)
	for i := range tmp {
		cnt[tmp[i].u+1]++
	}
	for i := 1; i <= n; i++ {
		cnt[i] += cnt[i-1]
	}
	for _, e := range tmp {
		b.edges[cnt[e.u]] = e
		cnt[e.u]++
	}
}

// SortDistinct sorts ids, distinct values within [lo, hi], increasingly
// through a bitset over [lo, hi] (set holds its buffer) in time O(len(ids) +
// (hi − lo)/64), when that range is at most 256 values per id; otherwise it
// leaves ids alone and returns false. Dense ids, such as wallets renumbered
// per group, are sorted this way much faster than by comparisons.
func SortDistinct[T ~int64 | ~uint32](ids []T, lo, hi T, set *[]uint64) bool {
	k := len(ids)
	if k == 0 || hi < lo || uint64(hi-lo)/64 > 4*uint64(k) {
		return k == 0
	}
	words := int(uint64(hi-lo)/64) + 1
	bs := slices.Grow((*set)[:0], words)[:words]
	clear(bs)
	for _, id := range ids {
		x := uint64(id - lo)
		bs[x/64] |= 1 << (x % 64)
	}
	ids = ids[:0]
	for i, word := range bs {
		for word != 0 {
			ids = append(ids, lo+T(i*64+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	*set = bs
	return true
}

// SortWallets sorts distinct wallet ids within [lo, hi] increasingly: through
// a bitset when they are dense ([SortDistinct]), by an LSD radix sort of
// 11-bit digits when there are many (digits every id shares skipped),
// by pdqsort otherwise. set and tmp hold the buffers between calls. Time
// O(k + (hi − lo)/64) or O(k) for k ids beyond 512, O(k log k) below.
func SortWallets(ids []uint32, lo, hi uint32, set *[]uint64, tmp *[]uint32) {
	if SortDistinct(ids, lo, hi, set) {
		return
	}
	if len(ids) < 512 {
		slices.Sort(ids)
		return
	}
	*tmp = radix.Sort(ids, *tmp, 0, uint(bits.Len32(hi)))
}

// sortIDs sorts wallet ids (each below 2^33) increasingly: pdqsort for short
// lists, an LSD radix sort of three 11-bit digits for long ones.
// (internal/radix is washscan's one radix sort.)
func sortIDs(ids []int64, tmp *[]int64) {
	if len(ids) < 512 {
		slices.Sort(ids)
		return
	}
	*tmp = radix.Sort(ids, *tmp, 0, 33)
}

// Build returns the graph of rows: an edge from[r] → to[r] for each row r
// of rows whose endpoints are both known (non-zero) and different. from and
// to are indexed by row (features.Set.Seller and Buyer). Within an arc, rows
// keep the order of rows. Time O(k log k) for k rows, O(k + span/64) when
// the wallet ids seen span at most 256 ids per wallet; no allocation once
// the builder's buffers have grown.
func (b *Builder) Build(rows []int32, from, to []uint32) *Graph {
	g := &b.g
	g.ids = g.ids[:0]
	b.edges = b.edges[:0]
	lo, hi := uint32(1<<32-1), uint32(0) // range of the wallet ids seen
	for pos, r := range rows {
		u, v := from[r], to[r]
		if u == 0 || v == 0 || u == v {
			continue
		}
		for _, w := range [2]uint32{u, v} {
			if int(w) >= len(b.local) {
				b.local = append(b.local, make([]int32, int(w)+1-len(b.local)+len(b.local)/2)...)
			}
			if b.local[w] == 0 {
				b.local[w] = -1 // mark seen
				g.ids = append(g.ids, int64(w))
				lo, hi = min(lo, w), max(hi, w)
			}
		}
		b.edges = append(b.edges, edge{int32(u), int32(v), int32(pos), r})
	}
	if !SortDistinct(g.ids, int64(lo), int64(hi), &b.set) {
		sortIDs(g.ids, &b.tmp)
	}
	for i, id := range g.ids {
		b.local[id] = int32(i) + 1
	}
	for i := range b.edges {
		e := &b.edges[i]
		e.u = b.local[e.u] - 1
		e.v = b.local[e.v] - 1
	}
	for _, id := range g.ids {
		b.local[id] = 0
	}
	return b.assemble()
}

// assemble builds the CSR form of b.g from b.edges (in position order,
// endpoints local indices below len(b.g.ids)). Time O(k + n).
func (b *Builder) assemble() *Graph {
	g := &b.g
	// Sort by (u, v, position): edges are in position order, so two stable
	// counting sorts, by v then by u, give the given row order within an
	// arc. Time O(k + n).
	b.sortEdges(len(g.ids))
	n := len(g.ids)
	g.outStart = slices.Grow(g.outStart[:0], n+1)[:n+1]
	clear(g.outStart)
	g.arcFrom, g.arcTo, g.rowStart, g.rows = g.arcFrom[:0], g.arcTo[:0], g.rowStart[:0], g.rows[:0]
	for i, e := range b.edges {
		if i == 0 || e.u != b.edges[i-1].u || e.v != b.edges[i-1].v {
			g.arcFrom = append(g.arcFrom, e.u)
			g.arcTo = append(g.arcTo, e.v)
			g.rowStart = append(g.rowStart, int32(len(g.rows)))
			g.outStart[e.u+1]++
		}
		g.rows = append(g.rows, e.row)
	}
	g.rowStart = append(g.rowStart, int32(len(g.rows)))
	for u := 0; u < n; u++ {
		g.outStart[u+1] += g.outStart[u]
	}
	// Reverse index by counting sort on targets; arcs are visited in (from)
	// order, so each in-list is ordered by source.
	g.inStart = slices.Grow(g.inStart[:0], n+1)[:n+1]
	clear(g.inStart)
	for _, v := range g.arcTo {
		g.inStart[v+1]++
	}
	for v := 0; v < n; v++ {
		g.inStart[v+1] += g.inStart[v]
	}
	g.inArc = slices.Grow(g.inArc[:0], len(g.arcTo))[:len(g.arcTo)]
	next := slices.Grow(b.cnt[:0], n)[:n]
	b.cnt = next
	copy(next, g.inStart[:n])
	for k, v := range g.arcTo {
		g.inArc[next[v]] = int32(k)
		next[v]++
	}
	return g
}

// Node returns the node with wallet id, or nil. Part of gonum's graph.Graph.
func (g *Graph) Node(id int64) gg.Node {
	if g.Local(id) < 0 {
		return nil
	}
	return Node(id)
}

// Nodes returns all nodes in increasing id. Part of gonum's graph.Graph.
func (g *Graph) Nodes() gg.Nodes {
	if len(g.ids) == 0 {
		return gg.Empty
	}
	return &nodeIter{g: g, kind: iterAll, lo: 0, hi: int32(len(g.ids)), pos: -1}
}

// From returns the nodes id has an arc to. Part of gonum's graph.Graph.
func (g *Graph) From(id int64) gg.Nodes {
	u := g.Local(id)
	if u < 0 || g.outStart[u] == g.outStart[u+1] {
		return gg.Empty
	}
	return &nodeIter{g: g, kind: iterOut, lo: g.outStart[u], hi: g.outStart[u+1], pos: -1}
}

// To returns the nodes with an arc to id. Part of gonum's graph.Directed.
func (g *Graph) To(id int64) gg.Nodes {
	v := g.Local(id)
	if v < 0 || g.inStart[v] == g.inStart[v+1] {
		return gg.Empty
	}
	return &nodeIter{g: g, kind: iterIn, lo: g.inStart[v], hi: g.inStart[v+1], pos: -1}
}

// HasEdgeBetween reports an arc between x and y in either direction.
func (g *Graph) HasEdgeBetween(xid, yid int64) bool {
	return g.HasEdgeFromTo(xid, yid) || g.HasEdgeFromTo(yid, xid)
}

// HasEdgeFromTo reports an arc from u to v. Part of gonum's graph.Directed.
func (g *Graph) HasEdgeFromTo(uid, vid int64) bool {
	u, v := g.Local(uid), g.Local(vid)
	return u >= 0 && v >= 0 && g.Arc(u, v) >= 0
}

// Edge returns the arc from u to v as an [Edge], or nil.
func (g *Graph) Edge(uid, vid int64) gg.Edge {
	u, v := g.Local(uid), g.Local(vid)
	if u < 0 || v < 0 {
		return nil
	}
	k := g.Arc(u, v)
	if k < 0 {
		return nil
	}
	return Edge{F: Node(uid), T: Node(vid), Rows: g.ArcRows(k)}
}

const (
	iterAll = iota
	iterOut
	iterIn
)

// nodeIter iterates over a range of local nodes, out-arcs or in-arcs.
type nodeIter struct {
	g      *Graph
	kind   int
	lo, hi int32
	pos    int32 // offset from lo; -1 before the first Next
}

func (it *nodeIter) Next() bool {
	if it.lo+it.pos+1 < it.hi {
		it.pos++
		return true
	}
	it.pos = it.hi - it.lo
	return false
}

func (it *nodeIter) Len() int {
	n := int(it.hi-it.lo) - int(it.pos) - 1
	return max(n, 0)
}

func (it *nodeIter) Reset() { it.pos = -1 }

func (it *nodeIter) Node() gg.Node {
	if it.pos < 0 || it.lo+it.pos >= it.hi {
		return nil
	}
	i := it.lo + it.pos
	switch it.kind {
	case iterOut:
		return Node(it.g.ids[it.g.arcTo[i]])
	case iterIn:
		return Node(it.g.ids[it.g.arcFrom[it.g.inArc[i]]])
	}
	return Node(it.g.ids[i])
}

var (
	_ gg.Directed = (*Graph)(nil)
	_ gg.Nodes    = (*nodeIter)(nil)
)
