package graph

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
)

// build makes a graph from (seller, buyer) pairs; row i is pairs[i].
func build(pairs [][2]uint32) *Graph {
	from := make([]uint32, len(pairs))
	to := make([]uint32, len(pairs))
	rows := make([]int32, len(pairs))
	for i, p := range pairs {
		from[i], to[i], rows[i] = p[0], p[1], int32(i)
	}
	var b Builder
	return b.Build(rows, from, to).Clone()
}

func TestBuild(t *testing.T) {
	g := build([][2]uint32{
		{5, 9},  // row 0: arc 5→9
		{9, 5},  // row 1: arc 9→5
		{5, 9},  // row 2: second edge of 5→9
		{0, 9},  // row 3: unknown seller, not an edge
		{7, 7},  // row 4: self-trade, not an edge
		{9, 12}, // row 5: arc 9→12
	})
	if g.Len() != 3 || g.Arcs() != 3 || g.Edges() != 4 {
		t.Fatalf("got %d nodes, %d arcs, %d edges; want 3, 3, 4", g.Len(), g.Arcs(), g.Edges())
	}
	tests := []struct {
		u, v int64
		rows []int32 // nil: no arc
	}{
		{5, 9, []int32{0, 2}},
		{9, 5, []int32{1}},
		{9, 12, []int32{5}},
		{12, 9, nil},
		{5, 12, nil},
		{0, 9, nil},
		{7, 7, nil},
	}
	for _, tc := range tests {
		e := g.Edge(tc.u, tc.v)
		if tc.rows == nil {
			if e != nil || g.HasEdgeFromTo(tc.u, tc.v) {
				t.Errorf("Edge(%d,%d) = %v, want none", tc.u, tc.v, e)
			}
			continue
		}
		if e == nil {
			t.Errorf("Edge(%d,%d) missing", tc.u, tc.v)
			continue
		}
		if got := e.(Edge).Rows; !slices.Equal(got, tc.rows) {
			t.Errorf("Edge(%d,%d) rows %v, want %v", tc.u, tc.v, got, tc.rows)
		}
		if e.From().ID() != tc.u || e.To().ID() != tc.v || e.ReversedEdge().From().ID() != tc.v {
			t.Errorf("Edge(%d,%d) endpoints wrong: %v", tc.u, tc.v, e)
		}
	}
	if !g.HasEdgeBetween(12, 9) || g.HasEdgeBetween(5, 12) {
		t.Error("HasEdgeBetween wrong")
	}
	if got := ids(g.Nodes()); !slices.Equal(got, []int64{5, 9, 12}) {
		t.Errorf("Nodes = %v", got)
	}
	if got := ids(g.From(9)); !slices.Equal(got, []int64{5, 12}) {
		t.Errorf("From(9) = %v", got)
	}
	if got := ids(g.To(9)); !slices.Equal(got, []int64{5}) {
		t.Errorf("To(9) = %v", got)
	}
	if got := ids(g.To(5)); !slices.Equal(got, []int64{9}) {
		t.Errorf("To(5) = %v", got)
	}
	if g.From(12).Len() != 0 || g.Node(7) != nil || g.Node(12) == nil {
		t.Error("From(12), Node(7) or Node(12) wrong")
	}
	it := g.Nodes()
	if it.Len() != 3 {
		t.Errorf("Len before Next = %d", it.Len())
	}
	it.Next()
	if it.Len() != 2 {
		t.Errorf("Len after one Next = %d", it.Len())
	}
	it.Reset()
	if got := ids(it); len(got) != 3 {
		t.Errorf("after Reset: %v", got)
	}
}

func ids(it gg.Nodes) []int64 {
	var out []int64
	for it.Next() {
		out = append(out, it.Node().ID())
	}
	return out
}

// randomPairs returns m random edges over n nodes with sparse ids.
func randomPairs(rng *rand.Rand, n, m int) [][2]uint32 {
	idOf := make([]uint32, n)
	seen := map[uint32]bool{0: true}
	for i := range idOf {
		for {
			id := uint32(rng.IntN(1 << 20))
			if !seen[id] {
				seen[id] = true
				idOf[i] = id
				break
			}
		}
	}
	pairs := make([][2]uint32, m)
	for i := range pairs {
		pairs[i] = [2]uint32{idOf[rng.IntN(n)], idOf[rng.IntN(n)]}
	}
	return pairs
}

// canon turns components into a sorted list of sorted id lists.
func canon(cs [][]int64) []string {
	var out []string
	for _, c := range cs {
		slices.Sort(c)
		out = append(out, fmt.Sprint(c))
	}
	slices.Sort(out)
	return out
}

func gonumComponents(cs [][]gg.Node) []string {
	var out [][]int64
	for _, c := range cs {
		var ids []int64
		for _, n := range c {
			ids = append(ids, n.ID())
		}
		out = append(out, ids)
	}
	return canon(out)
}

func TestSCCAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ws Workspace
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(40)
		m := rng.IntN(3 * n)
		pairs := randomPairs(rng, n, m)
		g := build(pairs)
		sg := simple.NewDirectedGraph()
		for _, p := range pairs {
			if p[0] == p[1] {
				continue
			}
			for _, id := range p {
				if sg.Node(int64(id)) == nil {
					sg.AddNode(simple.Node(id))
				}
			}
			sg.SetEdge(sg.NewEdge(simple.Node(p[0]), simple.Node(p[1])))
		}
		want := gonumComponents(topo.TarjanSCC(sg))
		if got := gonumComponents(topo.TarjanSCC(g)); !slices.Equal(got, want) {
			t.Fatalf("trial %d: topo.TarjanSCC on Graph = %v, on simple = %v", trial, got, want)
		}
		comp, count := g.SCC(&ws)
		start, members := Members(comp, count)
		var mine [][]int64
		for c := 0; c < count; c++ {
			var ids []int64
			for _, u := range members[start[c]:start[c+1]] {
				ids = append(ids, g.ID(u))
			}
			mine = append(mine, ids)
		}
		if got := canon(mine); !slices.Equal(got, want) {
			t.Fatalf("trial %d: SCC = %v, gonum = %v", trial, got, want)
		}
	}
}

// allCycles enumerates cycles in every component with generous limits and
// returns them as canonical node-id strings.
func allCycles(t *testing.T, g *Graph, lim CycleLimits) ([]string, error) {
	comp, count := g.SCC(nil)
	start, members := Members(comp, count)
	var out []string
	for c := 0; c < count; c++ {
		m := members[start[c]:start[c+1]]
		if len(m) < 2 {
			continue
		}
		_, err := g.Cycles(comp, int32(c), m, lim, nil, func(arcs []int32) bool {
			var ids []int64
			for _, k := range arcs {
				ids = append(ids, g.ID(g.ArcFrom(k)))
			}
			out = append(out, fmt.Sprint(ids))
			return true
		})
		if err != nil {
			return out, err
		}
	}
	slices.Sort(out)
	return out, nil
}

func TestCyclesAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 150; trial++ {
		n := 2 + rng.IntN(9)
		pairs := randomPairs(rng, n, rng.IntN(3*n))
		g := build(pairs)
		maxLen := 2 + rng.IntN(5)
		got, err := allCycles(t, g, CycleLimits{MinLen: 2, MaxLen: maxLen})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range topo.DirectedCyclesIn(g) {
			// gonum repeats the first node at the end; rotate to the smallest.
			c = c[:len(c)-1]
			if len(c) > maxLen {
				continue
			}
			minI := 0
			for i := range c {
				if c[i].ID() < c[minI].ID() {
					minI = i
				}
			}
			var ids []int64
			for i := range c {
				ids = append(ids, c[(minI+i)%len(c)].ID())
			}
			want = append(want, fmt.Sprint(ids))
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (maxLen %d): got %v, want %v", trial, maxLen, got, want)
		}
	}
}

func TestCyclesTable(t *testing.T) {
	tests := []struct {
		name   string
		pairs  [][2]uint32
		lim    CycleLimits
		cycles []string
	}{
		{"triangle", [][2]uint32{{1, 2}, {2, 3}, {3, 1}}, CycleLimits{MinLen: 3, MaxLen: 6}, []string{"[1 2 3]"}},
		{"back and forth excluded", [][2]uint32{{1, 2}, {2, 1}}, CycleLimits{MinLen: 3, MaxLen: 6}, nil},
		{"back and forth included", [][2]uint32{{1, 2}, {2, 1}}, CycleLimits{MinLen: 2, MaxLen: 6}, []string{"[1 2]"}},
		{"square too long", [][2]uint32{{1, 2}, {2, 3}, {3, 4}, {4, 1}}, CycleLimits{MinLen: 2, MaxLen: 3}, nil},
		{"two rings share a node", [][2]uint32{{1, 2}, {2, 3}, {3, 1}, {1, 4}, {4, 5}, {5, 1}}, CycleLimits{MinLen: 3, MaxLen: 6}, []string{"[1 2 3]", "[1 4 5]"}},
		{"chain, no cycle", [][2]uint32{{1, 2}, {2, 3}, {3, 4}}, CycleLimits{MinLen: 2, MaxLen: 6}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := allCycles(t, build(tc.pairs), tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.cycles) {
				t.Errorf("got %v, want %v", got, tc.cycles)
			}
		})
	}
}

// complete returns the complete digraph on n nodes (ids 1..n).
func complete(n int) *Graph {
	var pairs [][2]uint32
	for i := 1; i <= n; i++ {
		for j := 1; j <= n; j++ {
			if i != j {
				pairs = append(pairs, [2]uint32{uint32(i), uint32(j)})
			}
		}
	}
	return build(pairs)
}

func TestCyclesBudgetOnDenseComponent(t *testing.T) {
	g := complete(30)
	comp, count := g.SCC(nil)
	if count != 1 {
		t.Fatalf("complete digraph has %d components", count)
	}
	start, members := Members(comp, count)
	const budget = 200_000
	found := 0
	steps, err := g.Cycles(comp, 0, members[start[0]:start[1]], CycleLimits{MinLen: 3, MaxLen: 6, Budget: budget}, nil,
		func([]int32) bool { found++; return true })
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("err = %v, want ErrBudget", err)
	}
	if steps > budget+1 {
		t.Errorf("steps = %d, over budget %d", steps, budget)
	}
	if found == 0 {
		t.Error("no cycles reported before truncation")
	}
}

func TestCyclesCancel(t *testing.T) {
	g := complete(30)
	comp, count := g.SCC(nil)
	start, members := Members(comp, count)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := g.Cycles(comp, 0, members[start[0]:start[1]], CycleLimits{MinLen: 3, MaxLen: 6, Budget: 1 << 40, Context: ctx}, nil,
		func([]int32) bool { return true })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestCyclesStop(t *testing.T) {
	g := complete(10)
	comp, count := g.SCC(nil)
	start, members := Members(comp, count)
	n := 0
	_, err := g.Cycles(comp, 0, members[start[0]:start[1]], CycleLimits{MinLen: 3, MaxLen: 6}, nil,
		func([]int32) bool { n++; return n < 5 })
	if err != nil || n != 5 {
		t.Fatalf("stopped after %d cycles, err %v; want 5, nil", n, err)
	}
}

func TestSliding(t *testing.T) {
	tests := []struct {
		name       string
		times      []int64
		width, hop int64
		want       []Span
	}{
		{"empty", nil, 10, 5, nil},
		{"one row", []int64{7}, 10, 5, []Span{{0, 1, 5}}},
		{"tumbling", []int64{0, 3, 10, 19, 20}, 10, 10, []Span{{0, 2, 0}, {2, 4, 10}, {4, 5, 20}}},
		{"sliding", []int64{0, 6, 12}, 10, 5, []Span{{0, 2, 0}, {1, 3, 5}}},
		{"gap skipped", []int64{0, 1000000, 1000001}, 10, 5, []Span{{0, 1, 0}, {1, 3, 1000000}}},
		{"negative times", []int64{-12, -3}, 10, 10, []Span{{0, 1, -20}, {1, 2, -10}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := make([]int32, len(tc.times))
			for i := range rows {
				rows[i] = int32(i)
			}
			got := Sliding(rows, tc.times, tc.width, tc.hop)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSlidingAll checks SlidingAll against every window [k·hop, k·hop+width)
// of a random row list, enumerated by brute force.
func TestSlidingAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	for _, c := range []struct{ width, hop int64 }{{1000, 500}, {1000, 1000}, {900, 250}} {
		times := make([]int64, 300)
		for i := range times {
			times[i] = int64(rng.IntN(60000)) - 20000
		}
		slices.Sort(times)
		rows := make([]int32, len(times))
		for i := range rows {
			rows[i] = int32(i)
		}
		var want []Span
		for k := int64(-100); k*c.hop < 50000; k++ {
			lo, hi := -1, -1
			for i, x := range times {
				if x >= k*c.hop && x < k*c.hop+c.width {
					if lo < 0 {
						lo = i
					}
					hi = i + 1
				}
			}
			if lo >= 0 {
				want = append(want, Span{lo, hi, k * c.hop})
			}
		}
		if got := SlidingAll(rows, times, c.width, c.hop); !slices.Equal(got, want) {
			t.Errorf("width %d hop %d: got %d windows, want %d", c.width, c.hop, len(got), len(want))
		}
		// The append forms keep what dst holds and add the same spans.
		head := []Span{{7, 7, 7}}
		if got := AppendSlidingAll(slices.Clone(head), rows, times, c.width, c.hop); !slices.Equal(got, append(slices.Clone(head), want...)) {
			t.Errorf("width %d hop %d: AppendSlidingAll differs", c.width, c.hop)
		}
		if got := AppendSliding(slices.Clone(head), rows, times, c.width, c.hop); !slices.Equal(got, append(slices.Clone(head), Sliding(rows, times, c.width, c.hop)...)) {
			t.Errorf("width %d hop %d: AppendSliding differs", c.width, c.hop)
		}
	}
}

func TestSlidingCoversShortGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	times := make([]int64, 500)
	for i := range times {
		times[i] = int64(rng.IntN(100000))
	}
	slices.Sort(times)
	rows := make([]int32, len(times))
	for i := range rows {
		rows[i] = int32(i)
	}
	const width, hop = 1000, 250
	spans := Sliding(rows, times, width, hop)
	for i := range times {
		for j := i; j < len(times) && times[j]-times[i] <= width-hop; j++ {
			ok := false
			for _, s := range spans {
				if s.Lo <= i && j < s.Hi {
					ok = true
					break
				}
			}
			if !ok {
				t.Fatalf("rows %d..%d (span %d) in no window", i, j, times[j]-times[i])
			}
		}
	}
}

func TestHuman(t *testing.T) {
	tests := []struct {
		sec  int64
		want string
	}{
		{-5, "0s"}, {0, "0s"}, {45, "45s"}, {600, "10m"}, {3600, "1h"}, {5 * 3600, "5h"},
		{86400, "1d"}, {86400 + 3600, "25h"}, {2 * 86400, "2d"}, {3*86400 + 5, "3d"}, {7 * 86400, "1w"},
	}
	for _, tc := range tests {
		if got := Human(tc.sec); got != tc.want {
			t.Errorf("Human(%d) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

// TestCyclesWorkspaceReuse checks that a search stopped by its budget or by
// emit leaves nothing in the workspace that changes a later search: random
// graphs searched on a workspace just used by a stopped search count the
// same steps and report the same cycles as on a fresh one.
func TestCyclesWorkspaceReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	search := func(g *Graph, ws *Workspace, budget int64) (int64, []string, error) {
		comp, count := g.SCC(nil)
		start, members := Members(comp, count)
		var steps int64
		var out []string
		for c := 0; c < count; c++ {
			m := members[start[c]:start[c+1]]
			if len(m) < 2 {
				continue
			}
			s, err := g.Cycles(comp, int32(c), m, CycleLimits{MinLen: 3, MaxLen: 6, Budget: budget}, ws, func(arcs []int32) bool {
				out = append(out, fmt.Sprint(arcs))
				return true
			})
			steps += s
			if err != nil && !errors.Is(err, ErrBudget) {
				return steps, out, err
			}
		}
		return steps, out, nil
	}
	used := new(Workspace)
	for trial := 0; trial < 200; trial++ {
		// A dense graph stopped early, on nodes 1..30 ...
		dense := complete(20 + rng.IntN(10))
		comp, count := dense.SCC(nil)
		start, members := Members(comp, count)
		if trial%2 == 0 {
			dense.Cycles(comp, 0, members[start[0]:start[1]], CycleLimits{MinLen: 3, MaxLen: 6, Budget: int64(50 + rng.IntN(5000))}, used,
				func([]int32) bool { return true })
		} else {
			stop := rng.IntN(20)
			dense.Cycles(comp, 0, members[start[0]:start[1]], CycleLimits{MinLen: 3, MaxLen: 6}, used,
				func([]int32) bool { stop--; return stop > 0 })
		}
		// ... then a sparse random graph, whose local nodes overlap.
		g := build(randomPairs(rng, 5+rng.IntN(40), 10+rng.IntN(120)))
		budget := int64(20 + rng.IntN(3000))
		s1, c1, err1 := search(g, new(Workspace), budget)
		s2, c2, err2 := search(g, used, budget)
		if s1 != s2 || !slices.Equal(c1, c2) || err1 != nil || err2 != nil {
			t.Fatalf("trial %d: fresh workspace %d steps %d cycles (%v), reused %d steps %d cycles (%v)",
				trial, s1, len(c1), err1, s2, len(c2), err2)
		}
	}
}
