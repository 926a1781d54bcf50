package farming

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var (
	paramWindow        = &detect.Param{Name: "window", Kind: detect.Duration, Default: "7d", Doc: "time within which the group's trades fall"}
	paramMinWallets    = &detect.Param{Name: "min_wallets", Kind: detect.Int, Default: "2", Min: 2, Doc: "smallest group"}
	paramMaxWallets    = &detect.Param{Name: "max_wallets", Kind: detect.Int, Default: "5", Min: 2, Doc: "largest group"}
	paramMinTokens     = &detect.Param{Name: "min_tokens", Kind: detect.Int, Default: "5", Min: 1, Doc: "fewest distinct tokens traded inside the group"}
	paramMinPairTokens = &detect.Param{Name: "min_pair_tokens", Kind: detect.Int, Default: "2", Min: 1, Doc: "distinct tokens two wallets must trade with each other to be linked"}
)

// Detector flags small groups of wallets passing many tokens among
// themselves on one marketplace.
var Detector = &detect.Detector{
	Name: "reward_farming",
	Doc: `reward farming: a few wallets passing many different NFTs among themselves on one marketplace

Per platform, in sliding windows: wallets are linked when they traded at
least min_pair_tokens distinct tokens with each other; a linked group of
min_wallets..max_wallets wallets that moved at least min_tokens distinct tokens
among themselves has its internal trades flagged. Only trades inside a
marketplace's rewarded trading-reward program count (the built-in list,
--reward-programs, --no-default-reward-programs). Strength min(1, 2s)·(0.6 +
0.4·min(1, n/(2·min_tokens))), s the share of the members' trades in the
window (every asset and marketplace) that stay inside the group.`,
	Params: params,
	Run:    func(pass *detect.Pass) (any, error) { return nil, scan(pass, false) },
	Reach:  reach,
}

type config struct {
	// outside selects dense_group: the rows outside every rewarded
	// program, platform or not, instead of the rows inside one.
	outside                  bool
	window                   int64
	minWallets, maxWallets   int
	minTokens, minPairTokens int
}

// item is one sliding window of one platform: positions (increasing) of
// the layout.
type item struct {
	pos   []int32
	start int64 // the window is [start, start+width)
	plat  int32 // index in layout.plats
}

// params are the parameters of both detectors.
var params = []*detect.Param{paramWindow, paramMinWallets, paramMaxWallets, paramMinTokens, paramMinPairTokens}

// reach is both detectors' Reach: sliding windows [k·window/2,
// k·window/2 + window) on a fixed grid, so a row's groups and shares lie
// within window of it.
func reach(p detect.ParamReader) (int64, bool) { w := p.Duration(paramWindow); return w, w > 0 }

// DenseGroup is reward_farming's scan over the NFT trades outside every
// rewarded program (and those without a platform): a small group passing
// many tokens among itself where no rewards were paid is weaker evidence,
// weighed under its own name.
var DenseGroup = &detect.Detector{
	Name: "dense_group",
	Doc: `a few wallets passing many different NFTs among themselves where no trading rewards were paid

The reward_farming scan (same parameters, same strength) over the NFT trades
outside every rewarded program, per platform, trades without a platform
forming one more platform. Weaker evidence than reward_farming: there was
no reward to farm, but a closed group trading many tokens among itself is
still what wash trading looks like.`,
	Params: params,
	Run:    func(pass *detect.Pass) (any, error) { return nil, scan(pass, true) },
	Reach:  reach,
}

// scan runs reward_farming (outside false) or dense_group.
func scan(pass *detect.Pass, outside bool) error {
	cfg := config{
		outside:       outside,
		window:        pass.Duration(paramWindow),
		minWallets:    max(pass.Int(paramMinWallets), 2),
		maxWallets:    pass.Int(paramMaxWallets),
		minTokens:     max(pass.Int(paramMinTokens), 1),
		minPairTokens: max(pass.Int(paramMinPairTokens), 1),
	}
	return scanAll(pass, cfg, pass.Report)
}

// scanAll lays out the platforms, cuts their windows and scans them on
// every core, reporting findings through report (called from several
// goroutines).
func scanAll(pass *detect.Pass, cfg config, report func(int32, float64, string)) error {
	lay, err := newLayout(pass, cfg.outside)
	if err != nil {
		return err
	}
	items := lay.items(pass.Features.T.Time, cfg.window)
	act := graph.ActivityOf(pass)
	return detect.ParallelEach(pass.Context, items, func() func(item) {
		s := &scanner{report: report, t: pass.Features.T, lay: lay, cfg: cfg, act: act}
		return s.scan
	})
}

// layout holds the rows the windows are cut from, platform by platform:
// the NFT rows with a platform and two known, different parties of every
// platform form a contiguous range of positions, in canonical order. The
// row, asset and both parties of each position are copied next to each
// other (not the time: the windows are cut once, from the table's time
// column, and a group's time range is read there too; 8 bytes a position
// less), and wallets are renumbered per platform to local ids 1..D in
// increasing wallet id ([graph.Renumberer]), so a window's graph built from
// positions has the same nodes, arcs and row orders as the graph of its
// rows built from the table's columns, while a window reads contiguous
// arrays and small ids instead of rows scattered across the table and
// wallet ids over the whole address space.
type layout struct {
	rows     []int32  // position → row
	asset    []uint32 // position → asset (token)
	from, to []uint32 // position → local wallet id (seller, buyer)
	plats    []lplat
}

// lplat is one platform of a layout.
type lplat struct {
	lo, hi   int32    // positions
	wallets  int      // local wallet ids are 1..wallets
	ids      []uint32 // local id − 1 → wallet id
	platform uint32
	name     string
}

// newLayout lays out the platforms: a counting sort on the platform over
// the rows in canonical order, then per platform, on every core, the
// wallet renumbering. Time O(rows + platforms) plus O(n log D) per
// platform of n rows and D wallets (O(n + D) when graph.SortDistinct
// applies).
func newLayout(pass *detect.Pass, outside bool) (*layout, error) {
	f := pass.Features
	t := f.T
	// Rewards are paid by a marketplace: a row without a platform cannot be
	// attributed to one, so it never forms a farming group, nor does a row
	// of a marketplace that paid no rewards at its time.
	progs := pass.RewardPrograms
	if progs == nil {
		progs = &detect.RewardPrograms{List: DefaultPrograms()}
	}
	paid := newRewarded(t, progs.List)
	np := t.Platforms.Len()
	// plat[i] is 1 + the platform of the i-th row in canonical order, or 0
	// when the row cannot be part of a group.
	plat := make([]uint32, len(f.Order))
	end := make([]int32, np+1) // rows of platform p: positions end[p]:end[p+1]
	for i, r := range f.Order {
		if ok := keep(f, r); ok && (t.Platform[r] != 0 && paid.at(t, r)) != outside {
			p := t.Platform[r]
			plat[i] = p + 1
			end[p+1]++
		}
	}
	for p := 1; p <= np; p++ {
		end[p] += end[p-1]
	}
	n := int(end[np])
	lay := &layout{rows: make([]int32, n), asset: make([]uint32, n), from: make([]uint32, n), to: make([]uint32, n)}
	for j, p1 := range plat {
		if p1 == 0 {
			continue
		}
		p := p1 - 1
		r := f.Order[j]
		i := end[p]
		end[p]++
		lay.rows[i], lay.asset[i], lay.from[i], lay.to[i] = r, t.Asset[r], f.Seller[r], f.Buyer[r]
	}
	// end[p] is now the end of platform p's positions and the start of p+1's.
	lo := int32(0)
	for p := 0; p < np; p++ {
		if end[p]-lo >= 2 {
			lay.plats = append(lay.plats, lplat{lo: lo, hi: end[p], platform: uint32(p), name: t.Platforms.Value(uint32(p))})
		}
		lo = end[p]
	}
	err := graph.RenumberRanges(pass.Context, lay.from, lay.to, t.Addrs.Len()+1, len(lay.plats),
		func(i int) (int32, int32) { return lay.plats[i].lo, lay.plats[i].hi },
		func(i int, ids []uint32) { lay.plats[i].wallets, lay.plats[i].ids = len(ids), slices.Clone(ids) })
	return lay, err
}

// keep reports whether row r can be part of a group: an NFT row with two
// known, different parties (reward_farming also needs a platform whose
// program covers the row; dense_group takes the others).
func keep(f *features.Set, r int32) bool {
	t := f.T
	return t.Standard[r] != datasets.ERC20 && f.Seller[r] != features.NoWallet && f.Buyer[r] != features.NoWallet && f.Seller[r] != f.Buyer[r]
}

// items returns the windows to scan: per platform, the sliding windows of
// width (step width/2) with two or more rows, largest first (the order
// only balances the workers); time is the table's time column. Time
// O(positions + windows log windows).
func (lay *layout) items(time []int64, width int64) []item {
	iota := make([]int32, len(lay.rows))
	for i := range iota {
		iota[i] = int32(i)
	}
	var items []item
	for pi, pl := range lay.plats {
		pos := iota[pl.lo:pl.hi]
		// The platform's rows in position order: span k of its rows is
		// span k of its positions.
		for _, sp := range graph.SlidingAll(lay.rows[pl.lo:pl.hi], time, width, width/2) {
			if sp.Hi-sp.Lo >= 2 {
				items = append(items, item{pos[sp.Lo:sp.Hi], sp.Start, int32(pi)})
			}
		}
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(len(b.pos), len(a.pos)) })
	return items
}

type scanner struct {
	report func(row int32, strength float64, evidence string) // pass.Report
	t      *datasets.Trades
	lay    *layout
	cfg    config
	act    *graph.ActivityTable
	b      graph.Builder
	parent []int32
	size   []int32
	total  []int32 // rows per local wallet in the window
	inside []int32 // rows per local wallet inside its group
	tokens []uint32
	pos    []int32
	rev    []int32 // arc → reverse arc or -1
	buf    []byte
	wids   []uint32 // the group's wallet ids, ascending by address
	win    []int32  // their rows inside the group
	// rootOf is each local wallet's root; members holds the wallets of each
	// group, ascending, ending at start[root].
	rootOf, start, members []int32
}

func (s *scanner) find(x int32) int32 {
	for s.parent[x] != x {
		s.parent[x] = s.parent[s.parent[x]]
		x = s.parent[x]
	}
	return x
}

func (s *scanner) union(a, b int32) {
	a, b = s.find(a), s.find(b)
	if a == b {
		return
	}
	if s.size[a] < s.size[b] || (s.size[a] == s.size[b] && b < a) {
		a, b = b, a
	}
	s.parent[b] = a
	s.size[a] += s.size[b]
}

// distinctAtLeast reports whether tokens holds at least m distinct values
// (m ≥ 1, len(tokens) ≥ m). Short lists are checked against the distinct
// values seen so far, stopping at the m-th: O(len·m); long ones sorted.
func (s *scanner) distinctAtLeast(tokens []uint32, m int) bool {
	if m <= 8 {
		var seen [8]uint32
		d := 0
	next:
		for _, x := range tokens {
			for _, y := range seen[:d] {
				if x == y {
					continue next
				}
			}
			seen[d] = x
			d++
			if d >= m {
				return true
			}
		}
		return false
	}
	slices.Sort(tokens)
	return len(slices.Compact(tokens)) >= m
}

// reverse returns, for every arc u→v of g, the arc v→u or -1. Out-arcs
// are ordered by target and in-arcs by source, so one merge of the two
// lists per node finds them all: time O(arcs + nodes).
func (s *scanner) reverse(g *graph.Graph) []int32 {
	na := g.Arcs()
	rev := slices.Grow(s.rev[:0], na)[:na]
	s.rev = rev
	for u := int32(0); u < int32(g.Len()); u++ {
		in := g.In(u)
		i := 0
		lo, hi := g.Out(u)
		for k := lo; k < hi; k++ {
			w := g.ArcTo(k)
			for i < len(in) && g.ArcFrom(in[i]) < w {
				i++
			}
			if i < len(in) && g.ArcFrom(in[i]) == w {
				rev[k] = in[i]
			} else {
				rev[k] = -1
			}
		}
	}
	return rev
}

func (s *scanner) scan(it item) {
	lay := s.lay
	g := s.b.BuildDense(it.pos, lay.from, lay.to, lay.plats[it.plat].wallets)
	n := g.Len()
	if n < s.cfg.minWallets {
		return
	}
	s.parent = slices.Grow(s.parent[:0], n)[:n]
	s.size = slices.Grow(s.size[:0], n)[:n]
	for i := range s.parent {
		s.parent[i] = int32(i)
		s.size[i] = 1
	}
	// Distinct tokens per unordered pair {u, v}: the rows of arcs u→v and
	// v→u. A pair with fewer rows than min_pair_tokens cannot qualify, which
	// settles most pairs without reading a token. Components do not depend
	// on the order of unions.
	rev := s.reverse(g)
	linked := false
	for k := int32(0); k < int32(g.Arcs()); k++ {
		u, v := g.ArcFrom(k), g.ArcTo(k)
		rev := rev[k]
		if u > v && rev >= 0 {
			continue // the pair was seen at arc rev
		}
		nr := len(g.ArcRows(k))
		if rev >= 0 {
			nr += len(g.ArcRows(rev))
		}
		if nr < s.cfg.minPairTokens {
			continue
		}
		s.tokens = s.tokens[:0]
		for _, p := range g.ArcRows(k) {
			s.tokens = append(s.tokens, lay.asset[p])
		}
		if rev >= 0 {
			for _, p := range g.ArcRows(rev) {
				s.tokens = append(s.tokens, lay.asset[p])
			}
		}
		if s.distinctAtLeast(s.tokens, s.cfg.minPairTokens) {
			s.union(u, v)
			linked = true
		}
	}
	if !linked {
		return
	}
	// Each wallet's root once, then the wallets of every group by a
	// counting sort on the root (stable, so ascending within a group):
	// O(n) for all groups together.
	s.rootOf = slices.Grow(s.rootOf[:0], n)[:n]
	s.start = slices.Grow(s.start[:0], n+1)[:n+1]
	s.members = slices.Grow(s.members[:0], n)[:n]
	clear(s.start)
	for u := range s.rootOf {
		s.rootOf[u] = s.find(int32(u))
		s.start[s.rootOf[u]+1]++
	}
	for i := 1; i <= n; i++ {
		s.start[i] += s.start[i-1]
	}
	for u, r := range s.rootOf {
		s.members[s.start[r]] = int32(u)
		s.start[r]++ // ends as the end of r's wallets
	}
	s.total = slices.Grow(s.total[:0], n)[:n]
	s.inside = slices.Grow(s.inside[:0], n)[:n]
	clear(s.total)
	clear(s.inside)
	for k := int32(0); k < int32(g.Arcs()); k++ {
		u, v := g.ArcFrom(k), g.ArcTo(k)
		c := int32(len(g.ArcRows(k)))
		s.total[u] += c
		s.total[v] += c
		if s.rootOf[u] == s.rootOf[v] {
			s.inside[u] += c
			s.inside[v] += c
		}
	}
	// Visit groups by root in increasing local order.
	for root := int32(0); root < int32(n); root++ {
		if s.rootOf[root] != root {
			continue
		}
		size := int(s.size[root])
		if size < s.cfg.minWallets || size > s.cfg.maxWallets {
			continue
		}
		end := s.start[root]
		s.group(it, g, root, s.members[end-int32(size):end])
	}
}

// group reports the rows among members (local wallets of one group,
// ascending) when they traded enough distinct tokens.
//
// Chance model: s = Σ inside(w) / Σ total(w) over the members, inside(w)
// the member's rows inside the group in the window and total(w) all its
// rows in the window [start, start+window) over every asset and marketplace
// (graph.ActivityTable); strength = Surprise(s)·(0.6 + 0.4·min(1,
// n/(2·min_tokens))) for n distinct tokens. The evidence names the members
// in ascending address order.
func (s *scanner) group(it item, g *graph.Graph, root int32, members []int32) {
	lay := s.lay
	pl := &lay.plats[it.plat]
	size := len(members)
	s.tokens = s.tokens[:0]
	s.pos = s.pos[:0]
	s.wids, s.win = s.wids[:0], s.win[:0]
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, u := range members {
		s.wids = append(s.wids, pl.ids[g.ID(u)-1])
		s.win = append(s.win, s.inside[u])
		a, b := g.Out(u)
		for k := a; k < b; k++ {
			if s.rootOf[g.ArcTo(k)] != root {
				continue
			}
			for _, p := range g.ArcRows(k) {
				s.tokens = append(s.tokens, lay.asset[p])
				s.pos = append(s.pos, p)
				at := s.t.Time[lay.rows[p]]
				lo, hi = min(lo, at), max(hi, at)
			}
		}
	}
	slices.Sort(s.tokens)
	nt := len(slices.Compact(s.tokens))
	if nt < s.cfg.minTokens {
		return
	}
	t0, t1 := it.start, it.start+s.cfg.window
	if s.cfg.window <= 0 { // one window over everything
		t0, t1 = math.MinInt64, math.MaxInt64
	}
	share := s.act.Share(s.wids, s.win, t0, t1)
	strength := graph.Surprise(share) * (0.6 + 0.4*min(1, float64(nt)/float64(2*s.cfg.minTokens)))
	addrs := s.t.Addrs
	slices.SortFunc(s.wids, func(a, b uint32) int {
		x, y := addrs.Addr(datasets.AddrID(a)), addrs.Addr(datasets.AddrID(b))
		return bytes.Compare(x[:], y[:])
	})
	// "%d wallets (0x…, 0x…) traded %d tokens among themselves on %s
	// within %s; …" without fmt.
	b := strconv.AppendInt(s.buf[:0], int64(size), 10)
	b = append(b, " wallets ("...)
	for i, w := range s.wids {
		if i > 0 {
			b = append(b, ", "...)
		}
		a := addrs.Addr(datasets.AddrID(w))
		b = datasets.AppendHex(b, a[:])
	}
	b = append(b, ") traded "...)
	b = strconv.AppendInt(b, int64(nt), 10)
	b = append(b, " tokens among themselves"...)
	if pl.name != "" {
		b = append(b, " on "...)
		b = append(b, pl.name...)
	}
	b = append(b, " within "...)
	b = append(b, graph.Human(hi-lo)...)
	if s.cfg.outside {
		b = append(b, ", outside any reward program"...)
	}
	b = graph.AppendShare(b, size, share, s.cfg.window, "group")
	s.buf = b
	ev := string(b)
	for _, p := range s.pos {
		s.report(lay.rows[p], strength, ev)
	}
}
