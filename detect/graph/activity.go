package graph

import (
	"bytes"
	"math"
	"reflect"
	"sort"
	"strconv"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
)

// ActivityTable indexes every wallet's trades by time, so a detector can
// ask how active a wallet was inside its own time window: the chance model
// of the graph detectors (cycle, volume_matching, back_and_forth,
// reward_farming) compares a pattern's rows with all of its wallets' rows
// in the window, read from the rows inside the window only (no whole-input
// statistic, so cutting the input by time does not change a verdict whose
// window lies inside the cut).
type ActivityTable struct {
	// start and ranks form a CSR index: the canonical positions (indexes
	// into features.Set.Order) of wallet w's rows, increasing, are
	// ranks[start[w]:start[w+1]].
	start []int32
	ranks []int32
	// The time of the row at canonical position k: t0 + time32[k] when
	// the input's times span less than 2³² seconds (136 years: 4 bytes a
	// row instead of 8), else time[k].
	t0     int64
	time32 []uint32
	time   []int64
}

// Count returns the number of rows with wallet w as seller or buyer (a
// self-trade once) whose time t satisfies t0 ≤ t < t1. Time O(log N).
func (a *ActivityTable) Count(w uint32, t0, t1 int64) int {
	if a == nil || t1 <= t0 {
		return 0
	}
	return a.countIn(w, a.bound(t0), a.bound(t1))
}

// Bounds returns the canonical positions [lo, hi) of the rows with time in
// [t0, t1), for CountIn: a detector that counts many wallets in one window
// finds the window once.
func (a *ActivityTable) Bounds(t0, t1 int64) (lo, hi int32) {
	if a == nil || t1 <= t0 {
		return 0, 0
	}
	return a.bound(t0), a.bound(t1)
}

// CountIn counts wallet w's rows at canonical positions [lo, hi) (Bounds).
func (a *ActivityTable) CountIn(w uint32, lo, hi int32) int {
	if a == nil {
		return 0
	}
	return a.countIn(w, lo, hi)
}

// countIn counts wallet w's rows at canonical positions [lo, hi).
func (a *ActivityTable) countIn(w uint32, lo, hi int32) int {
	if int(w)+1 >= len(a.start) || hi <= lo {
		return 0
	}
	rs := a.ranks[a.start[w]:a.start[w+1]]
	i := sort.Search(len(rs), func(i int) bool { return rs[i] >= lo })
	j := i + sort.Search(len(rs)-i, func(k int) bool { return rs[i+k] >= hi })
	return j - i
}

// bound is the first canonical position whose time is at least t.
func (a *ActivityTable) bound(t int64) int32 {
	if a.time == nil {
		// Times are non-decreasing by position, so from t0 on.
		if t <= a.t0 {
			return 0
		}
		// t > t0: the difference as unsigned is exact, even where the
		// signed one overflows.
		if uint64(t)-uint64(a.t0) > math.MaxUint32 {
			return int32(len(a.time32))
		}
		d := uint32(uint64(t) - uint64(a.t0))
		return int32(sort.Search(len(a.time32), func(k int) bool { return a.time32[k] >= d }))
	}
	return int32(sort.Search(len(a.time), func(k int) bool { return a.time[k] >= t }))
}

// Share is the chance figure of a pattern over a set of wallets: with
// inside(w) the pattern's rows that wallet w is a party of and total(w)
// its rows in the window [t0, t1) (at least inside(w)), it returns
//
//	Σ_w inside(w) / Σ_w total(w),
//
// the share of the wallets' window trading that stays inside the pattern:
// 1 for wallets that traded only inside it, near 0 when busy wallets take
// part, whose pattern is one coincidence among many trades (pooled, not a
// mean of ratios, so quiet wallets that a busy one traded with cannot
// outweigh it). wallets and inside are parallel.
func (a *ActivityTable) Share(wallets []uint32, inside []int32, t0, t1 int64) float64 {
	var in, tot float64
	var lo, hi int32
	if a != nil && t1 > t0 {
		lo, hi = a.bound(t0), a.bound(t1)
	}
	for i, w := range wallets {
		x := int(inside[i])
		in += float64(x)
		n := 0
		if a != nil {
			n = a.countIn(w, lo, hi)
		}
		tot += float64(max(n, x, 1))
	}
	if tot == 0 {
		return 0
	}
	return in / tot
}

// ComputeActivity builds the table of f: one counting sort of the rows in
// canonical order by wallet. Time O(N + W); memory 8 bytes per row (4 per
// party) plus 4 per canonical position (8 when the times span 2³² seconds
// or more) and 4 per wallet.
func ComputeActivity(f *features.Set) *ActivityTable {
	nw := f.T.Addrs.Len() + 1
	for i, s := range f.Seller {
		nw = max(nw, int(s)+1, int(f.Buyer[i])+1)
	}
	start := make([]int32, nw+1)
	for _, r := range f.Order {
		s, b := f.Seller[r], f.Buyer[r]
		if s != features.NoWallet {
			start[s+1]++
		}
		if b != features.NoWallet && b != s {
			start[b+1]++
		}
	}
	for w := 1; w <= nw; w++ {
		start[w] += start[w-1]
	}
	ranks := make([]int32, start[nw])
	next := make([]int32, nw)
	copy(next, start[:nw])
	a := &ActivityTable{start: start, ranks: ranks}
	if n := len(f.Order); n > 0 {
		a.t0 = f.T.Time[f.Order[0]]
		// The last time is the largest: the unsigned difference is exact.
		if uint64(f.T.Time[f.Order[n-1]])-uint64(a.t0) <= math.MaxUint32 {
			a.time32 = make([]uint32, n)
		} else {
			a.time = make([]int64, n)
		}
	}
	for k, r := range f.Order {
		if a.time32 != nil {
			a.time32[k] = uint32(uint64(f.T.Time[r]) - uint64(a.t0))
		} else {
			a.time[k] = f.T.Time[r]
		}
		s, b := f.Seller[r], f.Buyer[r]
		if s != features.NoWallet {
			ranks[next[s]] = int32(k)
			next[s]++
		}
		if b != features.NoWallet && b != s {
			ranks[next[b]] = int32(k)
			next[b]++
		}
	}
	return a
}

// Activity is the shared computation of the per-wallet time index. It
// reports no findings; its result is a *[ActivityTable].
var Activity = &detect.Detector{
	Name: "window_activity",
	Doc: `every wallet's trades indexed by time (shared computation)

For every wallet, its rows as seller or buyer in canonical order, so a
detector can count how many trades a wallet made inside the detector's own
time window. The graph detectors weigh a pattern by the share of its
wallets' window trading that stays inside it: a closed group is strong,
busy traders who close a loop by chance among thousands of trades are weak.`,
	ResultType: reflect.TypeOf((*ActivityTable)(nil)),
	// An index only: what a detector reads of it lies in that detector's
	// own window, counted in that detector's Reach.
	Reach: detect.Instant,
	Run: func(pass *detect.Pass) (any, error) {
		return ComputeActivity(pass.Features), nil
	},
}

// activityKey is the Input.Shared key of the activity table.
type activityKey struct{}

// ActivityOf returns the activity table of the pass's input: the
// window_activity result when the detector required it, else the table
// built once per input (detect.Input.Shared) by the first detector that
// asks, so the graph detectors do not wait for it before they start.
func ActivityOf(pass *detect.Pass) *ActivityTable {
	if a, _ := pass.ResultOf[Activity].(*ActivityTable); a != nil {
		return a
	}
	if pass.Input == nil {
		return ComputeActivity(pass.Features)
	}
	return pass.Input.Shared(activityKey{}, func() any { return ComputeActivity(pass.Features) }).(*ActivityTable)
}

// AddrLess reports whether wallet a's address sorts before wallet b's, the
// order evidence uses so that it does not depend on first-seen ids.
func AddrLess(addrs *datasets.Addresses, a, b uint32) bool {
	x, y := addrs.Addr(datasets.AddrID(a)), addrs.Addr(datasets.AddrID(b))
	return bytes.Compare(x[:], y[:]) < 0
}

// AppendShare appends the chance figure of a pattern to its evidence:
// "; 4 wallets, 93% of their 30d-window trades inside the ring".
func AppendShare(b []byte, wallets int, share float64, width int64, what string) []byte {
	b = append(b, "; "...)
	b = strconv.AppendInt(b, int64(wallets), 10)
	if wallets == 1 {
		b = append(b, " wallet, "...)
	} else {
		b = append(b, " wallets, "...)
	}
	b = strconv.AppendInt(b, int64(math.Round(share*100)), 10)
	if wallets == 1 {
		b = append(b, "% of its "...)
	} else {
		b = append(b, "% of their "...)
	}
	b = append(b, Human(width)...)
	b = append(b, "-window trades inside the "...)
	b = append(b, what...)
	return b
}

// Surprise maps a chance figure c (Share) to the factor the graph
// detectors multiply their structural strength by: min(1, c/FullShare).
// Wallets that do at least half of their window trading inside the pattern
// count as fully surprising (a wash wallet's own entry and exit purchases
// are outside it); below that the factor falls linearly to 0, so a pattern
// among busy wallets, which chance alone explains, carries little weight.
func Surprise(c float64) float64 { return min(1, max(0, c)/FullShare) }

// FullShare is the share of a wallet's window trading inside a pattern
// from which Surprise is 1.
const FullShare = 0.5
