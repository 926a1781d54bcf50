package farming

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
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
}

type config struct {
	window                   int64
	minWallets, maxWallets   int
	minTokens, minPairTokens int
}

type item struct {
	rows     []int32
	platform uint32
}

func run(pass *detect.Pass) (any, error) {
	f := pass.Features
	cfg := config{
		window:        pass.Duration("window"),
		minWallets:    max(pass.Int("min_wallets"), 2),
		maxWallets:    pass.Int("max_wallets"),
		minTokens:     max(pass.Int("min_tokens"), 1),
		minPairTokens: max(pass.Int("min_pair_tokens"), 1),
	}
	items := Items(f, cfg.window)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	workers := min(runtime.GOMAXPROCS(0), max(len(items), 1))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &scanner{pass: pass, f: f, cfg: cfg}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) || pass.Context.Err() != nil {
					return
				}
				s.scan(items[i])
			}
		}()
	}
	wg.Wait()
	return nil, pass.Context.Err()
}

// Items returns the windows to scan: per platform, the NFT rows with a
// platform and two known, different parties in sliding windows of width (step width/2),
// largest first.
func Items(f *features.Set, width int64) []item {
	t := f.T
	byPlat := make([][]int32, t.Platforms.Len())
	for _, r := range f.Order {
		// Rewards are paid by a marketplace: a row without a platform cannot
		// be attributed to one, so it never forms a farming group.
		if t.Platform[r] == 0 || t.Standard[r] == datasets.ERC20 || f.Seller[r] == features.NoWallet || f.Buyer[r] == features.NoWallet || f.Seller[r] == f.Buyer[r] {
			continue
		}
		byPlat[t.Platform[r]] = append(byPlat[t.Platform[r]], r)
	}
	var items []item
	for p, rows := range byPlat {
		for _, sp := range graph.Sliding(rows, t.Time, width, width/2) {
			if sp.Hi-sp.Lo >= 2 {
				items = append(items, item{rows[sp.Lo:sp.Hi], uint32(p)})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(len(b.rows), len(a.rows)) })
	return items
}

type scanner struct {
	pass   *detect.Pass
	f      *features.Set
	cfg    config
	b      graph.Builder
	parent []int32
	size   []int32
	total  []int32 // rows per local wallet in the window
	inside []int32 // rows per local wallet inside its group
	tokens []uint32
	rows   []int32
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

func (s *scanner) scan(it item) {
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
	// Distinct tokens per unordered pair {u, v}: the rows of arcs u→v and
	// v→u. A pair with fewer rows than min_pair_tokens cannot qualify, which
	// settles most pairs without sorting. Components do not depend on the
	// order of unions.
	linked := false
	for k := int32(0); k < int32(g.Arcs()); k++ {
		u, v := g.ArcFrom(k), g.ArcTo(k)
		rev := g.Arc(v, u)
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
	t := s.f.T
	size := len(members)
	s.tokens = s.tokens[:0]
	s.rows = s.rows[:0]
	var share float64
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, u := range members {
		share += float64(s.inside[u]) / float64(max(s.total[u], 1))
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
	share /= float64(size)
	strength := 0.3 + 0.4*share + 0.3*min(1, float64(nt)/float64(2*s.cfg.minTokens))
	plat := t.Platforms.Value(it.platform)
	ev := fmt.Sprintf("%d wallets traded %d tokens among themselves on %s within %s", size, nt, plat, graph.Human(hi-lo))
	for _, r := range s.rows {
		s.pass.Report(r, strength, ev)
	}
}
