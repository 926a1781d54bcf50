package cycle

import (
	"cmp"
	"encoding/hex"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
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
quarter as long, down to min_window.`,
	Requires: []*detect.Detector{graph.Partners, hubs.Detector},
	Params: []detect.Param{
		{Name: "window", Kind: detect.Duration, Default: "30d", Doc: "time within which a ring must close"},
		{Name: "window_fungible", Kind: detect.Duration, Default: "1d", Doc: "time within which a ring of an ERC-20 token must close (organic swaps close loops over weeks)"},
		{Name: "min_window", Kind: detect.Duration, Default: "1h", Doc: "shortest window tried for components larger than max_component"},
		{Name: "min_len", Kind: detect.Number, Default: "3", Doc: "fewest legs of a reported cycle (2 adds back-and-forth)"},
		{Name: "max_len", Kind: detect.Number, Default: "6", Doc: "most legs of a reported cycle"},
		{Name: "max_component", Kind: detect.Number, Default: "50", Doc: "largest strongly connected component (wallets) whose cycles are enumerated"},
		{Name: "budget", Kind: detect.Number, Default: "200000", Doc: "work budget (arc inspections) per component"},
	},
	Run: run,
	// A ring lies in one sliding window holding its rows, at most window
	// (window_fungible for ERC-20) from any of them; the groups admitted are
	// slicing-safe (a ring of min_len legs near a row puts min_len rows of
	// its group in the slice; a collection seen with one token only yields
	// rings its token's group finds stronger). graph_partners, which the
	// strength reads, has no bound (until its window-local replacement).
	Reach: func(p detect.ParamReader) (int64, bool) {
		w, wf := p.Duration("window"), p.Duration("window_fungible")
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
		window:         pass.Duration("window"),
		minWindow:      max(pass.Duration("min_window"), 1),
		fungibleWindow: pass.Duration("window_fungible"),
		minLen:         max(pass.Int("min_len"), 2),
		maxLen:         min(pass.Int("max_len"), 64),
		maxComp:        pass.Int("max_component"),
		budget:         int64(pass.Float("budget")),
	}
	if cfg.window <= 0 {
		cfg.window = 1 << 62
	}
	if cfg.fungibleWindow <= 0 {
		cfg.fungibleWindow = cfg.window
	}
	partners, _ := pass.ResultOf[graph.Partners].(*graph.PartnerTable)
	if partners == nil {
		partners = graph.ComputePartners(f.Seller, f.Buyer, f.T.Addrs.Len())
	}
	tbl, _ := pass.ResultOf[hubs.Detector].(*hubs.Table)
	groups := Groups(f, tbl, cfg.minLen)
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		runErr  error
	)
	workers := min(runtime.GOMAXPROCS(0), max(len(groups), 1))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScanner(pass, f, partners, cfg)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(groups) || pass.Context.Err() != nil {
					return
				}
				if err := s.scanGroup(groups[i]); err != nil {
					errOnce.Do(func() { runErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return nil, runErr
	}
	return nil, pass.Context.Err()
}

// Groups returns the work units: every token with at least minLen rows, and
// every non-ERC-20 contract with at least two tokens and minLen rows, largest
// first (for load balance), ties by kind then first row. The wallets are
// tbl's (hubs.Table.Columns; f's when tbl is nil). A token's trades are
// tbl.AssetTrades; a collection's are gathered here, in one pass over
// the rows in canonical order (sequential reads when the input is in time
// order). Time O(N + G log G) for G groups; 16 bytes per collection row.
func Groups(f *features.Set, tbl *hubs.Table, minLen int) []group {
	t := f.T
	seller, buyer := tbl.Columns(f)
	var gs []group
	na := t.Assets.Len()
	tokens := make([]int32, t.Addrs.Len()+1) // contract → number of tokens with rows
	for a := 0; a < na; a++ {
		lo, hi := f.AssetStart[a], f.AssetStart[a+1]
		if lo == hi {
			continue
		}
		rows := f.AssetRows[lo:hi:hi]
		if len(rows) >= minLen {
			gs = append(gs, group{perToken, t.Standard[rows[0]] == datasets.ERC20, rows, tbl.AssetTrades(f, datasets.AssetID(a))})
		}
		if c := t.Assets.Contract[a]; t.Standard[rows[0]] != datasets.ERC20 && int(c) < len(tokens) {
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
	flatTrades := make([]features.Trade, len(flat))
	for _, r := range f.Order {
		if c, ok := collection(r); ok {
			flat[end[c]] = r
			flatTrades[end[c]] = features.Trade{Time: t.Time[r], Seller: seller[r], Buyer: buyer[r]}
			end[c]++
		}
	}
	// end[c] is now the end of contract c's rows and the start of c+1's.
	lo := int32(0)
	for c := 0; c < len(tokens); c++ {
		if n := end[c] - lo; n > 0 && int(n) >= minLen {
			gs = append(gs, group{perCollection, false, flat[lo:end[c]:end[c]], flatTrades[lo:end[c]:end[c]]})
		}
		lo = end[c]
	}
	return sortGroups(gs)
}

// sortGroups orders gs by decreasing length, then kind, then first row.
// No two groups tie (the rows of two tokens, or of two collections, are
// disjoint), so the order is total. The groups are sorted by a 64-bit key
// per group, (2³¹−1 − length)·2³³ + kind·2³² + first row, then permuted:
// sorting the 56-byte groups themselves moved them and read each one's
// first row from scattered memory at every comparison. Time O(G log G).
func sortGroups(gs []group) []group {
	type keyed struct {
		key uint64
		i   int32
	}
	keys := make([]keyed, len(gs))
	for i, g := range gs {
		keys[i] = keyed{uint64(math.MaxInt32-len(g.rows))<<33 | uint64(g.kind)<<32 | uint64(uint32(g.rows[0])), int32(i)}
	}
	slices.SortFunc(keys, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	out := make([]group, len(gs))
	for k, e := range keys {
		out[k] = gs[e.i]
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
	partners *graph.PartnerTable
	cfg      config
	b        graph.Builder
	ws       graph.Workspace
	wallets  []uint32
	buf      []byte

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
	start, membs []int32  // components' members
	ids          []string // token ids of a collection ring
}

func newScanner(pass *detect.Pass, f *features.Set, p *graph.PartnerTable, cfg config) *scanner {
	return &scanner{pass: pass, f: f, partners: p, cfg: cfg, report: pass.Report}
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
	for _, sp := range graph.Sliding(pos, s.gTime, width, width/2) {
		if sp.Hi-sp.Lo < s.cfg.minLen || s.liveIn(pos[sp.Lo:sp.Hi]) < s.minComp() {
			continue
		}
		big, err := s.scanWindow(g, pos[sp.Lo:sp.Hi], width)
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
func (s *scanner) scanWindow(g group, pos []int32, width int64) (big [][]int32, err error) {
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
			s.cycle(g, gr, arcs, width)
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

// cycle scores one found cycle and records it on its positions.
func (s *scanner) cycle(g group, gr *graph.Graph, arcs []int32, _ int64) {
	k := len(arcs)
	var conc float64
	lo, hi := int64(1<<62), int64(-1<<62)
	repeated := 0.0
	nrows := 0
	s.wallets = s.wallets[:0]
	for _, a := range arcs {
		w := s.gIDs[gr.ID(gr.ArcFrom(a))-1]
		s.wallets = append(s.wallets, w)
		conc += s.partners.Concentration(w, k)
		ps := gr.ArcRows(a)
		if len(ps) > 1 {
			repeated = 1
		}
		nrows += len(ps)
		for _, p := range ps {
			lo, hi = min(lo, s.gTime[p]), max(hi, s.gTime[p])
		}
	}
	conc /= float64(k)
	span := hi - lo
	top := s.cfg.window
	if g.fungible {
		top = s.cfg.fungibleWindow
	}
	fast := 1 - float64(span)/float64(top)
	fast = max(0, min(1, fast))
	strength := 0.3 + 0.45*conc + 0.15*fast + 0.1*repeated
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
				ev = s.evidence(g, gr, arcs, nrows, span)
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

// evidence renders a cycle as 0xa→0xb→0xc→0xa (token 12, 3 legs in 2d).
func (s *scanner) evidence(g group, gr *graph.Graph, arcs []int32, nrows int, span int64) string {
	t := s.f.T
	b := s.buf[:0]
	for _, w := range s.wallets {
		b = appendAddr(b, t.Addrs, datasets.AddrID(w))
		b = append(b, "→"...)
	}
	b = appendAddr(b, t.Addrs, datasets.AddrID(s.wallets[0]))
	first := s.rows[gr.ArcRows(arcs[0])[0]]
	a := t.Asset[first]
	if g.kind == perToken {
		b = append(b, " (token "...)
		if id := t.Assets.TokenID[a]; id != "" {
			b = append(b, id...)
		} else {
			b = appendAddr(b, t.Addrs, t.Assets.Contract[a])
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
		b = appendAddr(b, t.Addrs, t.Assets.Contract[a])
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
	b = append(b, ')')
	s.buf = b
	return string(b)
}

// appendAddr appends the 0x form of id (nothing for NoAddr), as
// datasets.Addresses.String renders it.
func appendAddr(b []byte, addrs *datasets.Addresses, id datasets.AddrID) []byte {
	if id == datasets.NoAddr {
		return b
	}
	a := addrs.Addr(id)
	b = append(b, "0x"...)
	return hex.AppendEncode(b, a[:])
}
