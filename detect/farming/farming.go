package farming

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/features"
)

// Detector flags small groups of wallets passing many tokens among
// themselves on one marketplace.
var Detector = &detect.Detector{
	Name: "reward_farming",
	Doc: `reward farming: a few wallets passing many different NFTs among themselves on one marketplace

Per platform, in sliding windows: wallets are linked when they traded at
least min_pair_tokens distinct tokens with each other; a linked group of
min_wallets..max_wallets wallets that moved at least min_tokens distinct tokens
among themselves has its internal trades flagged.`,
	Params: []detect.Param{
		{Name: "window", Kind: detect.Duration, Default: "7d", Doc: "time within which the group's trades fall"},
		{Name: "min_wallets", Kind: detect.Number, Default: "2", Doc: "smallest group"},
		{Name: "max_wallets", Kind: detect.Number, Default: "5", Doc: "largest group"},
		{Name: "min_tokens", Kind: detect.Number, Default: "5", Doc: "fewest distinct tokens traded inside the group"},
		{Name: "min_pair_tokens", Kind: detect.Number, Default: "2", Doc: "distinct tokens two wallets must trade with each other to be linked"},
	},
	Run: run,
	// Sliding windows [k·window/2, k·window/2 + window) on a fixed grid: a
	// row's groups and shares lie within window of it.
	Reach: func(p detect.ParamReader) (int64, bool) { w := p.Duration("window"); return w, w > 0 },
}

type config struct {
	window                   int64
	minWallets, maxWallets   int
	minTokens, minPairTokens int
}

// item is one sliding window of one platform: positions (increasing) of
// the layout.
type item struct {
	pos  []int32
	plat int32 // index in layout.plats
}

func run(pass *detect.Pass) (any, error) {
	cfg := config{
		window:        pass.Duration("window"),
		minWallets:    max(pass.Int("min_wallets"), 2),
		maxWallets:    pass.Int("max_wallets"),
		minTokens:     max(pass.Int("min_tokens"), 1),
		minPairTokens: max(pass.Int("min_pair_tokens"), 1),
	}
	return nil, scanAll(pass, cfg, pass.Report)
}

// scanAll lays out the platforms, cuts their windows and scans them on
// every core, reporting findings through report (called from several
// goroutines).
func scanAll(pass *detect.Pass, cfg config, report func(int32, float64, string)) error {
	lay, err := newLayout(pass)
	if err != nil {
		return err
	}
	items := lay.items(cfg.window)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	workers := min(runtime.GOMAXPROCS(0), max(len(items), 1))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &scanner{report: report, t: pass.Features.T, lay: lay, cfg: cfg}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				if i&63 == 0 && pass.Context.Err() != nil {
					return
				}
				s.scan(items[i])
			}
		}()
	}
	wg.Wait()
	return pass.Context.Err()
}

// layout holds the rows the windows are cut from, platform by platform:
// the NFT rows with a platform and two known, different parties of every
// platform form a contiguous range of positions, in canonical order. The
// row, time, asset and both parties of each position are copied next to
// each other, and wallets are renumbered per platform to local ids 1..D in
// increasing wallet id ([graph.Renumberer]), so a window's graph built from
// positions has the same nodes, arcs and row orders as the graph of its
// rows built from the table's columns, while a window reads contiguous
// arrays and small ids instead of rows scattered across the table and
// wallet ids over the whole address space.
type layout struct {
	rows     []int32  // position → row
	time     []int64  // position → time
	asset    []uint32 // position → asset (token)
	from, to []uint32 // position → local wallet id (seller, buyer)
	plats    []lplat
}

// lplat is one platform of a layout.
type lplat struct {
	lo, hi   int32 // positions
	wallets  int   // local wallet ids are 1..wallets
	platform uint32
	name     string
}

// newLayout lays out the platforms: a counting sort on the platform over
// the rows in canonical order, then per platform, on every core, the
// wallet renumbering. Time O(rows + platforms) plus O(n log D) per
// platform of n rows and D wallets (O(n + D) when graph.SortDistinct
// applies).
func newLayout(pass *detect.Pass) (*layout, error) {
	f := pass.Features
	t := f.T
	// Rewards are paid by a marketplace: a row without a platform cannot be
	// attributed to one, so it never forms a farming group.
	np := t.Platforms.Len()
	// plat[i] is the platform of the i-th row in canonical order, or 0
	// when the row cannot be part of a group.
	plat := make([]uint32, len(f.Order))
	end := make([]int32, np+1) // rows of platform p: positions end[p]:end[p+1]
	for i, r := range f.Order {
		if keep(f, r) {
			p := t.Platform[r]
			plat[i] = p
			end[p+1]++
		}
	}
	for p := 1; p <= np; p++ {
		end[p] += end[p-1]
	}
	n := int(end[np])
	lay := &layout{rows: make([]int32, n), time: make([]int64, n), asset: make([]uint32, n), from: make([]uint32, n), to: make([]uint32, n)}
	for j, p := range plat {
		if p == 0 {
			continue
		}
		r := f.Order[j]
		i := end[p]
		end[p]++
		lay.rows[i], lay.time[i], lay.asset[i], lay.from[i], lay.to[i] = r, t.Time[r], t.Asset[r], f.Seller[r], f.Buyer[r]
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
		func(i int, ids []uint32) { lay.plats[i].wallets = len(ids) })
	return lay, err
}

// keep reports whether row r can be part of a farming group: an NFT row
// with a platform and two known, different parties.
func keep(f *features.Set, r int32) bool {
	t := f.T
	return t.Platform[r] != 0 && t.Standard[r] != datasets.ERC20 && f.Seller[r] != features.NoWallet && f.Buyer[r] != features.NoWallet && f.Seller[r] != f.Buyer[r]
}

// items returns the windows to scan: per platform, the sliding windows of
// width (step width/2) with two or more rows, largest first (the order
// only balances the workers). Time O(positions + windows log windows).
func (lay *layout) items(width int64) []item {
	iota := make([]int32, len(lay.rows))
	for i := range iota {
		iota[i] = int32(i)
	}
	var items []item
	for pi, pl := range lay.plats {
		pos := iota[pl.lo:pl.hi]
		for _, sp := range graph.SlidingAll(pos, lay.time, width, width/2) {
			if sp.Hi-sp.Lo >= 2 {
				items = append(items, item{pos[sp.Lo:sp.Hi], int32(pi)})
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
	b      graph.Builder
	parent []int32
	size   []int32
	total  []int32 // rows per local wallet in the window
	inside []int32 // rows per local wallet inside its group
	tokens []uint32
	pos    []int32
	rev    []int32 // arc → reverse arc or -1
	buf    []byte
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
func (s *scanner) group(it item, g *graph.Graph, root int32, members []int32) {
	lay := s.lay
	size := len(members)
	s.tokens = s.tokens[:0]
	s.pos = s.pos[:0]
	var share float64
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, u := range members {
		share += float64(s.inside[u]) / float64(max(s.total[u], 1))
		a, b := g.Out(u)
		for k := a; k < b; k++ {
			if s.rootOf[g.ArcTo(k)] != root {
				continue
			}
			for _, p := range g.ArcRows(k) {
				s.tokens = append(s.tokens, lay.asset[p])
				s.pos = append(s.pos, p)
				lo, hi = min(lo, lay.time[p]), max(hi, lay.time[p])
			}
		}
	}
	slices.Sort(s.tokens)
	nt := len(slices.Compact(s.tokens))
	if nt < s.cfg.minTokens {
		return
	}
	share /= float64(size)
	strength := 0.3 + 0.4*share + 0.3*min(1, float64(nt)/float64(2*s.cfg.minTokens))
	// "%d wallets traded %d tokens among themselves on %s within %s"
	// without fmt.
	b := strconv.AppendInt(s.buf[:0], int64(size), 10)
	b = append(b, " wallets traded "...)
	b = strconv.AppendInt(b, int64(nt), 10)
	b = append(b, " tokens among themselves on "...)
	b = append(b, lay.plats[it.plat].name...)
	b = append(b, " within "...)
	b = append(b, graph.Human(hi-lo)...)
	s.buf = b
	ev := string(b)
	for _, p := range s.pos {
		s.report(lay.rows[p], strength, ev)
	}
}
