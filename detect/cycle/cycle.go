package cycle

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// Detector flags the legs of trade rings (cycles of three or more wallets)
// per token and per collection.
var Detector = &detect.Detector{
	Name: "cycle",
	Doc: `rings: a token or collection passing A→B→C→…→A within a time window

Per token and per collection, the seller→buyer graph of the rows in sliding
windows; strongly connected components; elementary cycles of min_len..max_len
legs inside components of at most max_component wallets, under a work budget.
Flags every row on a cycle. Large components are re-examined in windows a
quarter as long, down to min_window.`,
	Requires: []*detect.Detector{graph.Partners, hubs.Detector},
	Params: []detect.Param{
		{Name: "window", Kind: detect.Duration, Default: "30d", Doc: "time within which a ring must close"},
		{Name: "window_fungible", Kind: detect.Duration, Default: "1d", Doc: "time within which a ring of an ERC-20 token must close (organic swaps close loops over weeks)"},
		{Name: "min_window", Kind: detect.Duration, Default: "1h", Doc: "shortest window tried for components larger than max_component"},
		{Name: "min_len", Kind: detect.Number, Default: "3", Doc: "fewest legs of a reported cycle (2 adds back-and-forth)"},
		{Name: "max_len", Kind: detect.Number, Default: "6", Doc: "most legs of a reported cycle"},
		{Name: "max_component", Kind: detect.Number, Default: "50", Doc: "largest strongly connected component (wallets) whose cycles are enumerated"},
		{Name: "budget", Kind: detect.Number, Default: "200000", Doc: "work budget (arc inspections) per component"},
	},
	Run: run,
}

// config is the detector's parameters, read once.
type config struct {
	window, minWindow int64
	fungibleWindow    int64
	minLen, maxLen    int
	maxComp           int
	budget            int64
}

type kind uint8

const (
	perToken kind = iota
	perCollection
)

// group is one unit of work: the rows of a token or of a collection, in
// canonical order.
type group struct {
	kind     kind
	fungible bool
	rows     []int32
}

func run(pass *detect.Pass) (any, error) {
	f := pass.Features
	cfg := config{
		window:         pass.Duration("window"),
		minWindow:      max(pass.Duration("min_window"), 1),
		fungibleWindow: pass.Duration("window_fungible"),
		minLen:         max(pass.Int("min_len"), 2),
		maxLen:         min(pass.Int("max_len"), 64),
		maxComp:        pass.Int("max_component"),
		budget:         int64(pass.Float("budget")),
	}
	if cfg.window <= 0 {
		cfg.window = 1 << 62
	}
	if cfg.fungibleWindow <= 0 {
		cfg.fungibleWindow = cfg.window
	}
	partners, _ := pass.ResultOf[graph.Partners].(*graph.PartnerTable)
	if partners == nil {
		partners = graph.ComputePartners(f.Seller, f.Buyer, f.T.Addrs.Len())
	}
	tbl, _ := pass.ResultOf[hubs.Detector].(*hubs.Table)
	seller, buyer := tbl.Columns(f)
	groups := Groups(f, cfg.minLen)
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		runErr  error
	)
	workers := min(runtime.GOMAXPROCS(0), max(len(groups), 1))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScanner(pass, f, partners, cfg)
			s.seller, s.buyer = seller, buyer
			for {
				i := int(next.Add(1) - 1)
				if i >= len(groups) || pass.Context.Err() != nil {
					return
				}
				if err := s.scanGroup(groups[i]); err != nil {
					errOnce.Do(func() { runErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return nil, runErr
	}
	return nil, pass.Context.Err()
}

// Groups returns the work units: every token with at least minLen rows, and
// every non-ERC-20 contract with at least two tokens and minLen rows, largest
// first (for load balance), ties by kind then first row.
func Groups(f *features.Set, minLen int) []group {
	t := f.T
	var gs []group
	na := t.Assets.Len()
	tokens := make(map[uint32]int) // contract → number of tokens with rows
	for a := 0; a < na; a++ {
		rows := f.AssetTrades(datasets.AssetID(a))
		if len(rows) == 0 {
			continue
		}
		if len(rows) >= minLen {
			gs = append(gs, group{perToken, t.Standard[rows[0]] == datasets.ERC20, rows})
		}
		if t.Standard[rows[0]] != datasets.ERC20 {
			tokens[t.Assets.Contract[a]]++
		}
	}
	// Collection rows in canonical order.
	byContract := make(map[uint32][]int32)
	for _, r := range f.Order {
		c := f.Contract[r]
		if tokens[c] >= 2 && t.Standard[r] != datasets.ERC20 {
			byContract[c] = append(byContract[c], r)
		}
	}
	for _, rows := range byContract {
		if len(rows) >= minLen {
			gs = append(gs, group{perCollection, false, rows})
		}
	}
	slices.SortFunc(gs, func(a, b group) int {
		if c := cmp.Compare(len(b.rows), len(a.rows)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.rows[0], b.rows[0])
	})
	return gs
}

// best is the strongest finding so far for a row within one group.
type best struct {
	strength float64
	evidence string
}

// scanner holds one worker's buffers.
type scanner struct {
	pass     *detect.Pass
	f        *features.Set
	partners *graph.PartnerTable
	cfg      config
	b        graph.Builder
	ws       graph.Workspace
	found    map[int32]best
	wallets  []uint32
	sb       strings.Builder
	// seller and buyer are the wallet columns with fungible hubs removed.
	seller, buyer []uint32
}

func newScanner(pass *detect.Pass, f *features.Set, p *graph.PartnerTable, cfg config) *scanner {
	return &scanner{pass: pass, f: f, partners: p, cfg: cfg, found: map[int32]best{}, seller: f.Seller, buyer: f.Buyer}
}

func (s *scanner) scanGroup(g group) error {
	clear(s.found)
	width := s.cfg.window
	if g.fungible {
		width = s.cfg.fungibleWindow
	}
	if err := s.scanRows(g, g.rows, width); err != nil {
		return err
	}
	rows := make([]int32, 0, len(s.found))
	for r := range s.found {
		rows = append(rows, r)
	}
	slices.Sort(rows)
	for _, r := range rows {
		b := s.found[r]
		s.pass.Report(r, b.strength, b.evidence)
	}
	return nil
}

// scanRows looks for cycles in rows (canonical order) in sliding windows of
// the given width.
func (s *scanner) scanRows(g group, rows []int32, width int64) error {
	t := s.f.T
	for _, sp := range graph.Sliding(rows, t.Time, width, width/2) {
		if sp.Hi-sp.Lo < s.cfg.minLen {
			continue
		}
		big, err := s.scanWindow(g, rows[sp.Lo:sp.Hi], width)
		if err != nil {
			return err
		}
		sub := width / 4
		if sub < s.cfg.minWindow {
			continue
		}
		for _, br := range big {
			if err := s.scanRows(g, br, sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanWindow enumerates the cycles of the window's graph and returns the
// rows (canonical order) of each component too large to enumerate.
func (s *scanner) scanWindow(g group, rows []int32, width int64) (big [][]int32, err error) {
	f := s.f
	gr := s.b.Build(rows, s.seller, s.buyer)
	if gr.Arcs() < s.cfg.minLen {
		return nil, nil
	}
	comp, count := gr.SCC(&s.ws)
	start, members := graph.Members(comp, count)
	lim := graph.CycleLimits{MinLen: s.cfg.minLen, MaxLen: s.cfg.maxLen, Budget: s.cfg.budget, Context: s.pass.Context}
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
			slices.SortFunc(br, func(a, b int32) int { return cmp.Compare(f.Rank[a], f.Rank[b]) })
			big = append(big, br)
			continue
		}
		_, err := gr.Cycles(comp, int32(c), m, lim, &s.ws, func(arcs []int32) bool {
			s.cycle(g, gr, arcs, width)
			return true
		})
		if err != nil && err != graph.ErrBudget {
			return nil, err
		}
	}
	return big, nil
}

// cycle scores one found cycle and records it on its rows.
func (s *scanner) cycle(g group, gr *graph.Graph, arcs []int32, _ int64) {
	t := s.f.T
	k := len(arcs)
	var conc float64
	lo, hi := int64(1<<62), int64(-1<<62)
	repeated := 0.0
	nrows := 0
	s.wallets = s.wallets[:0]
	for _, a := range arcs {
		w := uint32(gr.ID(gr.ArcFrom(a)))
		s.wallets = append(s.wallets, w)
		conc += s.partners.Concentration(w, k)
		rs := gr.ArcRows(a)
		if len(rs) > 1 {
			repeated = 1
		}
		nrows += len(rs)
		for _, r := range rs {
			lo, hi = min(lo, t.Time[r]), max(hi, t.Time[r])
		}
	}
	conc /= float64(k)
	span := hi - lo
	top := s.cfg.window
	if g.fungible {
		top = s.cfg.fungibleWindow
	}
	fast := 1 - float64(span)/float64(top)
	fast = max(0, min(1, fast))
	strength := 0.3 + 0.45*conc + 0.15*fast + 0.1*repeated
	if g.kind == perCollection {
		strength *= 0.9
	}
	strength = min(1, strength)
	ev := ""
	for _, a := range arcs {
		for _, r := range gr.ArcRows(a) {
			b, ok := s.found[r]
			if ok && b.strength > strength {
				continue
			}
			if ev == "" {
				ev = s.evidence(g, gr, arcs, nrows, span)
			}
			if ok && b.strength == strength && b.evidence <= ev {
				continue
			}
			s.found[r] = best{strength, ev}
		}
	}
}

// evidence renders a cycle as 0xa→0xb→0xc→0xa (token 12, 3 legs in 2d).
func (s *scanner) evidence(g group, gr *graph.Graph, arcs []int32, nrows int, span int64) string {
	t := s.f.T
	sb := &s.sb
	sb.Reset()
	for _, w := range s.wallets {
		sb.WriteString(t.Addrs.String(datasets.AddrID(w)))
		sb.WriteString("→")
	}
	sb.WriteString(t.Addrs.String(datasets.AddrID(s.wallets[0])))
	first := gr.ArcRows(arcs[0])[0]
	a := t.Asset[first]
	if g.kind == perToken {
		if id := t.Assets.TokenID[a]; id != "" {
			fmt.Fprintf(sb, " (token %s, ", id)
		} else {
			fmt.Fprintf(sb, " (token %s, ", t.Addrs.String(t.Assets.Contract[a]))
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
		fmt.Fprintf(sb, " (collection %s, tokens %s, ", t.Addrs.String(t.Assets.Contract[a]), strings.Join(ids, ","))
	}
	fmt.Fprintf(sb, "%d legs in %s)", nrows, graph.Human(span))
	return sb.String()
}
