package graph

// Workspace holds scratch buffers for [Graph.SCC] and [Graph.Cycles] so that
// repeated calls do not allocate. The zero value is ready to use; a
// Workspace is not safe for concurrent use.
type Workspace struct {
	comp, index, low, stack []int32
	onStack                 []bool
	frames                  []frame

	// cycles
	dist, queue, path, pathArcs []int32
	onPath                      []bool
}

type frame struct{ u, k int32 }

func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, n+n/4)
	}
	return s[:n]
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n, n+n/4)
	}
	s = s[:n]
	clear(s)
	return s
}

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
	if ws == nil {
		ws = new(Workspace)
	}
	n := g.Len()
	ws.comp = grow32(ws.comp, n)
	ws.index = grow32(ws.index, n)
	ws.low = grow32(ws.low, n)
	ws.onStack = growBool(ws.onStack, n)
	for i := range ws.index {
		ws.index[i] = -1
	}
	comp, index, low, onStack := ws.comp, ws.index, ws.low, ws.onStack
	stack := ws.stack[:0]
	frames := ws.frames[:0]
	var next int32
	for s := int32(0); s < int32(n); s++ {
		if index[s] >= 0 {
			continue
		}
		index[s], low[s] = next, next
		next++
		stack = append(stack, s)
		onStack[s] = true
		frames = append(frames, frame{s, g.outStart[s]})
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			u := f.u
			if f.k < g.outStart[u+1] {
				w := g.arcTo[f.k]
				f.k++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					frames = append(frames, frame{w, g.outStart[w]})
				} else if onStack[w] && index[w] < low[u] {
					low[u] = index[w]
				}
				continue
			}
			frames = frames[:len(frames)-1]
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
			if len(frames) > 0 {
				p := frames[len(frames)-1].u
				if low[u] < low[p] {
					low[p] = low[u]
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
	start = resize(start, count+1)
	clear(start)
	for _, c := range comp {
		start[c+1]++
	}
	for c := 0; c < count; c++ {
		start[c+1] += start[c]
	}
	members = resize(members, len(comp))
	for u, c := range comp {
		members[start[c]] = int32(u)
		start[c]++
	}
	// start[c] is now the end of c: shift back.
	copy(start[1:], start[:count])
	start[0] = 0
	return start, members
}
