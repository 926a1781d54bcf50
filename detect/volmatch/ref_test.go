package volmatch

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// The reference is the plain scan the layout-based scan replaces: groups by
// a map in order of first trade, every window's graph built from the
// table's columns by row, no renumbering. TestScanMatchesReference compares
// the two.

// refItem is one window of one token or collection.
type refItem struct {
	rows     []int32 // canonical order
	width    int64
	start    int64
	fungible bool
}

// refScanLevels is the former run: the widths longest first, nested widths
// testing only the rows their enclosing width found inside a component,
// items scanned one after the other.
func refScanLevels(f *features.Set, cfg config, activity *graph.ActivityTable, widths []int64, seller, buyer []uint32, report func(int32, float64, string)) {
	groups := refGroupsOf(f, seller, buyer)
	levels := slices.Clone(widths)
	slices.SortStableFunc(levels, func(a, b int64) int { return cmp.Compare(b, a) })
	type kept struct {
		width int64
		keep  []bool
	}
	var done []kept
	for li, w := range levels {
		var parent []bool
		for j := len(done) - 1; j >= 0; j-- {
			if done[j].keep != nil && done[j].width%w == 0 {
				parent = done[j].keep
				break
			}
		}
		needed := false
		for _, w2 := range levels[li+1:] {
			if w%w2 == 0 {
				needed = true
			}
		}
		var keep []bool
		if needed {
			keep = make([]bool, len(f.T.Time))
		}
		s := &refScanner{report: report, f: f, activity: activity, cfg: cfg, seller: seller, buyer: buyer, keep: keep}
		for _, it := range refLevelItems(f.T.Time, groups, w, parent) {
			s.scan(it)
		}
		done = append(done, kept{w, keep})
	}
}

// group is the rows of one token or collection, in canonical order.
type refGroup struct {
	rows     []int32
	fungible bool
}

// groupsOf returns the rows of every ERC-20 token and NFT collection with
// two or more trades between distinct wallets, in order of first trade.
func refGroupsOf(f *features.Set, seller, buyer []uint32) []refGroup {
	t := f.T
	idx := make(map[[2]uint32]int) // (contract, fungible) → group
	var out []refGroup
	for _, r := range f.Order {
		if seller[r] == features.NoWallet || buyer[r] == features.NoWallet || seller[r] == buyer[r] {
			continue
		}
		fung := uint32(0)
		if t.Standard[r] == datasets.ERC20 {
			fung = 1
		}
		k := [2]uint32{f.Contract[r], fung}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, refGroup{fungible: fung == 1})
		}
		out[i].rows = append(out[i].rows, r)
	}
	return out
}

// levelItems returns the tumbling windows of width w of every group, only
// rows with parent[r] set when parent is not nil, largest first.
func refLevelItems(time []int64, groups []refGroup, w int64, parent []bool) []refItem {
	var items []refItem
	var buf []int32
	for _, g := range groups {
		if len(g.rows) < 2 {
			continue
		}
		rows := g.rows
		if parent != nil {
			lo := len(buf)
			for _, r := range rows {
				if parent[r] {
					buf = append(buf, r)
				}
			}
			rows = buf[lo:len(buf):len(buf)]
			if len(rows) < 2 {
				continue
			}
		}
		for _, sp := range graph.Sliding(rows, time, w, w) {
			if sp.Hi-sp.Lo >= 2 {
				items = append(items, refItem{rows[sp.Lo:sp.Hi], w, sp.Start, g.fungible})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b refItem) int { return cmp.Compare(len(b.rows), len(a.rows)) })
	return items
}

type refScanner struct {
	report   func(int32, float64, string)
	f        *features.Set
	activity *graph.ActivityTable
	cfg      config
	b        graph.Builder
	ws       graph.Workspace
	// seller and buyer are the wallet columns with fungible hubs removed.
	seller, buyer []uint32

	// keep, if not nil, marks the rows whose arcs lie inside a component.
	keep []bool

	net    []float64
	gross  []float64
	alive  []bool
	deg    []int32
	arcAmt []float64
}

// scan tests one window.
func (s *refScanner) scan(it refItem) {
	t := s.f.T
	g := s.b.Build(it.rows, s.seller, s.buyer)
	if g.Arcs() < 2 {
		return
	}
	comp, count := g.SCC(&s.ws)
	start, members := graph.Members(comp, count)
	na := g.Arcs()
	s.arcAmt = slices.Grow(s.arcAmt[:0], na)[:na]
	for k := int32(0); k < int32(na); k++ {
		var a float64
		for _, r := range g.ArcRows(k) {
			a += t.Amount[r]
		}
		s.arcAmt[k] = a
	}
	n := g.Len()
	s.net = slices.Grow(s.net[:0], n)[:n]
	s.gross = slices.Grow(s.gross[:0], n)[:n]
	s.alive = slices.Grow(s.alive[:0], n)[:n]
	s.deg = slices.Grow(s.deg[:0], n)[:n]
	for c := 0; c < count; c++ {
		m := members[start[c]:start[c+1]]
		if len(m) < 2 {
			continue
		}
		if s.keep != nil {
			for _, u := range m {
				lo, hi := g.Out(u)
				for k := lo; k < hi; k++ {
					if comp[g.ArcTo(k)] == int32(c) {
						for _, r := range g.ArcRows(k) {
							s.keep[r] = true
						}
					}
				}
			}
		}
		s.component(it, g, comp, int32(c), m)
	}
}

// internal reports whether arc k lies inside the live set of component c.
func (s *refScanner) internal(g *graph.Graph, comp []int32, c int32, k int32) bool {
	u, v := g.ArcFrom(k), g.ArcTo(k)
	return comp[u] == c && comp[v] == c && s.alive[u] && s.alive[v]
}

func (s *refScanner) component(it refItem, g *graph.Graph, comp []int32, c int32, m []int32) {
	var total float64
	var trades int
	for _, u := range m {
		s.alive[u] = true
		s.net[u] = 0
		s.gross[u] = 0
		s.deg[u] = 0
	}
	for _, u := range m {
		lo, hi := g.Out(u)
		for k := lo; k < hi; k++ {
			if !s.internal(g, comp, c, k) {
				continue
			}
			v := g.ArcTo(k)
			s.net[u] -= s.arcAmt[k]
			s.net[v] += s.arcAmt[k]
			s.gross[u] += s.arcAmt[k]
			s.gross[v] += s.arcAmt[k]
			s.deg[u]++
			s.deg[v]++
			total += s.arcAmt[k]
			trades += len(g.ArcRows(k))
		}
	}
	live := len(m)
	peel := len(m) <= s.cfg.maxComp
	for live >= 2 && trades >= 2 {
		mean := total / float64(trades)
		limit := s.cfg.margin * mean
		// imb is the largest |net|; worst the wallet with the largest
		// imbalance relative to its traded amount (a ring member with a
		// small side trade stays, a wallet passing through goes first).
		worst, imb, rel := int32(-1), -1.0, -1.0
		for _, u := range m {
			if !s.alive[u] {
				continue
			}
			a := math.Abs(s.net[u])
			imb = max(imb, a)
			if a > limit {
				if r := a / max(s.gross[u], 1e-300); r > rel {
					worst, rel = u, r
				}
			}
		}
		if imb <= limit*(1+1e-9)+1e-12 {
			s.flag(it, g, comp, c, m, live, trades, total, imb, mean)
			return
		}
		if !peel {
			return
		}
		// Remove worst and every wallet left without trades in the set.
		queue := []int32{worst}
		for len(queue) > 0 {
			u := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if !s.alive[u] {
				continue
			}
			drop := func(k int32, other int32, sign float64) {
				if !s.internal(g, comp, c, k) {
					return
				}
				s.net[other] += sign * s.arcAmt[k]
				s.gross[other] -= s.arcAmt[k]
				total -= s.arcAmt[k]
				trades -= len(g.ArcRows(k))
				s.deg[other]--
				if s.deg[other] == 0 {
					queue = append(queue, other)
				}
			}
			lo, hi := g.Out(u)
			for k := lo; k < hi; k++ {
				drop(k, g.ArcTo(k), -1) // other no longer received it
			}
			for _, k := range g.In(u) {
				drop(k, g.ArcFrom(k), +1) // other no longer sold it
			}
			s.alive[u] = false
			live--
		}
	}
}

func (s *refScanner) flag(it refItem, g *graph.Graph, comp []int32, c int32, m []int32, live, trades int, total, imb, mean float64) {
	t := s.f.T
	// The chance share over the window, from the activity table (checked
	// against a plain scan in package graph).
	var ws []uint32
	var inside []int32
	for _, u := range m {
		if !s.alive[u] {
			continue
		}
		n := 0
		arcs := slices.Clone(g.In(u))
		for lo, hi := g.Out(u); lo < hi; lo++ {
			arcs = append(arcs, lo)
		}
		for _, k := range arcs {
			if s.internal(g, comp, c, k) {
				n += len(g.ArcRows(k))
			}
		}
		ws = append(ws, uint32(g.ID(u)))
		inside = append(inside, int32(n))
	}
	conc := s.activity.Share(ws, inside, it.start, it.start+it.width)
	tight := 1.0
	if lim := s.cfg.margin * mean; lim > 0 {
		tight = 1 - imb/lim
	}
	strength := min(1, conc/0.5) * (0.6 + 0.25*(1-1/math.Sqrt(float64(trades))) + 0.15*max(0, min(1, tight)))
	volume := total
	if !it.fungible {
		volume = 0
		for _, u := range m {
			if !s.alive[u] {
				continue
			}
			lo, hi := g.Out(u)
			for k := lo; k < hi; k++ {
				if s.internal(g, comp, c, k) {
					for _, r := range g.ArcRows(k) {
						volume += t.Price[r]
					}
				}
			}
		}
	}
	pct := 0.0
	if mean > 0 {
		pct = imb / mean * 100
	}
	ev := fmt.Sprintf("%d wallets, %d trades, volume %s matched within %s%% in %s window from %s; %d wallets, %d%% of their %s-window trades inside the set",
		live, trades, strconv.FormatFloat(math.Round(volume*1e6)/1e6, 'f', -1, 64), strconv.FormatFloat(pct, 'f', 1, 64),
		graph.Human(it.width), time.Unix(it.start, 0).UTC().Format(time.RFC3339), live, int64(math.Round(conc*100)), graph.Human(it.width))
	for _, u := range m {
		if !s.alive[u] {
			continue
		}
		lo, hi := g.Out(u)
		for k := lo; k < hi; k++ {
			if s.internal(g, comp, c, k) {
				for _, r := range g.ArcRows(k) {
					s.report(r, strength, ev)
				}
			}
		}
	}
}

// TestScanMatchesReference runs the layout-based scan and the reference on
// seeded synthetic markets with several widths, margins and component
// limits (nested and non-nested widths, peeling and whole-component tests)
// and requires the same findings: rows, strength bits and evidence.
func TestScanMatchesReference(t *testing.T) {
	type params struct {
		widths []int64
		cfg    config
	}
	ps := []params{
		{[]int64{3600, 86400, 7 * 86400}, config{margin: 0.01, maxComp: 1000}},
		{[]int64{2 * 3600, 5 * 3600, 86400}, config{margin: 0.05, maxComp: 1000}}, // 5h nests in neither
		{[]int64{86400, 30 * 86400}, config{margin: 0.2, maxComp: 4}},
		{[]int64{600}, config{margin: 0.5, maxComp: 2}},
		{[]int64{7 * 86400, 3600}, config{margin: 0, maxComp: 1000}},
	}
	for _, seed := range []uint64{1, 2, 3} {
		tr := graphtest.Market(graphtest.MarketConfig{Seed: seed, Trades: 20000})
		fs := features.Compute(tr)
		in := &detect.Input{Features: fs}
		res, err := detect.Run(context.Background(), in, []*detect.Detector{hubs.Detector, graph.Activity}, nil)
		if err != nil {
			t.Fatal(err)
		}
		activity := res.ResultOf[graph.Activity].(*graph.ActivityTable)
		cols := [][2][]uint32{{fs.Seller, fs.Buyer}}
		seller, buyer := res.ResultOf[hubs.Detector].(*hubs.Table).Columns(fs)
		cols = append(cols, [2][]uint32{seller, buyer})
		for pi, p := range ps {
			for ci, col := range cols {
				var want, got graphtest.Findings
				var mu sync.Mutex
				refScanLevels(fs, p.cfg, activity, p.widths, col[0], col[1], want.Add)
				pass := &detect.Pass{Detector: Detector, Input: in, Context: context.Background()}
				if err := scanLevels(pass, p.cfg, activity, p.widths, col[0], col[1], func(r int32, st float64, ev string) {
					mu.Lock()
					got.Add(r, st, ev)
					mu.Unlock()
				}); err != nil {
					t.Fatal(err)
				}
				if want.Len() == 0 {
					t.Errorf("seed %d params %d columns %d: reference found nothing", seed, pi, ci)
				}
				if !got.Equal(&want) {
					t.Errorf("seed %d params %d columns %d: %d findings, reference %d (or they differ)", seed, pi, ci, got.Len(), want.Len())
				}
			}
		}
	}
}
