package graph

import (
	"context"
	"errors"
	"slices"
)

// ErrBudget is returned by [Graph.Cycles] when it stopped because the work
// budget ran out; the cycles reported until then are valid.
var ErrBudget = errors.New("cycle enumeration: work budget exhausted")

// CycleLimits bound [Graph.Cycles].
type CycleLimits struct {
	// MinLen and MaxLen bound the number of arcs of a reported cycle
	// (MinLen ≥ 2; MaxLen ≥ MinLen).
	MinLen, MaxLen int
	// Budget is the number of arc inspections allowed; ≤ 0 means 1<<20.
	Budget int64
	// Context, when non-nil, is checked every 4096 steps.
	Context context.Context
}

// Cycles enumerates the elementary cycles of g whose nodes all lie in
// component c of comp (as returned by [Graph.SCC]) and whose length in arcs
// is in [MinLen, MaxLen]. members are the component's local nodes in
// increasing order. Each cycle is reported once, as its arcs starting at its
// smallest node: emit receives the arc indices (valid only during the call)
// and returns false to stop the enumeration.
//
// The search is Johnson's scheme (cycles rooted at their smallest node,
// searching only larger nodes) with his blocking replaced by a distance
// bound, which is what makes a length limit correct: before searching from
// root s, a reverse breadth-first search from s gives dist(v) = the fewest
// arcs from v back to s, and a path of d arcs ending at v is extended only if
// d + dist(v) ≤ MaxLen. Every step is counted; the enumeration stops with
// [ErrBudget] after Budget steps and with the context's error when it is
// cancelled. Time O(Budget) at most; for a component of V nodes and A arcs,
// O(V·A) plus O(A) per path explored.
func (g *Graph) Cycles(comp []int32, c int32, members []int32, lim CycleLimits, ws *Workspace, emit func(arcs []int32) bool) (steps int64, err error) {
	if ws == nil {
		ws = new(Workspace)
	}
	minLen, maxLen := max(lim.MinLen, 2), lim.MaxLen
	if maxLen < minLen {
		return 0, nil
	}
	budget := lim.Budget
	if budget <= 0 {
		budget = 1 << 20
	}
	n := g.Len()
	ws.dist = slices.Grow(ws.dist[:0], n)[:n]
	for _, v := range members {
		ws.dist[v] = -1
	}
	ws.onPath = slices.Grow(ws.onPath[:0], n)[:n]
	clear(ws.onPath)
	dist, onPath := ws.dist, ws.onPath
	tick := func() error {
		steps++
		if steps > budget {
			return ErrBudget
		}
		if steps&4095 == 0 && lim.Context != nil {
			return lim.Context.Err()
		}
		return nil
	}
	// Every return leaves dist at -1 on the nodes it set, so a stopped
	// search (budget, context, emit) never leaks state into the next call
	// on this workspace: what a search finds depends only on its input.
	var queue []int32
	defer func() {
		for _, v := range queue {
			dist[v] = -1
		}
	}()
	for _, s := range members {
		// Reverse BFS from s over nodes > s of the component.
		queue = append(ws.queue[:0], s)
		dist[s] = 0
		for qi := 0; qi < len(queue); qi++ {
			v := queue[qi]
			if int(dist[v]) >= maxLen-1 {
				continue
			}
			for _, k := range g.In(v) {
				if err := tick(); err != nil {
					return steps, err
				}
				u := g.arcFrom[k]
				if u > s && comp[u] == c && dist[u] < 0 {
					dist[u] = dist[v] + 1
					queue = append(queue, u)
				}
			}
		}
		ws.queue = queue
		if len(queue) > 1 {
			// Depth-first search of simple paths from s.
			path := append(ws.path[:0], s)
			arcs := ws.pathArcs[:0]
			frames := append(ws.frames[:0], frame{s, g.outStart[s]})
			onPath[s] = true
			for len(frames) > 0 {
				f := &frames[len(frames)-1]
				u := f.u
				if f.k >= g.outStart[u+1] {
					frames = frames[:len(frames)-1]
					onPath[u] = false
					path = path[:len(path)-1]
					if len(arcs) > 0 {
						arcs = arcs[:len(arcs)-1]
					}
					continue
				}
				k := f.k
				f.k++
				if err := tick(); err != nil {
					onPathReset(onPath, path)
					return steps, err
				}
				w := g.arcTo[k]
				d := len(arcs) + 1 // arcs on the path once k is taken
				if w == s {
					if d >= minLen {
						if !emit(append(arcs, k)) {
							onPathReset(onPath, path)
							ws.path, ws.pathArcs, ws.frames = path, arcs, frames
							return steps, nil
						}
					}
					continue
				}
				if w < s || comp[w] != c || onPath[w] || dist[w] < 0 || d+int(dist[w]) > maxLen {
					continue
				}
				onPath[w] = true
				path = append(path, w)
				arcs = append(arcs, k)
				frames = append(frames, frame{w, g.outStart[w]})
			}
			ws.path, ws.pathArcs, ws.frames = path, arcs, frames
		}
		for _, v := range queue {
			dist[v] = -1
		}
		queue = queue[:0]
	}
	return steps, nil
}

func onPathReset(onPath []bool, path []int32) {
	for _, v := range path {
		onPath[v] = false
	}
}
