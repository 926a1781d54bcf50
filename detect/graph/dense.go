package graph

import (
	"math/bits"
	"slices"
)

// BuildDense is [Builder.Build] for wallet ids known to lie in 0..d (such
// as ids renumbered by a [Renumberer], d their number): it returns the same
// graph (nodes, arcs and row orders). Instead of a table indexed by wallet
// id it marks the ids seen in a bitset over 0..d, lists them in order by
// scanning its words and gives each endpoint its local index as the number
// of set bits below it (a per-word prefix count plus one popcount). The
// bitset and the counts take d/8 + d/16 bytes, so for d up to a few million
// they stay in cache where a table of d int32 would not. Time O(k + d/64)
// for k rows; when d/64 exceeds 16k it calls Build instead. An id above d
// panics.
func (b *Builder) BuildDense(rows []int32, from, to []uint32, d int) *Graph {
	nw := d/64 + 1
	if nw > 16*len(rows) {
		return b.Build(rows, from, to)
	}
	g := &b.g
	g.ids = g.ids[:0]
	b.edges = b.edges[:0]
	set := slices.Grow(b.set[:0], nw)[:nw]
	b.set = set
	clear(set)
	for pos, r := range rows {
		u, v := from[r], to[r]
		if u == 0 || v == 0 || u == v {
			continue
		}
		set[u>>6] |= 1 << (u & 63)
		set[v>>6] |= 1 << (v & 63)
		b.edges = append(b.edges, edge{int32(u), int32(v), int32(pos), r})
	}
	rank := slices.Grow(b.rank[:0], nw)[:nw]
	b.rank = rank
	c := int32(0)
	for i, word := range set {
		rank[i] = c
		c += int32(bits.OnesCount64(word))
		for word != 0 {
			g.ids = append(g.ids, int64(i*64+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	for i := range b.edges {
		e := &b.edges[i]
		u, v := uint32(e.u), uint32(e.v)
		e.u = rank[u>>6] + int32(bits.OnesCount64(set[u>>6]&(1<<(u&63)-1)))
		e.v = rank[v>>6] + int32(bits.OnesCount64(set[v>>6]&(1<<(v&63)-1)))
	}
	return b.assemble()
}
