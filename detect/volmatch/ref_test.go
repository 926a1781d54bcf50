package volmatch

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// refVolumeMatching is the rule of the package doc written plainly, apart
// from the layout, the nested widths and the incremental peeling of the
// scan: per width w, per token or collection (contract, and whether the row
// is ERC-20) and per tumbling window [k·w, (k+1)·w), the seller → buyer graph
// of the window's trades between distinct known wallets; its strongly
// connected components by reachability; in each of ≥ 2 wallets, the set
// peeled by recomputing every net position from the rows at each step.
func refVolumeMatching(f *features.Set, cfg config, widths []int64, seller, buyer []uint32, report func(int32, float64, string)) {
	t := f.T
	type window struct {
		contract uint32
		fungible bool
		k        int64
	}
	for _, w := range widths {
		rows := map[window][]int32{}
		for _, r := range f.Order {
			s, b := seller[r], buyer[r]
			if s == features.NoWallet || b == features.NoWallet || s == b {
				continue
			}
			k := window{f.Contract[r], t.Standard[r] == datasets.ERC20, int64(math.Floor(float64(t.Time[r]) / float64(w)))}
			rows[k] = append(rows[k], r)
		}
		for k, rs := range rows {
			out := map[uint32][]uint32{}
			for _, r := range rs {
				out[seller[r]] = append(out[seller[r]], buyer[r])
			}
			for _, comp := range graphtest.Components(out) {
				if len(comp) < 2 {
					continue
				}
				refPeel(f, cfg, rs, comp, seller, buyer, func(alive map[uint32]bool, in []int32, imb, mean float64) {
					refFlag(f, cfg, alive, in, seller, buyer, imb, mean, k.fungible, w, k.k*w, report)
				})
			}
		}
	}
}

// refPeel tests component comp (wallets ascending): while ≥ 2 wallets and 2
// trades are left, the trades among the live wallets match when every |net|
// ≤ m; otherwise, unless the component is larger than max_component, the
// wallet over m with the largest |net| relative to the amount it traded
// (the first in wallet order among equals) goes, then every wallet left
// without trades among the live ones.
func refPeel(f *features.Set, cfg config, rows []int32, comp []uint32, seller, buyer []uint32,
	match func(alive map[uint32]bool, in []int32, imb, mean float64)) {
	alive := map[uint32]bool{}
	for _, u := range comp {
		alive[u] = true
	}
	for {
		var in []int32
		net, gross := map[uint32]float64{}, map[uint32]float64{}
		var total float64
		for _, r := range rows {
			s, b := seller[r], buyer[r]
			if alive[s] && alive[b] {
				in = append(in, r)
				a := f.T.Amount[r]
				net[s] -= a
				net[b] += a
				gross[s] += a
				gross[b] += a
				total += a
			}
		}
		has := map[uint32]bool{}
		for _, r := range in {
			has[seller[r]], has[buyer[r]] = true, true
		}
		for u := range alive { // wallets without trades inside drop out
			if !has[u] {
				delete(alive, u)
			}
		}
		if len(alive) < 2 || len(in) < 2 {
			return
		}
		mean := total / float64(len(in))
		m := cfg.margin * mean
		imb, worst, rel := 0.0, uint32(0), -1.0
		for _, u := range comp {
			if !alive[u] {
				continue
			}
			a := math.Abs(net[u])
			imb = max(imb, a)
			if a > m && a/gross[u] > rel {
				worst, rel = u, a/gross[u]
			}
		}
		if imb <= m*(1+1e-9)+1e-12 {
			match(alive, in, imb, mean)
			return
		}
		if len(comp) > cfg.maxComp {
			return
		}
		delete(alive, worst)
	}
}

// refFlag reports the rows in of a matching set with the strength of the
// package doc.
func refFlag(f *features.Set, cfg config, alive map[uint32]bool, in []int32, seller, buyer []uint32, imb, mean float64, fungible bool, w, start int64, report func(int32, float64, string)) {
	n := len(alive)
	// c: the set's trades each wallet is a party of against all its rows
	// in the tumbling window [start, start+w).
	wallets := slices.Sorted(maps.Keys(alive))
	inside := make([]int32, n)
	for i, u := range wallets {
		for _, r := range in {
			if seller[r] == u || buyer[r] == u {
				inside[i]++
			}
		}
	}
	c := graphtest.WindowShare(f, wallets, inside, start, start+w)
	tight := 1.0
	if m := cfg.margin * mean; m > 0 {
		tight = max(0, min(1, 1-imb/m))
	}
	strength := graphtest.Surprise(c) * (0.6 + 0.25*(1-1/math.Sqrt(float64(len(in)))) + 0.15*tight)
	volume := 0.0
	for _, r := range in {
		if fungible {
			volume += f.T.Amount[r]
		} else {
			volume += f.T.Price[r]
		}
	}
	pct := 0.0
	if mean > 0 {
		pct = imb / mean * 100
	}
	ev := fmt.Sprintf("%d wallets, %d trades, volume %s matched within %.1f%% in %s window from %s%s",
		n, len(in), strconv.FormatFloat(math.Round(volume*1e6)/1e6, 'f', -1, 64), pct, graph.Human(w), time.Unix(start, 0).UTC().Format(time.RFC3339),
		graphtest.ShareText(n, c, w, "set"))
	for _, r := range in {
		report(r, strength, ev)
	}
}

// TestScanMatchesReference runs the layout-based scan and the reference on
// seeded synthetic markets with several widths, margins and component
// limits (nested and non-nested widths, peeling and whole-component tests)
// and requires the same findings: rows, strength bits and evidence.
func TestScanMatchesReference(t *testing.T) {
	type params struct {
		widths []int64
		cfg    config
	}
	ps := []params{
		{[]int64{3600, 86400, 7 * 86400}, config{margin: 0.01, maxComp: 1000}},
		{[]int64{2 * 3600, 5 * 3600, 86400}, config{margin: 0.05, maxComp: 1000}}, // 5h nests in neither
		{[]int64{86400, 30 * 86400}, config{margin: 0.2, maxComp: 4}},
		{[]int64{600}, config{margin: 0.5, maxComp: 2}},
		{[]int64{7 * 86400, 3600}, config{margin: 0, maxComp: 1000}},
	}
	for _, seed := range []uint64{1, 2, 3} {
		m := graphtest.NewGraphMarket(t, seed, 20000)
		fs := m.Features
		var none *hubs.Table // the feature set's own wallets, then the hubs'
		cols := []struct {
			parties       hubs.Parties
			seller, buyer []uint32
		}{{none.Parties(fs), fs.Seller, fs.Buyer}, {m.Hubs.Parties(fs), m.Seller, m.Buyer}}
		for pi, p := range ps {
			for ci, col := range cols {
				var want, got graphtest.Findings
				refVolumeMatching(fs, p.cfg, p.widths, col.seller, col.buyer, want.Add)
				pass := &detect.Pass{Detector: Detector, Input: m.Input, Context: context.Background()}
				if err := scanLevels(pass, p.cfg, graph.ComputeActivity(fs), p.widths, col.parties, got.Add); err != nil {
					t.Fatal(err)
				}
				if want.Len() == 0 {
					t.Errorf("seed %d params %d columns %d: reference found nothing", seed, pi, ci)
				}
				if d := got.Diff(&want, 1e-9); d != "" {
					t.Errorf("seed %d params %d columns %d: %d findings, reference %d: %s", seed, pi, ci, got.Len(), want.Len(), d)
				}
			}
		}
	}
}
