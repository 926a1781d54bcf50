package graph

import (
	"math"
	"slices"
)

// Workspace holds scratch buffers for [Graph.SCC] and [Graph.Cycles] so that
// repeated calls do not allocate. The zero value is ready to use; a
// Workspace is not safe for concurrent use.
type Workspace struct {
	comp, stack []int32
	links       []link // SCC: index and low link per node
	frames      []frame

	// cycles
	dist, queue, path, pathArcs []int32
	onPath                      []bool
}

type frame struct{ u, k int32 }

// link is a node's Tarjan index and low link (-1: not reached yet).
type link struct{ index, low int32 }

// SCC returns the strongly connected component of every local node and the
// number of components, by Tarjan's algorithm run iteratively (no recursion,
// so deep graphs cannot overflow the stack). Components are numbered in the
// order Tarjan completes them, which is a reverse topological order of the
// condensation; for a given graph the numbering is deterministic. The
// returned slice belongs to ws (nil ws allocates) and is valid until ws is
// used again. Time O(V + A) for V nodes and A arcs.
//
// It yields the same partition as gonum's topo.TarjanSCC on g.
func (g *Graph) SCC(ws *Workspace) (comp []int32, count int) {
	return SCCOf(g.outStart, g.arcTo, ws)
}

// SCCOf is [Graph.SCC] of the graph in CSR form whose node u (0 ≤ u <
// len(outStart)−1) has arcs to to[outStart[u]:outStart[u+1]]; targets may
// repeat (a multigraph), which changes neither the components nor their
// numbering's determinism. Callers that only need the components of a graph
// build this form with one counting sort, much cheaper than a [Graph].
// Time O(V + A).
//
// Two shortcuts leave the numbering exactly Tarjan's: a node is finished by
// giving its index and low link the largest int32 instead of an on-stack
// flag (a finished node then never lowers a low link, which is Tarjan's
// on-stack test), and a newly reached node without out-arcs is numbered as
// its own component at once instead of being pushed and popped (Tarjan
// would complete it, alone, right away). Index and low link share one
// 8-byte entry per node.
func SCCOf(outStart, to []int32, ws *Workspace) (comp []int32, count int) {
	if ws == nil {
		ws = new(Workspace)
	}
	const done = math.MaxInt32
	n := max(len(outStart)-1, 0)
	ws.comp = slices.Grow(ws.comp[:0], n)[:n]
	if cap(ws.links) < n {
		ws.links = make([]link, n, n+n/4)
	}
	links := ws.links[:n]
	for i := range links {
		links[i].index = -1
	}
	comp = ws.comp
	stack := ws.stack[:0]
	frames := ws.frames[:0]
	var next int32
	for s := int32(0); s < int32(n); s++ {
		if links[s].index >= 0 {
			continue
		}
		if outStart[s] == outStart[s+1] { // no out-arcs: alone
			links[s] = link{done, done}
			next++
			comp[s] = int32(count)
			count++
			continue
		}
		links[s] = link{next, next}
		next++
		stack = append(stack, s)
		frames = append(frames, frame{s, outStart[s]})
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			u := f.u
			if f.k < outStart[u+1] {
				w := to[f.k]
				f.k++
				lw := &links[w]
				if lw.index < 0 {
					if outStart[w] == outStart[w+1] {
						*lw = link{done, done}
						next++
						comp[w] = int32(count)
						count++
						continue
					}
					*lw = link{next, next}
					next++
					stack = append(stack, w)
					frames = append(frames, frame{w, outStart[w]})
				} else if lw.index < links[u].low {
					links[u].low = lw.index
				}
				continue
			}
			frames = frames[:len(frames)-1]
			lu := links[u]
			if lu.low == lu.index {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					links[w] = link{done, done}
					comp[w] = int32(count)
					if w == u {
						break
					}
				}
				count++
			} else if len(frames) > 0 {
				if p := &links[frames[len(frames)-1].u]; lu.low < p.low {
					p.low = lu.low
				}
			}
		}
	}
	ws.stack, ws.frames = stack, frames
	return comp, count
}

// Members groups nodes by component: the local nodes of component c, in
// increasing order, are members[start[c]:start[c+1]]. Time O(V + count).
func Members(comp []int32, count int) (start, members []int32) {
	return MembersInto(comp, count, nil, nil)
}

// MembersInto is [Members] reusing the buffers start and members (grown
// when too short); callers that group many graphs keep them across calls.
func MembersInto(comp []int32, count int, start, members []int32) ([]int32, []int32) {
	start = slices.Grow(start[:0], count+1)[:count+1]
	clear(start)
	for _, c := range comp {
		start[c+1]++
	}
	for c := 0; c < count; c++ {
		start[c+1] += start[c]
	}
	members = slices.Grow(members[:0], len(comp))[:len(comp)]
	for u, c := range comp {
		members[start[c]] = int32(u)
		start[c]++
	}
	// start[c] is now the end of c: shift back.
	copy(start[1:], start[:count])
	start[0] = 0
	return start, members
}
