package volmatch

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
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
positions all stay within margin × the mean trade amount. Flags its trades.`,
	Requires: []*detect.Detector{graph.Partners, hubs.Detector},
	Params: []detect.Param{
		{Name: "window_short", Kind: detect.Duration, Default: "1h", Doc: "shortest tumbling window (0 disables)"},
		{Name: "window_mid", Kind: detect.Duration, Default: "1d", Doc: "middle tumbling window (0 disables)"},
		{Name: "window_long", Kind: detect.Duration, Default: "1w", Doc: "longest tumbling window (0 disables)"},
		{Name: "margin", Kind: detect.Number, Default: "0.01", Doc: "allowed net position per wallet, as a fraction of the mean trade amount"},
		{Name: "max_component", Kind: detect.Number, Default: "1000", Doc: "largest component (wallets) searched for a matching subset; larger ones are tested whole"},
	},
	Run: run,
}

type config struct {
	margin  float64
	maxComp int
}

// item is one window of one token or collection.
type item struct {
	rows     []int32 // canonical order
	width    int64
	start    int64
	fungible bool
}

func run(pass *detect.Pass) (any, error) {
	f := pass.Features
	cfg := config{margin: max(pass.Float("margin"), 0), maxComp: max(pass.Int("max_component"), 2)}
	partners, _ := pass.ResultOf[graph.Partners].(*graph.PartnerTable)
	if partners == nil {
		partners = graph.ComputePartners(f.Seller, f.Buyer, f.T.Addrs.Len())
	}
	var widths []int64
	for _, name := range []string{"window_short", "window_mid", "window_long"} {
		if w := pass.Duration(name); w > 0 {
			widths = append(widths, w)
		}
	}
	tbl, _ := pass.ResultOf[hubs.Detector].(*hubs.Table)
	seller, buyer := tbl.Columns(f)
	groups := groupsOf(f, seller, buyer)
	// The widths run longest first. A tumbling window of width w lies
	// inside one window of every width that is a multiple of w (all are
	// aligned to the epoch), so its graph is a subgraph of that window's:
	// a trade whose arc is not inside a strongly connected component of
	// the larger window is not inside one of the smaller window either,
	// and dropping such trades changes neither the components nor the
	// arcs inside them. Each width keeps, per row, whether its arc was
	// inside a component, and the next nested width tests only those rows.
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
			keep = make([]bool, len(f.T.Time))
		}
		items := levelItems(f.T.Time, groups, w, parent)
		if err := scanAll(pass, items, keep, func() *scanner {
			return &scanner{pass: pass, f: f, partners: partners, cfg: cfg, seller: seller, buyer: buyer}
		}); err != nil {
			return nil, err
		}
		done = append(done, kept{w, keep})
	}
	return nil, pass.Context.Err()
}

// scanAll scans items on every core, marking in keep (if not nil) the rows
// whose arcs lie inside a component.
func scanAll(pass *detect.Pass, items []item, keep []bool, newScanner func() *scanner) error {
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		runErr error
	)
	workers := min(runtime.GOMAXPROCS(0), max(len(items), 1))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScanner()
			s.keep = keep
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				if i&63 == 0 {
					if err := pass.Context.Err(); err != nil {
						mu.Lock()
						runErr = err
						mu.Unlock()
						return
					}
				}
				s.scan(items[i])
			}
		}()
	}
	wg.Wait()
	return runErr
}

// group is the rows of one token or collection, in canonical order.
type group struct {
	rows     []int32
	fungible bool
}

// groupsOf returns the rows of every ERC-20 token and NFT collection with
// two or more trades between distinct wallets, in order of first trade.
func groupsOf(f *features.Set, seller, buyer []uint32) []group {
	t := f.T
	idx := make(map[[2]uint32]int) // (contract, fungible) → group
	var out []group
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
			out = append(out, group{fungible: fung == 1})
		}
		out[i].rows = append(out[i].rows, r)
	}
	return out
}

// levelItems returns the tumbling windows of width w of every group, only
// rows with parent[r] set when parent is not nil, largest first.
func levelItems(time []int64, groups []group, w int64, parent []bool) []item {
	var items []item
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
				items = append(items, item{rows[sp.Lo:sp.Hi], w, sp.Start, g.fungible})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(len(b.rows), len(a.rows)) })
	return items
}

// Items returns the windows to test: for every ERC-20 token and every NFT
// collection, its rows cut into tumbling windows of each width, largest
// first, ties in a fixed order.
func Items(f *features.Set, widths []int64) []item {
	return itemsOf(f, f.Seller, f.Buyer, widths)
}

// itemsOf is Items over the wallet columns seller and buyer.
func itemsOf(f *features.Set, seller, buyer []uint32, widths []int64) []item {
	t := f.T
	groups := make(map[[2]uint32][]int32) // (contract, fungible) → rows
	var keys [][2]uint32
	for _, r := range f.Order {
		if seller[r] == features.NoWallet || buyer[r] == features.NoWallet || seller[r] == buyer[r] {
			continue
		}
		fung := uint32(0)
		if t.Standard[r] == datasets.ERC20 {
			fung = 1
		}
		k := [2]uint32{f.Contract[r], fung}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	// An ERC-20 contract is one asset; its rows form one group. (Rows of an
	// ERC-20 contract with token ids are grouped per contract as well.)
	var items []item
	for _, k := range keys {
		rows := groups[k]
		if len(rows) < 2 {
			continue
		}
		for _, w := range widths {
			for _, sp := range graph.Sliding(rows, t.Time, w, w) {
				if sp.Hi-sp.Lo >= 2 {
					items = append(items, item{rows[sp.Lo:sp.Hi], w, sp.Start, k[1] == 1})
				}
			}
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(len(b.rows), len(a.rows)) })
	return items
}

type scanner struct {
	pass     *detect.Pass
	f        *features.Set
	partners *graph.PartnerTable
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
func (s *scanner) scan(it item) {
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

func (s *scanner) flag(it item, g *graph.Graph, comp []int32, c int32, m []int32, live, trades int, total, imb, mean float64) {
	t := s.f.T
	var conc float64
	for _, u := range m {
		if s.alive[u] {
			conc += s.partners.Concentration(uint32(g.ID(u)), live)
		}
	}
	conc /= float64(live)
	tight := 1.0
	if lim := s.cfg.margin * mean; lim > 0 {
		tight = 1 - imb/lim
	}
	strength := 0.25 + 0.35*conc + 0.25*(1-1/math.Sqrt(float64(trades))) + 0.15*max(0, min(1, tight))
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
	ev := fmt.Sprintf("%d wallets, %d trades, volume %s matched within %s%% in %s window from %s",
		live, trades, strconv.FormatFloat(math.Round(volume*1e6)/1e6, 'f', -1, 64), strconv.FormatFloat(pct, 'f', 1, 64),
		graph.Human(it.width), time.Unix(it.start, 0).UTC().Format(time.RFC3339))
	for _, u := range m {
		if !s.alive[u] {
			continue
		}
		lo, hi := g.Out(u)
		for k := lo; k < hi; k++ {
			if s.internal(g, comp, c, k) {
				for _, r := range g.ArcRows(k) {
					s.pass.Report(r, strength, ev)
				}
			}
		}
	}
}
