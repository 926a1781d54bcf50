package cycle

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var (
	paramWindow         = &detect.Param{Name: "window", Kind: detect.Duration, Default: "30d", Doc: "time within which a ring must close"}
	paramWindowFungible = &detect.Param{Name: "window_fungible", Kind: detect.Duration, Default: "1d", Doc: "time within which a ring of an ERC-20 token must close (organic swaps close loops over weeks)"}
	paramMinWindow      = &detect.Param{Name: "min_window", Kind: detect.Duration, Default: "1h", Min: 1, Doc: "shortest window tried for components larger than max_component"}
	paramMinLen         = &detect.Param{Name: "min_len", Kind: detect.Int, Default: "3", Min: 2, Max: 64, Doc: "fewest legs of a reported cycle (2 adds back-and-forth)"}
	paramMaxLen         = &detect.Param{Name: "max_len", Kind: detect.Int, Default: "6", Min: 2, Max: 64, Doc: "most legs of a reported cycle"}
	paramMaxComponent   = &detect.Param{Name: "max_component", Kind: detect.Int, Default: "50", Doc: "largest strongly connected component (wallets) whose cycles are enumerated"}
	paramBudget         = &detect.Param{Name: "budget", Kind: detect.Int, Default: "200000", Doc: "work budget (arc inspections) per component"}
)

// Detector flags the legs of trade rings (cycles of three or more wallets)
// per token and per collection.
var Detector = &detect.Detector{
	Name: "cycle",
	Doc: `rings: a token or collection passing A→B→C→…→A within a time window

Per token and per collection, the seller→buyer graph of the rows in sliding
windows; strongly connected components; elementary cycles of min_len..max_len
legs inside components of at most max_component wallets, under a work budget.
Flags every row on a cycle. Large components are re-examined in windows a
quarter as long, down to min_window. Strength min(1, 2c)·(0.55 + 0.35·fast +
0.1·repeated leg), c the share of the ring's wallets' trades in the window
(every asset) that are the ring's.`,
	Requires:  []*detect.Detector{hubs.Detector},
	Params:    []*detect.Param{paramWindow, paramWindowFungible, paramMinWindow, paramMinLen, paramMaxLen, paramMaxComponent, paramBudget},
	Exclusive: true, // scratch of 45–70 bytes a trade (BENCHMARKS.md "detect (session 8)")
	Run:       run,
	// A ring lies in one sliding window holding its rows, at most window
	// (window_fungible for ERC-20) from any of them; the groups admitted are
	// slicing-safe (a ring of min_len legs near a row puts min_len rows of
	// its group in the slice; a collection seen with one token only yields
	// rings its token's group finds stronger). The chance factor reads the
	// wallets' activity inside that same window.
	Reach: func(p detect.ParamReader) (int64, bool) {
		w, wf := p.Duration(paramWindow), p.Duration(paramWindowFungible)
		return max(w, wf), w > 0
	},
}

// config is the detector's parameters, read once.
type config struct {
	window, minWindow int64
	fungibleWindow    int64
	minLen, maxLen    int
	maxComp           int
	budget            int64
}

type kind uint8

const (
	perToken kind = iota
	perCollection
)

// group is one unit of work: the rows of a token or of a collection, in
// canonical order, and their trades (time and wallets with fungible hubs
// removed), trades[i] being row rows[i]'s, contiguous so that the scan reads
// them sequentially.
type group struct {
	kind     kind
	fungible bool
	rows     []int32
	trades   []features.Trade
}

func run(pass *detect.Pass) (any, error) {
	f := pass.Features
	cfg := config{
		window:         pass.Duration(paramWindow),
		minWindow:      max(pass.Duration(paramMinWindow), 1),
		fungibleWindow: pass.Duration(paramWindowFungible),
		minLen:         max(pass.Int(paramMinLen), 2),
		maxLen:         min(pass.Int(paramMaxLen), 64),
		maxComp:        pass.Int(paramMaxComponent),
		budget:         int64(pass.Float(paramBudget)),
	}
	if cfg.window <= 0 {
		cfg.window = 1 << 62
	}
	if cfg.fungibleWindow <= 0 {
		cfg.fungibleWindow = cfg.window
	}
	activity := graph.ActivityOf(pass)
	tbl, _ := pass.ResultOf[hubs.Detector].(*hubs.Table)
	groups := Groups(f, tbl, cfg.minLen)
	return nil, detect.Parallel(pass.Context, len(groups.units), 0, func() func(int) error {
		s := newScanner(pass, f, activity, cfg)
		var buf []features.Trade
		return func(i int) error { return s.scanGroup(groups.group(i, &buf)) }
	})
}

// unit is a work unit as Groups lists it, 16 bytes: the rows of a token
// (positions lo:hi of features.Set.AssetRows, asset id) or of a
// collection (positions lo:hi of groupSet.flat). groupSet.group turns it
// into a group.
type unit struct {
	lo, hi   int32
	asset    int32 // perToken: the token's asset id
	kind     kind
	fungible bool
}

// groupSet is the work units of a run, largest first, and what a unit's
// group is read from.
type groupSet struct {
	units   []unit
	flat    []int32 // the collections' rows, by collection, in canonical order
	f       *features.Set
	tbl     *hubs.Table
	parties hubs.Parties // the wallets under tbl
}

// group returns unit i's group. A token's trades are tbl.AssetTrades (no
// copy); a collection's are gathered from the table's columns into *buf
// (reused: the group is valid until the next call with buf), so only the
// collections being scanned hold 16 bytes a row, not every collection
// for the whole run.
func (gs *groupSet) group(i int, buf *[]features.Trade) group {
	u := gs.units[i]
	if u.kind == perToken {
		return group{perToken, u.fungible, gs.f.AssetRows[u.lo:u.hi:u.hi], gs.tbl.AssetTrades(gs.f, datasets.AssetID(u.asset))}
	}
	rows := gs.flat[u.lo:u.hi:u.hi]
	tr := slices.Grow((*buf)[:0], len(rows))[:len(rows)]
	tm := gs.f.T.Time
	for k, r := range rows {
		s, b := gs.parties.At(r)
		tr[k] = features.Trade{Time: tm[r], Seller: s, Buyer: b}
	}
	*buf = tr
	return group{perCollection, false, rows, tr}
}

// Groups returns the work units: every token with at least minLen rows, and
// every non-ERC-20 contract with at least two tokens and minLen rows, largest
// first (for load balance), ties by kind then first row. The wallets are
// tbl's (hubs.Table.Parties; f's when tbl is nil). A token's trades are
// tbl.AssetTrades; a collection's rows are laid out here, in one pass over
// the rows in canonical order, their trades gathered when the collection is
// scanned (groupSet.group). Time O(N + G log G) for G groups; 4 bytes per
// collection row and 16 per unit.
func Groups(f *features.Set, tbl *hubs.Table, minLen int) *groupSet {
	t := f.T
	gs := &groupSet{f: f, tbl: tbl, parties: tbl.Parties(f)}
	var units []unit
	na := t.Assets.Len()
	tokens := make([]int32, t.Addrs.Len()+1) // contract → number of tokens with rows
	for a := 0; a < na; a++ {
		lo, hi := f.AssetStart[a], f.AssetStart[a+1]
		if lo == hi {
			continue
		}
		r0 := f.AssetRows[lo]
		if int(hi-lo) >= minLen {
			units = append(units, unit{lo, hi, int32(a), perToken, t.Standard[r0] == datasets.ERC20})
		}
		if c := t.Assets.Contract[a]; t.Standard[r0] != datasets.ERC20 && int(c) < len(tokens) {
			tokens[c]++
		}
	}
	// Collection rows in canonical order, by a counting sort on contract.
	collection := func(r int32) (uint32, bool) {
		c := f.Contract[r]
		return c, int(c) < len(tokens) && tokens[c] >= 2 && t.Standard[r] != datasets.ERC20
	}
	end := make([]int32, len(tokens)+1) // rows of contract c: flat[end[c]:end[c+1]]
	for _, r := range f.Order {
		if c, ok := collection(r); ok {
			end[c+1]++
		}
	}
	for c := 1; c < len(end); c++ {
		end[c] += end[c-1]
	}
	flat := make([]int32, end[len(end)-1])
	for _, r := range f.Order {
		if c, ok := collection(r); ok {
			flat[end[c]] = r
			end[c]++
		}
	}
	// end[c] is now the end of contract c's rows and the start of c+1's.
	lo := int32(0)
	for c := 0; c < len(tokens); c++ {
		if n := end[c] - lo; n > 0 && int(n) >= minLen {
			units = append(units, unit{lo, end[c], 0, perCollection, false})
		}
		lo = end[c]
	}
	gs.flat = flat
	gs.units = sortUnits(units, func(u unit) int32 {
		if u.kind == perToken {
			return f.AssetRows[u.lo]
		}
		return flat[u.lo]
	})
	return gs
}

// sortUnits orders us by decreasing length, then kind, then first row
// (first). No two units tie (the rows of two tokens, or of two
// collections, are disjoint), so the order is total. The units are sorted
// by a 64-bit key per unit, (2³¹−1 − length)·2³³ + kind·2³² + first row,
// then permuted: the first rows are read from scattered memory once, not
// at every comparison. Time O(G log G).
func sortUnits(us []unit, first func(unit) int32) []unit {
	type keyed struct {
		key uint64
		i   int32
	}
	keys := make([]keyed, len(us))
	for i, u := range us {
		keys[i] = keyed{uint64(math.MaxInt32-(u.hi-u.lo))<<33 | uint64(u.kind)<<32 | uint64(uint32(first(u))), int32(i)}
	}
	slices.SortFunc(keys, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	out := make([]unit, len(us))
	for k, e := range keys {
		out[k] = us[e.i]
	}
	return out
}

// best is the strongest finding so far for a row within one group; the
// zero value (strength 0) means none (strengths are at least 0.3).
type best struct {
	strength float64
	evidence string
}

// scanner holds one worker's buffers.
//
// A group is scanned on group-local copies of its columns: position i of
// the group (its i-th row in canonical order) has time gTime[i] and
// endpoints gFrom[i] → gTo[i], renumbered to group-local wallet ids 1..D in
// increasing wallet id order (0: no edge, the row has an unknown party or is
// a self-trade). Windows are position lists, so the graphs are built from
// contiguous arrays and small ids, not from rows scattered across the table
// and wallet ids over the whole address space; because the renumbering keeps
// wallet order, every graph has the same nodes, arcs and orders as the graph
// of the same rows built from the table's columns.
type scanner struct {
	pass     *detect.Pass
	report   func(row int32, strength float64, evidence string) // pass.Report
	f        *features.Set
	activity *graph.ActivityTable
	cfg      config
	b        graph.Builder
	ws       graph.Workspace
	wallets  []uint32
	inside   []int32 // rows of the current cycle per wallet of s.wallets
	locals   []int32 // their local ids − 1
	// The current window's activity bounds and, per local wallet, its row
	// count in the window, valid where cntGen equals gen (one count per
	// wallet and window, however many cycles it is on).
	winLo, winHi int32
	cnt          []int32
	cntGen       []uint32
	winGen       uint32
	buf          []byte

	// The current group, by position.
	rows         []int32  // position → row
	gTime        []int64  // position → time
	gFrom, gTo   []uint32 // position → local wallet id (0: none)
	gIDs         []uint32 // local wallet id − 1 → wallet id
	found        []best   // position → best finding
	touched      []int32  // positions with a finding
	live         []int32  // prefix counts of live positions (see prune)
	iota         []int32  // 0, 1, 2, …
	mark         []int32  // wallet id → local id during gather (0 = unseen)
	set          []uint64 // bitset for graph.SortWallets
	sortTmp      []uint32 // buffer for graph.SortWallets
	cStart, cAdj []int32  // the group graph in CSR form (prune)
	cNext        []int32
	small        [256]smallSlot // gatherSmall's hash table
	gen          uint32         // its current generation
	perm, order  []int32        // orderLocal's buffers
	idsTmp       []uint32
	start, membs []int32      // components' members
	ids          []string     // token ids of a collection ring
	spans        []graph.Span // scanRows' windows, a stack over its recursion
}

func newScanner(pass *detect.Pass, f *features.Set, a *graph.ActivityTable, cfg config) *scanner {
	return &scanner{pass: pass, f: f, activity: a, cfg: cfg, report: pass.Report}
}

// gather loads group g into the scanner's position arrays. Wallets are
// numbered 1..D in increasing wallet id through s.mark, a table over the
// whole address space; a small group (at most smallGroup rows) is numbered
// in first-seen order through a small hash table instead, which stays in
// cache, and ordered only if it survives prune (orderLocal): most groups
// are small tokens that never do, and their wallets' entries in the big
// table would be cache misses. It reports whether the numbering is ordered.
// Time O(n + D) (O(n log D) when the wallet ids are sparse).
func (s *scanner) gather(g group) (ordered bool) {
	n := len(g.rows)
	s.rows = g.rows
	s.gTime = slices.Grow(s.gTime[:0], n)[:n]
	s.gFrom = slices.Grow(s.gFrom[:0], n)[:n]
	s.gTo = slices.Grow(s.gTo[:0], n)[:n]
	s.found = slices.Grow(s.found[:0], n)[:n]
	if len(s.iota) < n {
		s.iota = make([]int32, n+n/4)
		for i := range s.iota {
			s.iota[i] = int32(i)
		}
	}
	if n <= smallGroup {
		s.gatherSmall(g)
		return false
	}
	if len(s.mark) == 0 {
		s.mark = make([]int32, s.f.T.Addrs.Len()+1)
	}
	mark := s.mark
	ids := s.gIDs[:0]
	lo, hi := uint32(1<<32-1), uint32(0) // range of ids
	for i := range g.trades[:n] {
		p := &g.trades[i]
		s.gTime[i] = p.Time
		u, v := p.Seller, p.Buyer
		if u == 0 || v == 0 || u == v || int(u) >= len(mark) || int(v) >= len(mark) {
			s.gFrom[i], s.gTo[i] = 0, 0
			continue
		}
		s.gFrom[i], s.gTo[i] = u, v
		if mark[u] == 0 {
			mark[u] = -1
			ids = append(ids, u)
			lo, hi = min(lo, u), max(hi, u)
		}
		if mark[v] == 0 {
			mark[v] = -1
			ids = append(ids, v)
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	graph.SortWallets(ids, lo, hi, &s.set, &s.sortTmp)
	for i, w := range ids {
		mark[w] = int32(i) + 1
	}
	for i, u := range s.gFrom {
		if u != 0 {
			s.gFrom[i], s.gTo[i] = uint32(mark[u]), uint32(mark[s.gTo[i]])
		}
	}
	for _, w := range ids {
		mark[w] = 0
	}
	s.gIDs = ids
	return true
}

// smallGroup is the most rows of a group gather numbers through the small
// hash table; at most 2·smallGroup wallets then fill at most half of it.
const smallGroup = 64

// smallSlot is an entry of the small hash table: valid when gen is the
// scanner's current generation, so the table is never cleared.
type smallSlot struct {
	gen, wallet uint32
	local       int32
}

// gatherSmall is gather for a group of at most smallGroup rows: local ids
// 1..D in first-seen order through an open-addressing table of 256 slots
// (multiplicative hash, linear probing).
func (s *scanner) gatherSmall(g group) {
	s.gen++
	if s.gen == 0 { // wrapped: forget every slot
		clear(s.small[:])
		s.gen = 1
	}
	ids := s.gIDs[:0]
	local := func(w uint32) uint32 {
		h := (w * 0x9e3779b1) >> 24
		for {
			e := &s.small[h]
			if e.gen != s.gen {
				ids = append(ids, w)
				*e = smallSlot{s.gen, w, int32(len(ids))}
				return uint32(len(ids))
			}
			if e.wallet == w {
				return uint32(e.local)
			}
			h = (h + 1) & 255
		}
	}
	for i := range g.trades[:len(g.rows)] {
		p := &g.trades[i]
		s.gTime[i] = p.Time
		u, v := p.Seller, p.Buyer
		if u == 0 || v == 0 || u == v || int(u) > s.f.T.Addrs.Len() || int(v) > s.f.T.Addrs.Len() {
			s.gFrom[i], s.gTo[i] = 0, 0
			continue
		}
		s.gFrom[i] = local(u)
		s.gTo[i] = local(v)
	}
	s.gIDs = ids
}

// orderLocal renumbers a group numbered in first-seen order (gatherSmall)
// to local ids in increasing wallet id, the numbering the windows need.
// Time O(D log D + n).
func (s *scanner) orderLocal() {
	d := len(s.gIDs)
	perm := slices.Grow(s.perm[:0], d)[:d] // first-seen id − 1 → ordered id
	order := slices.Grow(s.order[:0], d)[:d]
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(s.gIDs[a], s.gIDs[b]) })
	ids := slices.Grow(s.idsTmp[:0], d)[:d]
	for k, i := range order {
		perm[i] = int32(k) + 1
		ids[k] = s.gIDs[i]
	}
	copy(s.gIDs, ids)
	for i, u := range s.gFrom {
		if u != 0 {
			s.gFrom[i], s.gTo[i] = uint32(perm[u-1]), uint32(perm[s.gTo[i]-1])
		}
	}
	s.perm, s.order, s.idsTmp = perm, order, ids
}

func (s *scanner) scanGroup(g group) error {
	ordered := s.gather(g)
	width := s.cfg.window
	if g.fungible {
		width = s.cfg.fungibleWindow
	}
	var err error
	if s.prune() {
		if !ordered {
			s.orderLocal()
		}
		err = s.scanRows(g, s.iota[:len(g.rows)], width)
	}
	slices.Sort(s.touched)
	for _, p := range s.touched {
		b := s.found[p]
		s.found[p] = best{}
		if err == nil {
			s.report(s.rows[p], b.strength, b.evidence)
		}
	}
	s.touched = s.touched[:0]
	return err
}

// prune finds the group's rows that can lie on a reported cycle in some
// window and reports whether there are enough of them to form one.
//
// Every window's graph is a subgraph of the graph of the whole group, so a
// strongly connected component of a window lies inside one component of the
// group graph. A window component examined by scanWindow (at least minComp
// = 3 wallets, 2 when min_len is 2) therefore has at least minComp arcs,
// each a row joining two wallets of one group component of at least minComp
// wallets: a live row. A window with fewer than minComp live rows has no
// such component, so skipping it changes nothing (no cycle, no re-examined
// component, no enumeration work). prune sets s.live to the prefix counts
// of live rows by position.
//
// The group graph's components come from [graph.SCCOf] on its arcs in CSR
// form, one counting sort of the positions' targets by source (local ids
// are the nodes, repeated arcs kept): no rows per arc, no reverse index.
// Time O(n + D) after gather.
func (s *scanner) prune() bool {
	n := len(s.rows)
	d := len(s.gIDs)
	minComp := s.minComp()
	if d < minComp {
		return false
	}
	// Node u−1 is local id u; its targets are adj[start[u−1]:start[u]].
	start := slices.Grow(s.cStart[:0], d+1)[:d+1]
	clear(start)
	for _, u := range s.gFrom {
		if u != 0 {
			start[u]++
		}
	}
	for u := 1; u <= d; u++ {
		start[u] += start[u-1]
	}
	adj := slices.Grow(s.cAdj[:0], int(start[d]))[:int(start[d])]
	next := slices.Grow(s.cNext[:0], d)[:d]
	copy(next, start[:d])
	for i, u := range s.gFrom {
		if u != 0 {
			adj[next[u-1]] = int32(s.gTo[i] - 1)
			next[u-1]++
		}
	}
	s.cStart, s.cAdj, s.cNext = start, adj, next
	comp, count := graph.SCCOf(start, adj, &s.ws)
	size := slices.Grow(s.start[:0], count)[:count]
	clear(size)
	for _, c := range comp {
		size[c]++
	}
	s.start = size
	live := slices.Grow(s.live[:0], n+1)[:n+1]
	live[0] = 0
	// Group graph nodes are the local ids 1..D in order: node = id − 1.
	for i, u := range s.gFrom {
		l := live[i]
		if u != 0 {
			if c := comp[u-1]; c == comp[s.gTo[i]-1] && int(size[c]) >= minComp {
				l++
			}
		}
		live[i+1] = l
	}
	s.live = live
	return int(live[n]) >= minComp
}

// minComp is the fewest wallets of a component scanWindow examines.
func (s *scanner) minComp() int {
	if s.cfg.minLen > 2 {
		return 3
	}
	return 2
}

// liveIn counts the live rows at positions pos (increasing).
func (s *scanner) liveIn(pos []int32) int {
	if len(pos) == 0 {
		return 0
	}
	lo, hi := pos[0], pos[len(pos)-1]
	if int(hi-lo) == len(pos)-1 { // contiguous
		return int(s.live[hi+1] - s.live[lo])
	}
	k := 0
	for _, p := range pos {
		k += int(s.live[p+1] - s.live[p])
	}
	return k
}

// scanRows looks for cycles in the group positions pos (increasing) in
// sliding windows of the given width.
func (s *scanner) scanRows(g group, pos []int32, width int64) error {
	// The windows go on the scanner's span stack, this call's from base to
	// end; the nested calls push theirs above end and pop them.
	base := len(s.spans)
	s.spans = graph.AppendSlidingAll(s.spans, pos, s.gTime, width, width/2)
	end := len(s.spans)
	defer func() { s.spans = s.spans[:base] }()
	for k := base; k < end; k++ {
		sp := s.spans[k]
		if sp.Hi-sp.Lo < s.cfg.minLen || s.liveIn(pos[sp.Lo:sp.Hi]) < s.minComp() {
			continue
		}
		big, err := s.scanWindow(g, pos[sp.Lo:sp.Hi], sp.Start, width)
		if err != nil {
			return err
		}
		sub := width / 4
		if sub < s.cfg.minWindow {
			continue
		}
		for _, br := range big {
			if err := s.scanRows(g, br, sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanWindow enumerates the cycles of the graph of the window's positions
// and returns the positions (increasing) of each component too large to
// enumerate.
func (s *scanner) scanWindow(g group, pos []int32, t0, width int64) (big [][]int32, err error) {
	s.winLo, s.winHi = s.activity.Bounds(t0, t0+width)
	s.winGen++
	if d := len(s.gIDs); len(s.cnt) < d {
		s.cnt = make([]int32, d+d/4)
		s.cntGen = make([]uint32, d+d/4)
	}
	gr := s.b.Build(pos, s.gFrom, s.gTo)
	if gr.Arcs() < s.cfg.minLen {
		return nil, nil
	}
	comp, count := gr.SCC(&s.ws)
	start, members := s.members(comp, count)
	lim := graph.CycleLimits{MinLen: s.cfg.minLen, MaxLen: s.cfg.maxLen, Budget: s.cfg.budget, Context: s.pass.Context}
	for c := 0; c < count; c++ {
		m := members[start[c]:start[c+1]]
		if len(m) < 2 || (len(m) < 3 && s.cfg.minLen > 2) {
			continue
		}
		if len(m) > s.cfg.maxComp {
			var br []int32
			for _, u := range m {
				lo, hi := gr.Out(u)
				for k := lo; k < hi; k++ {
					if comp[gr.ArcTo(k)] == int32(c) {
						br = append(br, gr.ArcRows(k)...)
					}
				}
			}
			slices.Sort(br)
			big = append(big, br)
			continue
		}
		_, err := gr.Cycles(comp, int32(c), m, lim, &s.ws, func(arcs []int32) bool {
			s.cycle(g, gr, arcs, t0, width)
			return true
		})
		if err != nil && err != graph.ErrBudget {
			return nil, err
		}
	}
	return big, nil
}

// members is [graph.Members] into the scanner's buffers.
func (s *scanner) members(comp []int32, count int) (start, members []int32) {
	s.start, s.membs = graph.MembersInto(comp, count, s.start, s.membs)
	return s.start, s.membs
}

// cycle scores one found cycle, in the window [t0, t0+width), and records
// it on its positions.
//
// Chance model: a ring is surprising when its wallets trade mostly inside
// it. With inside(w) the ring's rows wallet w is a party of and total(w)
// all of w's rows in the window (every token and collection,
// graph.ActivityTable), c = mean over the ring's k wallets of
// inside(w)/total(w). Four wallets that trade only with each other score
// c = 1; four dealers who close the loop once among hundreds of trades
// each score c ≈ 0.01, as a loop among busy wallets is expected by chance.
// Strength = Surprise(c) · (0.55 + 0.35·f + 0.1·r) (graph.Surprise:
// min(1, 2c)), f = 1 − span/window how fast the ring closed, r = 1 when a
// leg repeats; collection rings × 0.9.
func (s *scanner) cycle(g group, gr *graph.Graph, arcs []int32, t0, width int64) {
	k := len(arcs)
	lo, hi := int64(1<<62), int64(-1<<62)
	repeated := 0.0
	nrows := 0
	s.wallets = s.wallets[:0]
	s.inside = slices.Grow(s.inside[:0], k)[:k]
	s.locals = s.locals[:0]
	for i, a := range arcs {
		u := gr.ID(gr.ArcFrom(a)) - 1
		w := s.gIDs[u]
		s.wallets = append(s.wallets, w)
		s.locals = append(s.locals, int32(u))
		ps := gr.ArcRows(a)
		if len(ps) > 1 {
			repeated = 1
		}
		nrows += len(ps)
		s.inside[i] = int32(len(ps)) // rows wallet i sold on the ring
		for _, p := range ps {
			lo, hi = min(lo, s.gTime[p]), max(hi, s.gTime[p])
		}
	}
	// Wallet i also bought on arc i−1.
	last := s.inside[k-1]
	for i := k - 1; i > 0; i-- {
		s.inside[i] += s.inside[i-1]
	}
	s.inside[0] += last
	conc := s.share()
	span := hi - lo
	top := s.cfg.window
	if g.fungible {
		top = s.cfg.fungibleWindow
	}
	fast := 1 - float64(span)/float64(top)
	fast = max(0, min(1, fast))
	strength := graph.Surprise(conc) * (0.55 + 0.35*fast + 0.1*repeated)
	if g.kind == perCollection {
		strength *= 0.9
	}
	strength = min(1, strength)
	ev := ""
	for _, a := range arcs {
		for _, p := range gr.ArcRows(a) {
			b := &s.found[p]
			ok := b.strength != 0
			if ok && b.strength > strength {
				continue
			}
			if ev == "" {
				ev = s.evidence(g, gr, arcs, nrows, span, conc, width)
			}
			if ok && b.strength == strength && b.evidence <= ev {
				continue
			}
			if !ok {
				s.touched = append(s.touched, p)
			}
			*b = best{strength, ev}
		}
	}
}

// share is graph.ActivityTable.Share of the current cycle over the
// current window, with each wallet's window count taken from the cache:
// the same sums in the same order.
func (s *scanner) share() float64 {
	var in, tot float64
	for i, u := range s.locals {
		if s.cntGen[u] != s.winGen {
			s.cntGen[u] = s.winGen
			s.cnt[u] = int32(s.activity.CountIn(s.wallets[i], s.winLo, s.winHi))
		}
		x := int(s.inside[i])
		in += float64(x)
		tot += float64(max(int(s.cnt[u]), x, 1))
	}
	if tot == 0 {
		return 0
	}
	return in / tot
}

// evidence renders a cycle as 0xa→0xb→0xc→0xa (token 12, 3 legs in 2d;
// 3 wallets, 93% of their 30d-window trades inside the ring), starting at
// the smallest address, so the rendering does not depend on how wallets
// were numbered.
func (s *scanner) evidence(g group, gr *graph.Graph, arcs []int32, nrows int, span int64, conc float64, width int64) string {
	t := s.f.T
	b := s.buf[:0]
	first := 0
	for i, w := range s.wallets {
		if graph.AddrLess(t.Addrs, w, s.wallets[first]) {
			first = i
		}
	}
	k := len(s.wallets)
	for i := range s.wallets {
		b = t.Addrs.AppendString(b, datasets.AddrID(s.wallets[(first+i)%k]))
		b = append(b, "→"...)
	}
	b = t.Addrs.AppendString(b, datasets.AddrID(s.wallets[first]))
	row0 := s.rows[gr.ArcRows(arcs[0])[0]]
	a := t.Asset[row0]
	if g.kind == perToken {
		b = append(b, " (token "...)
		if id := t.Assets.TokenID[a]; id != "" {
			b = append(b, id...)
		} else {
			b = t.Addrs.AppendString(b, t.Assets.Contract[a])
		}
		b = append(b, ", "...)
	} else {
		ids := s.ids[:0]
		for _, arc := range arcs {
			for _, p := range gr.ArcRows(arc) {
				ids = append(ids, t.Assets.TokenID[t.Asset[s.rows[p]]])
			}
		}
		slices.SortFunc(ids, datasets.CompareTokenIDs)
		ids = slices.Compact(ids)
		s.ids = ids
		b = append(b, " (collection "...)
		b = t.Addrs.AppendString(b, t.Assets.Contract[a])
		b = append(b, ", tokens "...)
		for i, id := range ids {
			if i == 6 {
				b = append(b, ",…"...)
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, id...)
		}
		b = append(b, ", "...)
	}
	b = strconv.AppendInt(b, int64(nrows), 10)
	b = append(b, " legs in "...)
	b = append(b, graph.Human(span)...)
	b = graph.AppendShare(b, k, conc, width, "ring")
	b = append(b, ')')
	s.buf = b
	return string(b)
}
