package farming

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/features"
)

// The reference is the plain scan the layout-based scan replaces: rows
// grouped by platform, every window's graph built from the table's columns
// by row, no renumbering, evidence by fmt. TestScanMatchesReference
// compares the two.

type refItem struct {
	rows     []int32
	start    int64
	platform uint32
}

func refScan(f *features.Set, cfg config, report func(int32, float64, string)) {
	s := &refScanner{report: report, f: f, cfg: cfg}
	for _, it := range refItems(f, cfg.window) {
		s.scan(it)
	}
}

// refItems returns the windows to scan: per platform, the NFT rows with a
// platform and two known, different parties in sliding windows of width
// (step width/2), largest first.
func refItems(f *features.Set, width int64) []refItem {
	t := f.T
	byPlat := make([][]int32, t.Platforms.Len())
	for _, r := range f.Order {
		if t.Platform[r] == 0 || t.Standard[r] == datasets.ERC20 || f.Seller[r] == features.NoWallet || f.Buyer[r] == features.NoWallet || f.Seller[r] == f.Buyer[r] {
			continue
		}
		byPlat[t.Platform[r]] = append(byPlat[t.Platform[r]], r)
	}
	var items []refItem
	for p, rows := range byPlat {
		for _, sp := range graph.Sliding(rows, t.Time, width, width/2) {
			if sp.Hi-sp.Lo >= 2 {
				items = append(items, refItem{rows[sp.Lo:sp.Hi], sp.Start, uint32(p)})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b refItem) int { return cmp.Compare(len(b.rows), len(a.rows)) })
	return items
}

type refScanner struct {
	report                 func(int32, float64, string)
	f                      *features.Set
	cfg                    config
	b                      graph.Builder
	parent, size           []int32
	total, inside          []int32
	tokens                 []uint32
	rows                   []int32
	rootOf, start, members []int32
}

func (s *refScanner) find(x int32) int32 {
	for s.parent[x] != x {
		s.parent[x] = s.parent[s.parent[x]]
		x = s.parent[x]
	}
	return x
}

func (s *refScanner) union(a, b int32) {
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

func (s *refScanner) scan(it refItem) {
	t := s.f.T
	g := s.b.Build(it.rows, s.f.Seller, s.f.Buyer)
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
	linked := false
	for k := int32(0); k < int32(g.Arcs()); k++ {
		u, v := g.ArcFrom(k), g.ArcTo(k)
		rev := g.Arc(v, u)
		if u > v && rev >= 0 {
			continue
		}
		nr := len(g.ArcRows(k))
		if rev >= 0 {
			nr += len(g.ArcRows(rev))
		}
		if nr < s.cfg.minPairTokens {
			continue
		}
		s.tokens = s.tokens[:0]
		for _, r := range g.ArcRows(k) {
			s.tokens = append(s.tokens, t.Asset[r])
		}
		if rev >= 0 {
			for _, r := range g.ArcRows(rev) {
				s.tokens = append(s.tokens, t.Asset[r])
			}
		}
		slices.Sort(s.tokens)
		if len(slices.Compact(s.tokens)) >= s.cfg.minPairTokens {
			s.union(u, v)
			linked = true
		}
	}
	if !linked {
		return
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
		if s.find(u) == s.find(v) {
			s.inside[u] += c
			s.inside[v] += c
		}
	}
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
		s.start[r]++
	}
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

func (s *refScanner) group(it refItem, g *graph.Graph, root int32, members []int32) {
	t := s.f.T
	size := len(members)
	s.tokens = s.tokens[:0]
	s.rows = s.rows[:0]
	var wallets []uint32
	var inside []int32
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, u := range members {
		wallets = append(wallets, uint32(g.ID(u)))
		inside = append(inside, s.inside[u])
		a, b := g.Out(u)
		for k := a; k < b; k++ {
			if s.rootOf[g.ArcTo(k)] != root {
				continue
			}
			for _, r := range g.ArcRows(k) {
				s.tokens = append(s.tokens, t.Asset[r])
				s.rows = append(s.rows, r)
				lo, hi = min(lo, t.Time[r]), max(hi, t.Time[r])
			}
		}
	}
	slices.Sort(s.tokens)
	nt := len(slices.Compact(s.tokens))
	if nt < s.cfg.minTokens {
		return
	}
	t0, t1 := it.start, it.start+s.cfg.window
	if s.cfg.window <= 0 {
		t0, t1 = math.MinInt64, math.MaxInt64
	}
	share := graphtest.WindowShare(s.f, wallets, inside, t0, t1)
	strength := min(1, share/0.5) * (0.6 + 0.4*min(1, float64(nt)/float64(2*s.cfg.minTokens)))
	plat := t.Platforms.Value(it.platform)
	var names []string
	for _, w := range wallets {
		names = append(names, t.Addrs.String(datasets.AddrID(w)))
	}
	slices.Sort(names)
	ev := fmt.Sprintf("%d wallets (%s) traded %d tokens among themselves on %s within %s; %d wallets, %d%% of their %s-window trades inside the group",
		size, strings.Join(names, ", "), nt, plat, graph.Human(hi-lo), size, int64(math.Round(share*100)), graph.Human(s.cfg.window))
	for _, r := range s.rows {
		s.report(r, strength, ev)
	}
}

// TestScanMatchesReference runs the layout-based scan and the reference on
// seeded synthetic markets (with extra dense farming on several platforms)
// under several parameter sets and requires the same findings: rows,
// strength bits and evidence.
func TestScanMatchesReference(t *testing.T) {
	const d = 86400
	ps := []config{
		{window: 7 * d, minWallets: 2, maxWallets: 5, minTokens: 5, minPairTokens: 2},
		{window: d, minWallets: 2, maxWallets: 3, minTokens: 3, minPairTokens: 1},
		{window: 30 * d, minWallets: 3, maxWallets: 8, minTokens: 4, minPairTokens: 3},
		{window: 3600, minWallets: 2, maxWallets: 4, minTokens: 2, minPairTokens: 2},
		{window: 14 * d, minWallets: 2, maxWallets: 6, minTokens: 6, minPairTokens: 4},
		{window: 7 * d, minWallets: 2, maxWallets: 1000, minTokens: 1, minPairTokens: 9},
		{window: 0, minWallets: 2, maxWallets: 5, minTokens: 5, minPairTokens: 2},
	}
	for _, seed := range []uint64{1, 2, 3} {
		tr := graphtest.Market(graphtest.MarketConfig{Seed: seed, Trades: 20000})
		fs := features.Compute(tr)
		// Every platform paid rewards all the time: the reference scans
		// every platform row (the program gate has its own test).
		progs := &detect.RewardPrograms{}
		for p := 1; p < tr.Platforms.Len(); p++ {
			for c := 0; c < tr.Chains.Len(); c++ {
				progs.List = append(progs.List, detect.RewardProgram{Chain: tr.Chains.Value(uint32(c)), Platform: tr.Platforms.Value(uint32(p)), Rewarded: true, Source: "test"})
			}
		}
		in := &detect.Input{Features: fs, RewardPrograms: progs}
		for pi, cfg := range ps {
			var want, got graphtest.Findings
			var mu sync.Mutex
			refScan(fs, cfg, want.Add)
			pass := &detect.Pass{Detector: Detector, Input: in, Context: context.Background()}
			if err := scanAll(pass, cfg, func(r int32, st float64, ev string) {
				mu.Lock()
				got.Add(r, st, ev)
				mu.Unlock()
			}); err != nil {
				t.Fatal(err)
			}
			if want.Len() == 0 {
				t.Errorf("seed %d params %d: reference found nothing", seed, pi)
			}
			if !got.Equal(&want) {
				t.Errorf("seed %d params %d: %d findings, reference %d (or they differ)", seed, pi, got.Len(), want.Len())
			}
		}
	}
}
