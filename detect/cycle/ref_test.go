package cycle

import (
	"cmp"
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
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// refScanner is the plain scan the scanner replaces: every window's graph
// built from the table's columns by row, no group-local renumbering and no
// pruning. TestScannerMatchesReference compares the two.
type refScanner struct {
	f             *features.Set
	cfg           config
	b             graph.Builder
	ws            graph.Workspace
	found         map[int32]best
	seller, buyer []uint32
}

func (s *refScanner) scanGroup(g group, report func(int32, float64, string)) {
	clear(s.found)
	width := s.cfg.window
	if g.fungible {
		width = s.cfg.fungibleWindow
	}
	s.scanRows(g, g.rows, width)
	for r, b := range s.found {
		report(r, b.strength, b.evidence)
	}
}

func (s *refScanner) scanRows(g group, rows []int32, width int64) {
	for _, sp := range graph.Sliding(rows, s.f.T.Time, width, width/2) {
		if sp.Hi-sp.Lo < s.cfg.minLen {
			continue
		}
		big := s.scanWindow(g, rows[sp.Lo:sp.Hi], sp.Start, width)
		if sub := width / 4; sub >= s.cfg.minWindow {
			for _, br := range big {
				s.scanRows(g, br, sub)
			}
		}
	}
}

func (s *refScanner) scanWindow(g group, rows []int32, t0, width int64) (big [][]int32) {
	gr := s.b.Build(rows, s.seller, s.buyer)
	if gr.Arcs() < s.cfg.minLen {
		return nil
	}
	comp, count := gr.SCC(&s.ws)
	start, members := graph.Members(comp, count)
	lim := graph.CycleLimits{MinLen: s.cfg.minLen, MaxLen: s.cfg.maxLen, Budget: s.cfg.budget}
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
			slices.SortFunc(br, func(a, b int32) int { return cmp.Compare(s.f.Rank[a], s.f.Rank[b]) })
			big = append(big, br)
			continue
		}
		gr.Cycles(comp, int32(c), m, lim, &s.ws, func(arcs []int32) bool {
			s.cycle(g, gr, arcs, t0, width)
			return true
		})
	}
	return big
}

func (s *refScanner) cycle(g group, gr *graph.Graph, arcs []int32, t0, width int64) {
	t := s.f.T
	k := len(arcs)
	lo, hi := int64(1<<62), int64(-1<<62)
	repeated, nrows := 0.0, 0
	var wallets []uint32
	for _, a := range arcs {
		w := uint32(gr.ID(gr.ArcFrom(a)))
		wallets = append(wallets, w)
		rs := gr.ArcRows(a)
		if len(rs) > 1 {
			repeated = 1
		}
		nrows += len(rs)
		for _, r := range rs {
			lo, hi = min(lo, t.Time[r]), max(hi, t.Time[r])
		}
	}
	// Wallet i sold on arc i and bought on arc i−1.
	inside := make([]int32, k)
	for i := range arcs {
		inside[i] = int32(len(gr.ArcRows(arcs[i])) + len(gr.ArcRows(arcs[(i+k-1)%k])))
	}
	conc := graphtest.WindowShare(s.f, wallets, inside, t0, t0+width)
	span := hi - lo
	top := s.cfg.window
	if g.fungible {
		top = s.cfg.fungibleWindow
	}
	fast := max(0, min(1, 1-float64(span)/float64(top)))
	strength := min(1, conc/0.5) * (0.55 + 0.35*fast + 0.1*repeated)
	if g.kind == perCollection {
		strength *= 0.9
	}
	strength = min(1, strength)
	// Evidence as the original fmt-based rendering.
	// From the smallest address.
	var sb strings.Builder
	first := 0
	for i, w := range wallets {
		if t.Addrs.String(datasets.AddrID(w)) < t.Addrs.String(datasets.AddrID(wallets[first])) {
			first = i
		}
	}
	for i := range wallets {
		sb.WriteString(t.Addrs.String(datasets.AddrID(wallets[(first+i)%k])) + "→")
	}
	sb.WriteString(t.Addrs.String(datasets.AddrID(wallets[first])))
	a := t.Asset[gr.ArcRows(arcs[0])[0]]
	if g.kind == perToken {
		if id := t.Assets.TokenID[a]; id != "" {
			fmt.Fprintf(&sb, " (token %s, ", id)
		} else {
			fmt.Fprintf(&sb, " (token %s, ", t.Addrs.String(t.Assets.Contract[a]))
		}
	} else {
		var ids []string
		for _, arc := range arcs {
			for _, r := range gr.ArcRows(arc) {
				ids = append(ids, t.Assets.TokenID[t.Asset[r]])
			}
		}
		slices.SortFunc(ids, datasets.CompareTokenIDs)
		ids = slices.Compact(ids)
		if len(ids) > 6 {
			ids = append(ids[:6], "…")
		}
		fmt.Fprintf(&sb, " (collection %s, tokens %s, ", t.Addrs.String(t.Assets.Contract[a]), strings.Join(ids, ","))
	}
	fmt.Fprintf(&sb, "%d legs in %s; %d wallets, %d%% of their %s-window trades inside the ring)", nrows, graph.Human(span), k, int64(math.Round(conc*100)), graph.Human(width))
	ev := sb.String()
	for _, a := range arcs {
		for _, r := range gr.ArcRows(a) {
			if b, ok := s.found[r]; ok && (b.strength > strength || b.strength == strength && b.evidence <= ev) {
				continue
			}
			s.found[r] = best{strength, ev}
		}
	}
}

// TestScannerMatchesReference runs the scanner and the reference scan, one
// worker each over the groups in the same order, on seeded synthetic
// markets with parameters that exercise re-examined components, exhausted
// budgets and two-leg cycles, and requires the same findings.
func TestScannerMatchesReference(t *testing.T) {
	cfgs := []config{
		{window: 30 * 86400, minWindow: 3600, fungibleWindow: 86400, minLen: 3, maxLen: 6, maxComp: 50, budget: 200000},
		{window: 30 * 86400, minWindow: 600, fungibleWindow: 86400, minLen: 3, maxLen: 5, maxComp: 6, budget: 300},
		{window: 7 * 86400, minWindow: 3600, fungibleWindow: 7 * 86400, minLen: 2, maxLen: 4, maxComp: 12, budget: 2000},
	}
	for _, seed := range []uint64{1, 2, 3} {
		tr := graphtest.Market(graphtest.MarketConfig{Seed: seed, Trades: 20000})
		fs := features.Compute(tr)
		in := &detect.Input{Features: fs}
		res, err := detect.Run(context.Background(), in, []*detect.Detector{hubs.Detector, graph.Activity}, nil)
		if err != nil {
			t.Fatal(err)
		}
		activity := res.ResultOf[graph.Activity].(*graph.ActivityTable)
		tbl := res.ResultOf[hubs.Detector].(*hubs.Table)
		seller, buyer := tbl.Columns(fs)
		for ci, cfg := range cfgs {
			var want, got graphtest.Findings
			ref := &refScanner{f: fs, cfg: cfg, found: map[int32]best{}, seller: seller, buyer: buyer}
			pass := &detect.Pass{Detector: Detector, Input: in, Context: context.Background()}
			s := newScanner(pass, fs, activity, cfg)
			s.report = got.Add
			for _, g := range Groups(fs, tbl, cfg.minLen) {
				ref.scanGroup(g, want.Add)
			}
			for _, g := range Groups(fs, tbl, cfg.minLen) {
				if err := s.scanGroup(g); err != nil {
					t.Fatal(err)
				}
			}
			if want.Len() == 0 {
				t.Errorf("seed %d cfg %d: reference found nothing", seed, ci)
			}
			if !got.Equal(&want) {
				t.Errorf("seed %d cfg %d: %d findings, reference %d (or they differ)", seed, ci, got.Len(), want.Len())
			}
		}
	}
}
