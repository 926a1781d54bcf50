package cycle

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

// refGroup is the package doc's rule for one token or collection, written
// plainly apart from the scan's layout, pruning and enumeration: every
// sliding window [k·width/2, k·width/2 + width) that holds a row, its graph
// as a map of arcs, components by reachability, elementary cycles by a depth
// search from each cycle's lowest wallet, components above max_component
// re-examined in windows a quarter as long. It has no work budget: compare
// it only where the budget is not reached. It reports, per row, the
// strongest cycle (then the smaller evidence).
func refGroup(f *features.Set, cfg config, g group, seller, buyer []uint32, report func(int32, float64, string)) {
	t := f.T
	top := cfg.window
	if g.fungible {
		top = cfg.fungibleWindow
	}
	found := map[int32]best{}
	type arc struct{ u, v uint32 }
	var scan func(rows []int32, width int64)
	scan = func(rows []int32, width int64) {
		if len(rows) == 0 {
			return
		}
		h := max(width/2, 1)
		for k := t.Time[rows[0]]/h - 2; k*h <= t.Time[rows[len(rows)-1]]; k++ {
			arcs := map[arc][]int32{} // rows of each arc, canonical order
			out := map[uint32][]uint32{}
			for _, r := range rows {
				u, v := seller[r], buyer[r]
				if tm := t.Time[r]; tm < k*h || tm >= k*h+width || u == features.NoWallet || v == features.NoWallet || u == v {
					continue
				}
				if arcs[arc{u, v}] == nil {
					out[u] = append(out[u], v)
				}
				arcs[arc{u, v}] = append(arcs[arc{u, v}], r)
			}
			for _, comp := range graphtest.Components(out) {
				if len(comp) < 2 || (len(comp) < 3 && cfg.minLen > 2) {
					continue
				}
				in := map[uint32]bool{}
				for _, u := range comp {
					in[u] = true
				}
				if len(comp) > cfg.maxComp {
					if width/4 >= cfg.minWindow {
						var sub []int32
						for a, rs := range arcs {
							if in[a.u] && in[a.v] {
								sub = append(sub, rs...)
							}
						}
						slices.SortFunc(sub, f.Canon)
						scan(sub, width/4)
					}
					continue
				}
				refCycles(comp, out, cfg.minLen, cfg.maxLen, func(ws []uint32) {
					var legs [][]int32
					for i, u := range ws {
						legs = append(legs, arcs[arc{u, ws[(i+1)%len(ws)]}])
					}
					st, ev := refStrength(f, g, top, k*h, width, ws, legs)
					for _, rs := range legs {
						for _, r := range rs {
							if b, ok := found[r]; !ok || st > b.strength || st == b.strength && ev < b.evidence {
								found[r] = best{st, ev}
							}
						}
					}
				})
			}
		}
	}
	width := top
	scan(g.rows, width)
	for r, b := range found {
		report(r, b.strength, b.evidence)
	}
}

// refCycles calls fn with every elementary cycle of minLen..maxLen legs
// inside comp, as its wallets from the lowest one.
func refCycles(comp []uint32, out map[uint32][]uint32, minLen, maxLen int, fn func([]uint32)) {
	in := map[uint32]bool{}
	for _, u := range comp {
		in[u] = true
	}
	for _, s := range comp {
		path := []uint32{s}
		on := map[uint32]bool{s: true}
		var dfs func(u uint32)
		dfs = func(u uint32) {
			next := slices.Clone(out[u])
			slices.Sort(next)
			for _, v := range next {
				switch {
				case v == s && len(path) >= minLen:
					fn(slices.Clone(path))
				case v > s && in[v] && !on[v] && len(path) < maxLen:
					path, on[v] = append(path, v), true
					dfs(v)
					path, on[v] = path[:len(path)-1], false
				}
			}
		}
		dfs(s)
	}
}

// refStrength is the package doc's strength and the evidence of a ring of
// wallets ws whose legs hold the rows legs[i] (ws[i] → ws[i+1]), found in
// the window [t0, t0+width) of a group whose top window is top.
func refStrength(f *features.Set, g group, top, t0, width int64, ws []uint32, legs [][]int32) (float64, string) {
	t := f.T
	k := len(ws)
	// inside(w): the ring's rows wallet w is a party of, the legs it sold
	// on and bought on.
	inside := make([]int32, k)
	for i := range ws {
		inside[i] = int32(len(legs[i]) + len(legs[(i+k-1)%k]))
	}
	c := graphtest.WindowShare(f, ws, inside, t0, t0+width)
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	repeated, n := 0.0, 0
	var ids []string
	for _, rs := range legs {
		if len(rs) > 1 {
			repeated = 1
		}
		n += len(rs)
		for _, r := range rs {
			lo, hi = min(lo, t.Time[r]), max(hi, t.Time[r])
			ids = append(ids, t.Assets.TokenID[t.Asset[r]])
		}
	}
	fast := max(0, min(1, 1-float64(hi-lo)/float64(top)))
	strength := graphtest.Surprise(c) * (0.55 + 0.35*fast + 0.1*repeated)
	if g.kind == perCollection {
		strength *= 0.9
	}
	// The ring starts at its smallest address.
	first := 0
	for i, w := range ws {
		if t.Addrs.String(datasets.AddrID(w)) < t.Addrs.String(datasets.AddrID(ws[first])) {
			first = i
		}
	}
	var names []string
	for i := 0; i <= k; i++ {
		names = append(names, t.Addrs.String(datasets.AddrID(ws[(first+i)%k])))
	}
	a := t.Asset[legs[0][0]]
	what := ""
	switch {
	case g.kind == perCollection:
		slices.SortFunc(ids, datasets.CompareTokenIDs)
		ids = slices.Compact(ids)
		if len(ids) > 6 {
			ids = append(ids[:6], "…")
		}
		what = fmt.Sprintf("collection %s, tokens %s", t.Addrs.String(t.Assets.Contract[a]), strings.Join(ids, ","))
	case t.Assets.TokenID[a] != "":
		what = "token " + t.Assets.TokenID[a]
	default: // an ERC-20 token: its contract
		what = "token " + t.Addrs.String(t.Assets.Contract[a])
	}
	return min(1, strength), fmt.Sprintf("%s (%s, %d legs in %s%s)", strings.Join(names, "→"), what, n, graph.Human(hi-lo), graphtest.ShareText(k, c, width, "ring"))
}

// TestScannerMatchesReference runs the scanner and the reference scan, one
// worker each over the groups in the same order, on seeded synthetic
// markets with parameters that exercise re-examined components, exhausted
// budgets and two-leg cycles, and requires the same findings.
func TestScannerMatchesReference(t *testing.T) {
	cfgs := []config{
		{window: 30 * 86400, minWindow: 3600, fungibleWindow: 86400, minLen: 3, maxLen: 6, maxComp: 50, budget: 1 << 40},
		{window: 30 * 86400, minWindow: 600, fungibleWindow: 86400, minLen: 3, maxLen: 5, maxComp: 6, budget: 1 << 40}, // no budget: the reference has none
		{window: 7 * 86400, minWindow: 3600, fungibleWindow: 7 * 86400, minLen: 2, maxLen: 4, maxComp: 12, budget: 1 << 40},
	}
	for _, seed := range []uint64{1, 2, 3} {
		m := graphtest.NewGraphMarket(t, seed, 20000)
		fs, seller, buyer := m.Features, m.Seller, m.Buyer
		for ci, cfg := range cfgs {
			var want, got graphtest.Findings
			pass := &detect.Pass{Detector: Detector, Input: m.Input, Context: context.Background()}
			s := newScanner(pass, fs, graph.ComputeActivity(fs), cfg)
			s.report = got.Add
			gs := Groups(fs, m.Hubs, cfg.minLen)
			var buf []features.Trade
			for i := range gs.units {
				g := gs.group(i, &buf)
				refGroup(fs, cfg, g, seller, buyer, want.Add)
				if err := s.scanGroup(g); err != nil {
					t.Fatal(err)
				}
			}
			if want.Len() == 0 {
				t.Errorf("seed %d cfg %d: reference found nothing", seed, ci)
			}
			if d := got.Best().Diff(want.Best(), 1e-12); d != "" {
				t.Errorf("seed %d cfg %d: %d findings, reference %d: %s", seed, ci, got.Len(), want.Len(), d)
			}
		}
	}
}
