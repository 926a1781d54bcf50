package graphtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// Findings collects the findings of a scan for a reference test: Add is
// the scan's report function.
type Findings struct {
	mu   sync.Mutex // Add may be called from several goroutines
	list []finding
}

type finding struct {
	row      int32
	strength float64
	evidence string
}

// Add records one finding; it is safe for concurrent use.
func (f *Findings) Add(row int32, strength float64, evidence string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, finding{row, strength, evidence})
}

// Len is the number of findings recorded.
func (f *Findings) Len() int { return len(f.list) }

// Equal reports whether f and g hold the same findings, in any order:
// rows, strengths bit for bit, and evidence strings.
func (f *Findings) Equal(g *Findings) bool {
	order := func(a, b finding) int {
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		if c := cmp.Compare(math.Float64bits(a.strength), math.Float64bits(b.strength)); c != 0 {
			return c
		}
		return strings.Compare(a.evidence, b.evidence)
	}
	slices.SortFunc(f.list, order)
	slices.SortFunc(g.list, order)
	return slices.EqualFunc(f.list, g.list, func(a, b finding) bool { return order(a, b) == 0 })
}

// Diff compares f, a scan's findings, with want, an independent reference's,
// in any order: the same rows and evidence strings, strengths within tol
// (a reference that sums in another order may differ in the last bits).
// It returns "" when they agree, else the first difference.
func (f *Findings) Diff(want *Findings, tol float64) string {
	order := func(a, b finding) int {
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		if c := strings.Compare(a.evidence, b.evidence); c != 0 {
			return c
		}
		return cmp.Compare(a.strength, b.strength)
	}
	slices.SortFunc(f.list, order)
	slices.SortFunc(want.list, order)
	for i := 0; i < max(len(f.list), len(want.list)); i++ {
		switch {
		case i >= len(f.list):
			return fmt.Sprintf("missing row %d %.9g %q", want.list[i].row, want.list[i].strength, want.list[i].evidence)
		case i >= len(want.list):
			return fmt.Sprintf("extra row %d %.9g %q", f.list[i].row, f.list[i].strength, f.list[i].evidence)
		}
		a, b := f.list[i], want.list[i]
		if a.row != b.row || a.evidence != b.evidence || math.Abs(a.strength-b.strength) > tol {
			return fmt.Sprintf("row %d %.9g %q, reference row %d %.9g %q", a.row, a.strength, a.evidence, b.row, b.strength, b.evidence)
		}
	}
	return ""
}

// Best returns, per row, the finding a detector's result keeps: the
// strongest, then the one with the smaller evidence (detect's rule).
func (f *Findings) Best() *Findings {
	best := map[int32]finding{}
	for _, x := range f.list {
		b, ok := best[x.row]
		if !ok || x.strength > b.strength || (x.strength == b.strength && x.evidence < b.evidence) {
			best[x.row] = x
		}
	}
	out := &Findings{}
	for _, x := range best {
		out.list = append(out.list, x)
	}
	return out
}

// Reach returns the wallets reachable from u along out (u included): a
// plain search for reference tests.
func Reach(out map[uint32][]uint32, u uint32) map[uint32]bool {
	seen := map[uint32]bool{u: true}
	for stack := []uint32{u}; len(stack) > 0; {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, x := range out[v] {
			if !seen[x] {
				seen[x] = true
				stack = append(stack, x)
			}
		}
	}
	return seen
}

// Components returns the strongly connected components of the graph out
// among the wallets with an arc out, each in increasing wallet order, in
// order of their lowest wallet: u and v share one when each reaches the
// other. Quadratic, for reference tests.
func Components(out map[uint32][]uint32) [][]uint32 {
	reach := map[uint32]map[uint32]bool{}
	var wallets []uint32
	for u := range out {
		reach[u] = Reach(out, u)
		wallets = append(wallets, u)
	}
	slices.Sort(wallets)
	done := map[uint32]bool{}
	var comps [][]uint32
	for _, u := range wallets {
		if done[u] {
			continue
		}
		var c []uint32
		for _, v := range wallets {
			if reach[u][v] && reach[v][u] {
				c, done[v] = append(c, v), true
			}
		}
		comps = append(comps, c)
	}
	return comps
}

// GraphMarket is a seeded synthetic market of graphtest.Market with what the
// graph detectors require computed: the hubs table and the wallet columns
// with the fungible hubs removed.
type GraphMarket struct {
	Features      *features.Set
	Input         *detect.Input
	Hubs          *hubs.Table
	Seller, Buyer []uint32
}

// NewGraphMarket builds the GraphMarket of seed with trades rows.
func NewGraphMarket(tb testing.TB, seed uint64, trades int) *GraphMarket {
	tb.Helper()
	fs := features.Compute(Market(MarketConfig{Seed: seed, Trades: trades}))
	m := &GraphMarket{Features: fs, Input: &detect.Input{Features: fs}}
	res, err := detect.Run(context.Background(), m.Input, []*detect.Detector{hubs.Detector}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	m.Hubs = res.ResultOf[hubs.Detector].(*hubs.Table)
	m.Seller, m.Buyer = m.Hubs.Parties(fs).Columns()
	return m
}

// ShareText is the chance figure's evidence text written plainly for the
// reference tests: "; 4 wallets, 93% of their 30d-window trades inside the
// ring" (one wallet: "1 wallet, 93% of its …").
func ShareText(wallets int, share float64, width int64, what string) string {
	if wallets == 1 {
		return fmt.Sprintf("; 1 wallet, %d%% of its %s-window trades inside the %s", int(math.Round(share*100)), graph.Human(width), what)
	}
	return fmt.Sprintf("; %d wallets, %d%% of their %s-window trades inside the %s", wallets, int(math.Round(share*100)), graph.Human(width), what)
}

// Surprise is the chance factor min(1, 2c) of the graph detectors, written
// plainly for the reference tests.
func Surprise(c float64) float64 {
	return math.Min(1, 2*math.Max(0, c))
}
