package farming

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/features"
)

// refRewarded reports whether row r traded inside a rewarded program of ps
// (README "Reward programs"): same chain and platform (lower case), time in
// [start, end), an empty start since ever and an empty end ongoing.
func refRewarded(t *datasets.Trades, ps []detect.RewardProgram, r int32) bool {
	if t.Platform[r] == 0 {
		return false
	}
	for _, p := range ps {
		if p.Rewarded && p.Chain == strings.ToLower(t.Chains.Value(t.Chain[r])) &&
			p.Platform == strings.ToLower(t.Platforms.Value(t.Platform[r])) &&
			(p.Start == 0 || t.Time[r] >= p.Start) && (p.End == 0 || t.Time[r] < p.End) {
			return true
		}
	}
	return false
}

// refFarming is the rule of the detectors' docs written plainly, apart from
// the layout, the graphs and the union-find of the scan: the NFT rows with
// two known, different parties inside a rewarded program (reward_farming)
// or outside every one (dense_group, cfg.outside; rows without a platform
// form one more platform); per platform, every window [k·window/2,
// k·window/2 + window) that holds such a row (the whole input when window
// is 0), pairs linked by counting their distinct tokens, groups as
// connected components by search.
func refFarming(f *features.Set, ps []detect.RewardProgram, cfg config, report func(int32, float64, string)) {
	t := f.T
	byPlat := map[uint32][]int32{}
	for _, r := range f.Order {
		if t.Standard[r] != datasets.ERC20 && f.Seller[r] != features.NoWallet && f.Buyer[r] != features.NoWallet &&
			f.Seller[r] != f.Buyer[r] && refRewarded(t, ps, r) != cfg.outside {
			byPlat[t.Platform[r]] = append(byPlat[t.Platform[r]], r)
		}
	}
	for p, rows := range byPlat {
		if cfg.window <= 0 {
			refFarmWindow(f, cfg, p, rows, math.MinInt64, math.MaxInt64, report)
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
				refFarmWindow(f, cfg, p, in, k*h, k*h+cfg.window, report)
			}
		}
	}
}

// refFarmWindow tests the rows of one window [t0, t1) of platform p.
func refFarmWindow(f *features.Set, cfg config, p uint32, rows []int32, t0, t1 int64, report func(int32, float64, string)) {
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
		var members []uint32
		for v := range graphtest.Reach(linked, u) {
			group[v] = len(groups)
			members = append(members, v)
		}
		groups = append(groups, members)
	}
	for g, members := range groups {
		if len(members) < cfg.minWallets || len(members) > cfg.maxWallets {
			continue
		}
		var in []int32
		toks := map[datasets.AssetID]bool{}
		inside := map[uint32]int32{}
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for _, r := range rows {
			s, b := f.Seller[r], f.Buyer[r]
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
		// The members in ascending address order, and their rows inside
		// the group against all their rows in the window.
		slices.SortFunc(members, func(a, b uint32) int {
			return strings.Compare(t.Addrs.String(datasets.AddrID(a)), t.Addrs.String(datasets.AddrID(b)))
		})
		var names []string
		var win []int32
		for _, u := range members {
			names = append(names, t.Addrs.String(datasets.AddrID(u)))
			win = append(win, inside[u])
		}
		share := graphtest.WindowShare(f, members, win, t0, t1)
		strength := graphtest.Surprise(share) * (0.6 + 0.4*min(1, float64(len(toks))/float64(2*cfg.minTokens)))
		ev := fmt.Sprintf("%d wallets (%s) traded %d tokens among themselves", len(members), strings.Join(names, ", "), len(toks))
		if name := t.Platforms.Value(p); name != "" {
			ev += " on " + name
		}
		ev += " within " + graph.Human(hi-lo)
		if cfg.outside {
			ev += ", outside any reward program"
		}
		ev += graphtest.ShareText(len(members), share, cfg.window, "group")
		for _, r := range in {
			report(r, strength, ev)
		}
	}
}

// TestScanMatchesReference runs the layout-based scan and the reference on
// seeded synthetic markets (with extra dense farming on several platforms)
// under several parameter sets, for reward_farming and dense_group, with
// the built-in reward programs and with a list of its own, and requires the
// same findings: rows, strengths and evidence.
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
	// Programs of its own: opensea rewarded for half of 2022, looksrare
	// since ever and ongoing, blur listed as paying nothing.
	own := []detect.RewardProgram{
		{Chain: "ethereum", Platform: "opensea", Start: 1648771200, End: 1664582400, Rewarded: true, Source: "test"},
		{Chain: "ethereum", Platform: "looksrare", Rewarded: true, Source: "test"},
		{Chain: "ethereum", Platform: "blur", Rewarded: false, Source: "test"},
	}
	for _, seed := range []uint64{1, 2, 3} {
		tr := graphtest.Market(graphtest.MarketConfig{Seed: seed, Trades: 20000})
		fs := features.Compute(tr)
		for li, list := range [][]detect.RewardProgram{nil, own} {
			in := &detect.Input{Features: fs}
			progs := DefaultPrograms()
			if list != nil {
				in.RewardPrograms, progs = &detect.RewardPrograms{List: list}, list
			}
			var found [2]int // reference findings without and with outside
			for pi, cfg := range ps {
				for oi, outside := range []bool{false, true} {
					cfg.outside = outside
					var want, got graphtest.Findings
					refFarming(fs, progs, cfg, want.Add)
					pass := &detect.Pass{Detector: Detector, Input: in, Context: context.Background()}
					if err := scanAll(pass, cfg, got.Add); err != nil {
						t.Fatal(err)
					}
					found[oi] += want.Len()
					if d := got.Best().Diff(want.Best(), 1e-12); d != "" {
						t.Errorf("seed %d programs %d params %d outside %v: %d findings, reference %d: %s", seed, li, pi, outside, got.Len(), want.Len(), d)
					}
				}
			}
			if found[0] == 0 || found[1] == 0 {
				t.Errorf("seed %d programs %d: the reference found %d rows in programs and %d outside (want some of each)", seed, li, found[0], found[1])
			}
		}
	}
}
