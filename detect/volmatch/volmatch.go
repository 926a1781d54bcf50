package volmatch

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var (
	paramWindowShort  = &detect.Param{Name: "window_short", Kind: detect.Duration, Default: "1h", Doc: "shortest tumbling window (0 disables)"}
	paramWindowMid    = &detect.Param{Name: "window_mid", Kind: detect.Duration, Default: "1d", Doc: "middle tumbling window (0 disables)"}
	paramWindowLong   = &detect.Param{Name: "window_long", Kind: detect.Duration, Default: "1w", Doc: "longest tumbling window (0 disables)"}
	paramMargin       = &detect.Param{Name: "margin", Kind: detect.Number, Default: "0.01", Max: 1, Doc: "allowed net position per wallet, as a fraction of the mean trade amount"}
	paramMaxComponent = &detect.Param{Name: "max_component", Kind: detect.Int, Default: "1000", Min: 2, Doc: "largest component (wallets) searched for a matching subset; larger ones are tested whole"}
)

// Detector flags trades of wallet groups whose net positions cancel out
// within a time window.
var Detector = &detect.Detector{
	Name: "volume_matching",
	Doc: `position-neutral trading (Victor & Weintraud 2021)

Per ERC-20 token and per NFT collection, in tumbling windows of
window_short, window_mid and window_long: within each strongly connected
component of the seller→buyer graph, the largest set of ≥ 2 wallets (found by
removing the most unbalanced wallet until the rest balance) whose net
positions all stay within margin × the mean trade amount. Flags its trades,
with strength scaled by min(1, 2c), c the share of the set's wallets' trades
in the window (every asset) that are inside the set.`,
	Requires:  []*detect.Detector{hubs.Detector},
	Params:    []*detect.Param{paramWindowShort, paramWindowMid, paramWindowLong, paramMargin, paramMaxComponent},
	Exclusive: true, // scratch of 45–70 bytes a trade (BENCHMARKS.md "detect (session 8)")
	Run:       run,
	// Tumbling windows on a fixed grid (multiples of each width from the
	// epoch): a row's component, and the activity its chance factor reads,
	// lie in its windows, the longest width from it.
	Reach: func(p detect.ParamReader) (int64, bool) {
		return max(p.Duration(paramWindowShort), p.Duration(paramWindowMid), p.Duration(paramWindowLong)), true
	},
}

type config struct {
	margin  float64
	maxComp int
}

// item is one tumbling window of one group: positions (increasing) of the
// layout, base[lo:hi] of its level's position list (24 bytes an item).
type item struct {
	lo, hi int32
	start  int64
	group  int32 // index in layout.groups
}

func run(pass *detect.Pass) (any, error) {
	f := pass.Features
	cfg := config{margin: max(pass.Float(paramMargin), 0), maxComp: max(pass.Int(paramMaxComponent), 2)}
	activity := graph.ActivityOf(pass)
	var widths []int64
	for _, q := range []*detect.Param{paramWindowShort, paramWindowMid, paramWindowLong} {
		if w := pass.Duration(q); w > 0 {
			widths = append(widths, w)
		}
	}
	tbl, _ := pass.ResultOf[hubs.Detector].(*hubs.Table)
	return nil, scanLevels(pass, cfg, activity, widths, tbl.Parties(f), pass.Report)
}

// scanLevels tests the tumbling windows of every width over the wallets
// parties, reporting the rows of matching sets through
// report (called from several goroutines).
func scanLevels(pass *detect.Pass, cfg config, activity *graph.ActivityTable, widths []int64, parties hubs.Parties, report func(int32, float64, string)) error {
	if len(widths) == 0 {
		return pass.Context.Err()
	}
	lay, err := newLayout(pass, parties)
	if err != nil {
		return err
	}
	// The widths run longest first. A tumbling window of width w lies
	// inside one window of every width that is a multiple of w (all are
	// aligned to the epoch), so its graph is a subgraph of that window's:
	// a trade whose arc is not inside a strongly connected component of
	// the larger window is not inside one of the smaller window either,
	// and dropping such trades changes neither the components nor the
	// arcs inside them. Each width keeps, per position, whether its arc
	// was inside a component, and the next nested width tests only those.
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
		// needed reports whether a later width nests in this one.
		needed := false
		for _, w2 := range levels[li+1:] {
			if w%w2 == 0 {
				needed = true
			}
		}
		var keep []bool
		if needed {
			keep = make([]bool, len(lay.rows))
		}
		base, items := levelItems(lay, pass.Features.T.Time, w, parent)
		if err := scanAll(pass, items, keep, func() *scanner {
			return &scanner{pass: pass, report: report, f: pass.Features, activity: activity, cfg: cfg, lay: lay, base: base, width: w, human: graph.Human(w)}
		}); err != nil {
			return err
		}
		done = append(done, kept{w, keep})
	}
	return pass.Context.Err()
}

// scanAll scans items on every core, marking in keep (if not nil) the
// positions whose arcs lie inside a component.
func scanAll(pass *detect.Pass, items []item, keep []bool, newScanner func() *scanner) error {
	return detect.ParallelEach(pass.Context, items, func() func(item) {
		s := newScanner()
		s.keep = keep
		return s.scan
	})
}

// layout holds the rows the windows are cut from, group by group: every
// ERC-20 token and NFT collection (contract, and whether the row is ERC-20)
// with two or more trades between distinct known wallets is a contiguous
// range of positions, its rows in canonical order. Wallets are renumbered
// per group to local ids 1..D in increasing wallet id, so a window's graph
// built from positions has the same nodes, arcs and row orders as the graph
// of its rows built from the table's columns; windows then read contiguous
// arrays and small ids instead of rows scattered across the table and
// wallet ids over the whole address space. Times are not copied (8 bytes
// a position less): the windows are cut once per width from the table's
// time column, through the rows.
type layout struct {
	rows     []int32  // position → row
	from, to []uint32 // position → local wallet id
	groups   []lgroup
}

// lgroup is one group of a layout.
type lgroup struct {
	lo, hi   int32    // positions
	ids      []uint32 // local id − 1 → wallet id
	fungible bool
}

// newLayout lays out the groups: a counting sort on the group key over the
// rows in canonical order (reading the table's columns in that order and
// writing one stream per group), then per group, on every core, the wallet
// renumbering. Time O(rows + contracts) plus O(n log D) per group of n rows
// and D wallets (O(n + D) when graph.SortDistinct applies).
func newLayout(pass *detect.Pass, parties hubs.Parties) (*layout, error) {
	f := pass.Features
	t := f.T
	// key[i] is 2·contract + fungible of the i-th row in canonical order,
	// or -1 when the row has no trade between two distinct known wallets.
	key := make([]int32, len(f.Order))
	maxKey := int32(-1)
	for i, r := range f.Order {
		if s, b := parties.At(r); s == features.NoWallet || b == features.NoWallet || s == b {
			key[i] = -1
			continue
		}
		k := int32(f.Contract[r]) * 2
		if t.Standard[r] == datasets.ERC20 {
			k++
		}
		key[i] = k
		maxKey = max(maxKey, k)
	}
	end := make([]int32, int(maxKey)+2) // rows of key k: positions end[k]:end[k+1]
	for _, k := range key {
		if k >= 0 {
			end[k+1]++
		}
	}
	for k := 1; k < len(end); k++ {
		end[k] += end[k-1]
	}
	n := int(end[len(end)-1])
	lay := &layout{rows: make([]int32, n), from: make([]uint32, n), to: make([]uint32, n)}
	for i, k := range key {
		if k >= 0 {
			r := f.Order[i]
			p := end[k]
			end[k]++
			s, b := parties.At(r)
			lay.rows[p], lay.from[p], lay.to[p] = r, s, b
		}
	}
	// end[k] is now the end of key k's positions and the start of k+1's.
	lo := int32(0)
	for k := 0; k+1 < len(end); k++ {
		if end[k]-lo >= 2 {
			lay.groups = append(lay.groups, lgroup{lo: lo, hi: end[k], fungible: k%2 == 1})
		}
		lo = end[k]
	}
	err := graph.RenumberRanges(pass.Context, lay.from, lay.to, t.Addrs.Len()+1, len(lay.groups),
		func(i int) (int32, int32) { return lay.groups[i].lo, lay.groups[i].hi },
		func(i int, ids []uint32) { lay.groups[i].ids = ids })
	return lay, err
}

// levelItems returns the tumbling windows of width w of every group of the
// layout, only positions p with parent[p] set when parent is not nil,
// largest first, and the position list base their ranges index: the
// parent's positions, or nil for every position (an item's range is then
// its positions themselves). time is the table's time column. Time
// O(positions + windows log windows).
func levelItems(lay *layout, time []int64, w int64, parent []bool) (base []int32, items []item) {
	if parent != nil {
		for _, g := range lay.groups {
			for p := g.lo; p < g.hi; p++ {
				if parent[p] {
					base = append(base, p)
				}
			}
		}
	}
	var spans []graph.Span
	var scratch []int32 // the rows of a group's positions in base
	lo := 0             // base[lo:] are the positions from group gi's on
	for gi, g := range lay.groups {
		// The rows of the group's positions, in position order: span k of
		// the rows is span k of the positions. A view of lay.rows when
		// every position counts, else gathered into scratch.
		var rows []int32
		var off int32
		if parent == nil {
			rows, off = lay.rows[g.lo:g.hi], g.lo
		} else {
			for lo < len(base) && base[lo] < g.lo { // rows of no group
				lo++
			}
			hi := lo
			scratch = scratch[:0]
			for hi < len(base) && base[hi] < g.hi {
				scratch = append(scratch, lay.rows[base[hi]])
				hi++
			}
			rows, off = scratch, int32(lo)
			lo = hi
		}
		if len(rows) < 2 {
			continue
		}
		spans = graph.AppendSliding(spans[:0], rows, time, w, w)
		for _, sp := range spans {
			if sp.Hi-sp.Lo >= 2 {
				items = append(items, item{off + int32(sp.Lo), off + int32(sp.Hi), sp.Start, int32(gi)})
			}
		}
	}
	// Largest first, for the balance of the workers; the order does not
	// change the findings.
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(b.hi-b.lo, a.hi-a.lo) })
	return base, items
}

// positions returns item it's positions (increasing).
func (s *scanner) positions(it item) []int32 {
	if s.base != nil {
		return s.base[it.lo:it.hi]
	}
	s.ident = s.ident[:0]
	for p := it.lo; p < it.hi; p++ {
		s.ident = append(s.ident, p)
	}
	return s.ident
}

type scanner struct {
	pass     *detect.Pass
	report   func(row int32, strength float64, evidence string) // pass.Report
	f        *features.Set
	activity *graph.ActivityTable
	cfg      config
	b        graph.Builder
	ws       graph.Workspace
	lay      *layout
	base     []int32 // the level's position list (levelItems), nil: all
	ident    []int32 // positions, when base is nil
	width    int64
	human    string // graph.Human(width)
	buf      []byte
	wallets  []uint32 // the matched set's wallets (flag)
	inside   []int32  // and their trades inside it

	// keep, if not nil, marks the positions whose arcs lie inside a
	// component.
	keep []bool

	net          []float64
	gross        []float64
	alive        []bool
	deg          []int32
	arcAmt       []float64
	start, membs []int32
	queue        []int32

	// inComponents' buffers; loc is all zero between calls.
	loc                        []int32
	winIDs                     []uint32
	cStart, cAdj, cNext, cSize []int32
	inPos                      []int32
}

// scan tests one window.
//
// Only trades whose arc lies inside a strongly connected component of two
// or more wallets are ever read (component, flag and keep see internal arcs
// only), so the window's graph is built from those trades alone: their
// components are the window's components of two or more wallets, with the
// same internal arcs, and the graph keeps wallet and position order, so
// every sum and every peeling step runs in the same order. inComponents
// finds those trades on a CSR of the window's arcs, much cheaper than a
// full graph; most windows have few or none.
func (s *scanner) scan(it item) {
	lay := s.lay
	pos := s.inComponents(s.positions(it))
	if len(pos) < 2 {
		return
	}
	g := s.b.Build(pos, lay.from, lay.to)
	if g.Arcs() < 2 {
		return
	}
	comp, count := g.SCC(&s.ws)
	start, members := s.members(comp, count)
	// Only arcs inside a component are ever used (see internal): sum the
	// amounts of those, reading the table's column for their rows only.
	amount := s.f.T.Amount
	na := g.Arcs()
	s.arcAmt = slices.Grow(s.arcAmt[:0], na)[:na]
	for k := int32(0); k < int32(na); k++ {
		if comp[g.ArcFrom(k)] != comp[g.ArcTo(k)] {
			continue
		}
		var a float64
		for _, p := range g.ArcRows(k) {
			a += amount[lay.rows[p]]
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
						for _, p := range g.ArcRows(k) {
							s.keep[p] = true
						}
					}
				}
			}
		}
		s.component(it, g, comp, int32(c), m)
	}
}

// inComponents returns the positions pos (increasing) whose arc lies inside
// a strongly connected component of at least two wallets of the graph of
// pos, in order, in a buffer of the scanner. The group's local wallet ids
// are numbered 0..D−1 for the window through s.loc (left all zero), the
// arcs put in CSR form by a counting sort, and the components found by
// graph.SCCOf. Time O(n + D) for n positions and D wallets.
func (s *scanner) inComponents(pos []int32) []int32 {
	lay := s.lay
	ids := s.winIDs[:0]
	for _, p := range pos {
		for _, w := range [2]uint32{lay.from[p], lay.to[p]} {
			if int(w) >= len(s.loc) {
				s.loc = append(s.loc, make([]int32, int(w)+1-len(s.loc)+len(s.loc)/2)...)
			}
			if s.loc[w] == 0 {
				ids = append(ids, w)
				s.loc[w] = int32(len(ids))
			}
		}
	}
	loc := s.loc
	d := len(ids)
	start := slices.Grow(s.cStart[:0], d+1)[:d+1]
	clear(start)
	for _, p := range pos {
		start[loc[lay.from[p]]]++
	}
	for u := 1; u <= d; u++ {
		start[u] += start[u-1]
	}
	adj := slices.Grow(s.cAdj[:0], len(pos))[:len(pos)]
	next := slices.Grow(s.cNext[:0], d)[:d]
	copy(next, start[:d])
	for _, p := range pos {
		u := loc[lay.from[p]] - 1
		adj[next[u]] = loc[lay.to[p]] - 1
		next[u]++
	}
	comp, count := graph.SCCOf(start, adj, &s.ws)
	size := slices.Grow(s.cSize[:0], count)[:count]
	clear(size)
	for _, c := range comp {
		size[c]++
	}
	out := s.inPos[:0]
	for _, p := range pos {
		if c := comp[loc[lay.from[p]]-1]; size[c] >= 2 && c == comp[loc[lay.to[p]]-1] {
			out = append(out, p)
		}
	}
	for _, w := range ids {
		loc[w] = 0
	}
	s.winIDs, s.cStart, s.cAdj, s.cNext, s.cSize, s.inPos = ids, start, adj, next, size, out
	return out
}

// members is [graph.Members] into the scanner's buffers.
func (s *scanner) members(comp []int32, count int) (start, members []int32) {
	s.start, s.membs = graph.MembersInto(comp, count, s.start, s.membs)
	return s.start, s.membs
}

// internal reports whether arc k lies inside the live set of component c.
func (s *scanner) internal(g *graph.Graph, comp []int32, c int32, k int32) bool {
	u, v := g.ArcFrom(k), g.ArcTo(k)
	return comp[u] == c && comp[v] == c && s.alive[u] && s.alive[v]
}

func (s *scanner) component(it item, g *graph.Graph, comp []int32, c int32, m []int32) {
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
	if math.IsInf(total, 0) || math.IsNaN(total) {
		return // amounts past float64's range (the loader bounds them at 1e36): no balance to judge
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
		if !peel || worst < 0 {
			// worst < 0: no wallet's imbalance exceeds the limit although
			// the largest is not within it, which only comparisons with
			// NaN allow (a NaN margin, or sums past float64's range):
			// nothing can be peeled and nothing is balanced.
			return
		}
		// Remove worst and every wallet left without trades in the set.
		queue := append(s.queue[:0], worst)
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
		for len(queue) > 0 {
			u := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if !s.alive[u] {
				continue
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
		s.queue = queue
	}
}

// flag reports the trades of the matched set (the live wallets of
// component c).
//
// Chance model: with inside(w) the set's trades wallet w is a party of and
// total(w) all of w's rows in the window [start, start+width) (every token
// and collection, graph.ActivityTable), c = mean over the set's wallets of
// inside(w)/total(w): wallets that trade only inside the set score 1, busy
// dealers whose positions happen to balance among many other trades
// score near 0. Strength = Surprise(c) · (0.6 + 0.25·(1 − 1/√n) +
// 0.15·(1 − imb/m)) for n trades, imbalance imb and margin m.
func (s *scanner) flag(it item, g *graph.Graph, comp []int32, c int32, m []int32, live, trades int, total, imb, mean float64) {
	t := s.f.T
	lay := s.lay
	ids := lay.groups[it.group].ids
	s.wallets, s.inside = s.wallets[:0], s.inside[:0]
	for _, u := range m {
		if !s.alive[u] {
			continue
		}
		in := 0
		lo, hi := g.Out(u)
		for k := lo; k < hi; k++ {
			if s.internal(g, comp, c, k) {
				in += len(g.ArcRows(k))
			}
		}
		for _, k := range g.In(u) {
			if s.internal(g, comp, c, k) {
				in += len(g.ArcRows(k))
			}
		}
		s.wallets = append(s.wallets, ids[g.ID(u)-1])
		s.inside = append(s.inside, int32(in))
	}
	conc := s.activity.Share(s.wallets, s.inside, it.start, it.start+s.width)
	tight := 1.0
	if lim := s.cfg.margin * mean; lim > 0 {
		tight = 1 - imb/lim
	}
	strength := graph.Surprise(conc) * (0.6 + 0.25*(1-1/math.Sqrt(float64(trades))) + 0.15*max(0, min(1, tight)))
	volume := total
	if !lay.groups[it.group].fungible {
		volume = 0
		s.setRows(g, comp, c, m, func(r int32) { volume += t.Price[r] })
	}
	pct := 0.0
	if mean > 0 {
		pct = imb / mean * 100
	}
	// "%d wallets, %d trades, volume %s matched within %s%% in %s window
	// from %s" without fmt.
	b := strconv.AppendInt(s.buf[:0], int64(live), 10)
	b = append(b, " wallets, "...)
	b = strconv.AppendInt(b, int64(trades), 10)
	b = append(b, " trades, volume "...)
	b = strconv.AppendFloat(b, math.Round(volume*1e6)/1e6, 'f', -1, 64)
	b = append(b, " matched within "...)
	b = strconv.AppendFloat(b, pct, 'f', 1, 64)
	b = append(b, "% in "...)
	b = append(b, s.human...)
	b = append(b, " window from "...)
	b = time.Unix(it.start, 0).UTC().AppendFormat(b, time.RFC3339)
	b = graph.AppendShare(b, live, conc, s.width, "set")
	s.buf = b
	ev := string(b)
	s.setRows(g, comp, c, m, func(r int32) { s.report(r, strength, ev) })
}

// setRows calls fn with the row of every trade inside the matched set (the
// live wallets m of component c), arc by arc in the order of m.
func (s *scanner) setRows(g *graph.Graph, comp []int32, c int32, m []int32, fn func(row int32)) {
	for _, u := range m {
		if !s.alive[u] {
			continue
		}
		lo, hi := g.Out(u)
		for k := lo; k < hi; k++ {
			if s.internal(g, comp, c, k) {
				for _, p := range g.ArcRows(k) {
					fn(s.lay.rows[p])
				}
			}
		}
	}
}
