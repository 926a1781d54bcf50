package farming

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/features"
)

// refFarming is the rule of the package doc written plainly, apart from the
// layout, the graphs and the union-find of the scan: per platform, every
// window [k·window/2, k·window/2 + window) that holds a qualifying row (the
// whole input when window is 0), pairs linked by counting their distinct
// tokens, groups as connected components by search.
func refFarming(f *features.Set, cfg config, report func(int32, float64, string)) {
	t := f.T
	byPlat := map[uint32][]int32{}
	for _, r := range f.Order {
		if t.Platform[r] != 0 && t.Standard[r] != datasets.ERC20 &&
			f.Seller[r] != features.NoWallet && f.Buyer[r] != features.NoWallet && f.Seller[r] != f.Buyer[r] {
			byPlat[t.Platform[r]] = append(byPlat[t.Platform[r]], r)
		}
	}
	for p, rows := range byPlat {
		if cfg.window <= 0 {
			refFarmWindow(f, cfg, p, rows, report)
			continue
		}
		h := cfg.window / 2
		first, last := t.Time[rows[0]], t.Time[rows[len(rows)-1]]
		for k := first/h - 2; k*h <= last; k++ {
			var in []int32
			for _, r := range rows {
				if t.Time[r] >= k*h && t.Time[r] < k*h+cfg.window {
					in = append(in, r)
				}
			}
			if len(in) > 0 {
				refFarmWindow(f, cfg, p, in, report)
			}
		}
	}
}

// refFarmWindow tests the rows of one window of platform p.
func refFarmWindow(f *features.Set, cfg config, p uint32, rows []int32, report func(int32, float64, string)) {
	t := f.T
	type pair struct{ a, b uint32 }
	key := func(u, v uint32) pair { return pair{min(u, v), max(u, v)} }
	tokens := map[pair]map[datasets.AssetID]bool{}
	for _, r := range rows {
		k := key(f.Seller[r], f.Buyer[r])
		if tokens[k] == nil {
			tokens[k] = map[datasets.AssetID]bool{}
		}
		tokens[k][t.Asset[r]] = true
	}
	linked := map[uint32][]uint32{}
	for k, toks := range tokens {
		if len(toks) >= cfg.minPairTokens {
			linked[k.a] = append(linked[k.a], k.b)
			linked[k.b] = append(linked[k.b], k.a)
		}
	}
	group := map[uint32]int{} // wallet → its group's number
	var groups [][]uint32
	for u := range linked {
		if _, ok := group[u]; ok {
			continue
		}
		g := len(groups)
		groups = append(groups, nil)
		group[u] = g
		for stack := []uint32{u}; len(stack) > 0; {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			groups[g] = append(groups[g], v)
			for _, x := range linked[v] {
				if _, ok := group[x]; !ok {
					group[x] = g
					stack = append(stack, x)
				}
			}
		}
	}
	for g, members := range groups {
		if len(members) < cfg.minWallets || len(members) > cfg.maxWallets {
			continue
		}
		var in []int32
		toks := map[datasets.AssetID]bool{}
		total, inside := map[uint32]int{}, map[uint32]int{}
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for _, r := range rows {
			s, b := f.Seller[r], f.Buyer[r]
			total[s]++
			total[b]++
			gs, oks := group[s]
			gb, okb := group[b]
			if oks && okb && gs == g && gb == g {
				in = append(in, r)
				toks[t.Asset[r]] = true
				inside[s]++
				inside[b]++
				lo, hi = min(lo, t.Time[r]), max(hi, t.Time[r])
			}
		}
		if len(toks) < cfg.minTokens {
			continue
		}
		var share float64
		for _, u := range members {
			share += float64(inside[u]) / float64(total[u])
		}
		share /= float64(len(members))
		strength := 0.3 + 0.4*share + 0.3*min(1, float64(len(toks))/float64(2*cfg.minTokens))
		ev := fmt.Sprintf("%d wallets traded %d tokens among themselves on %s within %s",
			len(members), len(toks), t.Platforms.Value(p), graph.Human(hi-lo))
		for _, r := range in {
			report(r, strength, ev)
		}
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
		in := &detect.Input{Features: fs}
		for pi, cfg := range ps {
			var want, got graphtest.Findings
			var mu sync.Mutex
			refFarming(fs, cfg, want.Add)
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
			if d := got.Best().Diff(want.Best(), 1e-12); d != "" {
				t.Errorf("seed %d params %d: %d findings, reference %d: %s", seed, pi, got.Len(), want.Len(), d)
			}
		}
	}
}
