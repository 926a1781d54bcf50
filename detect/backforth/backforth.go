package backforth

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var (
	paramWindow = &detect.Param{Name: "window", Doc: "longest time between the two legs of a round trip", Kind: detect.Duration, Default: "30d"}
	paramTight  = &detect.Param{Name: "tight", Doc: "gap between the legs up to which a round trip has strength 1", Kind: detect.Duration, Default: "1d"}
)

// Detector flags both legs of an A→B, B→A round trip of one asset within
// the window.
var Detector = &detect.Detector{
	Name: "back_and_forth",
	Doc: `flags an asset sent A→B and back B→A within a window

For every asset, a row moving it A→B is flagged when another row moves it
B→A no more than window before or after it: both legs of a round trip are
flagged. Strength 1 when the legs are at most tight apart, falling with the
logarithm of the gap to 0.3 at window, times min(1, 2c) for c the share of
both wallets' trades from tight before to tight after the round trip that
are its legs (busy wallets score low). Unknown addresses and the hubs of
fungible tokens (detector hubs) never count; A→A rows are left to
self_trade.`,
	Requires:  []*detect.Detector{hubs.Detector},
	Params:    []*detect.Param{paramWindow, paramTight},
	Exclusive: true, // scratch of 45–70 bytes a trade (BENCHMARKS.md "detect (session 8)")
	Run:       run,
	// A row reads the asset's rows within window before and after it (and
	// the hubs table, whose reach adds on top).
	Reach: func(p detect.ParamReader) (int64, bool) { w := p.Duration(paramWindow); return w, w > 0 },
}

// shortSeq is the sequence length up to which a backward scan replaces the map.
const shortSeq = 32

// parallelMin is the row count from which assets are split between goroutines.
const parallelMin = 1 << 16

type pair struct{ from, to uint32 }

// worker holds the per-goroutine scratch state.
type worker struct {
	fs     *features.Set
	window int64
	tight  int64
	act    *graph.ActivityTable
	duo    [2]uint32                                          // the round trip's wallets (match)
	last   map[pair]int32                                     // latest position in the sequence of each pair
	report func(row int32, strength float64, evidence string) // Pass.Report
	buf    []byte                                             // evidence being built
	// fwd lists the current asset's forward-pass round trips by
	// increasing position of their second leg (positions in the asset's
	// sequence); the backward pass finds a round trip the forward pass
	// already described there and reuses its strength and evidence (one
	// string for both rows).
	fwd []fwdTrip
}

// fwdTrip is a forward-pass round trip: the positions of its legs and its
// finding's strength and evidence.
type fwdTrip struct {
	second, first int32
	strength      float64
	evidence      string
}

func run(p *detect.Pass) (any, error) {
	fs := p.Features
	window := p.Duration(paramWindow)
	tight := p.Duration(paramTight)
	na := len(fs.AssetStart) - 1
	if na <= 0 {
		return nil, nil
	}
	// The assets' trades are read with fungible hubs removed (detect/hubs).
	tbl, _ := p.ResultOf[hubs.Detector].(*hubs.Table)
	act := graph.ActivityOf(p)
	nw := 1
	if fs.N >= parallelMin {
		nw = max(1, runtime.GOMAXPROCS(0))
	}
	// Split assets into nw contiguous ranges of about equal row counts.
	bounds := make([]int, nw+1)
	bounds[nw] = na
	for w, a := 1, 0; w < nw; w++ {
		target := int32(int64(fs.N) * int64(w) / int64(nw))
		for a < na && fs.AssetStart[a] < target {
			a++
		}
		bounds[w] = a
	}
	workers := make([]*worker, nw)
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		workers[w] = &worker{fs: fs, window: window, tight: tight, act: act, report: p.Report}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			wk := workers[w]
			for a := bounds[w]; a < bounds[w+1]; a++ {
				if a&0xfff == 0 && p.Context != nil {
					if err := p.Context.Err(); err != nil {
						errs[w] = err
						return
					}
				}
				lo, hi := fs.AssetStart[a], fs.AssetStart[a+1]
				wk.sequence(fs.AssetRows[lo:hi], tbl.AssetTrades(fs, datasets.AssetID(a)))
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// valid reports whether t is a move between two distinct known wallets.
func valid(t *features.Trade) bool {
	return t.Seller != features.NoWallet && t.Buyer != features.NoWallet && t.Seller != t.Buyer
}

// sequence finds the round trips in the rows of one asset, in canonical
// order, given their trades (tr[i] is row seq[i]'s): a forward pass reports
// each row that returns an earlier move, a backward pass each row that a
// later move returns.
func (w *worker) sequence(seq []int32, tr []features.Trade) {
	if len(seq) < 2 {
		return
	}
	w.fwd = w.fwd[:0]
	w.pass(seq, tr, false)
	w.pass(seq, tr, true)
}

// pass matches every valid row of seq with the nearest reverse row before it
// (after it when backward is set) no further than the window away, and reports
// the row itself. It reads the contiguous trades tr, not the table's columns.
func (w *worker) pass(seq []int32, tr []features.Trade, backward bool) {
	n := len(seq)
	tr = tr[:n]
	// at returns the position of step k of the pass; gap is the time between
	// two steps.
	at := func(k int) int {
		if backward {
			return n - 1 - k
		}
		return k
	}
	gap := func(near, far int) int64 {
		if backward {
			return tr[near].Time - tr[far].Time
		}
		return tr[far].Time - tr[near].Time
	}
	report := func(i, j int) {
		r, q := seq[i], seq[j]
		if !backward {
			strength, ev := w.match(q, r, r)
			w.fwd = append(w.fwd, fwdTrip{int32(i), int32(j), strength, ev})
			return
		}
		// The forward pass ran k = 0, 1, …: w.fwd is sorted by second.
		fw := w.fwd
		x, ok := slices.BinarySearchFunc(fw, int32(j), func(e fwdTrip, t int32) int { return cmp.Compare(e.second, t) })
		if ok && fw[x].first == int32(i) {
			w.report(r, fw[x].strength, fw[x].evidence)
			return
		}
		w.match(r, q, r)
	}
	if n <= shortSeq {
		for k := 1; k < n; k++ {
			i := at(k)
			t := &tr[i]
			if !valid(t) {
				continue
			}
			s, b := t.Seller, t.Buyer
			for j := k - 1; j >= 0; j-- {
				q := at(j)
				if gap(q, i) > w.window {
					break
				}
				if tr[q].Seller == b && tr[q].Buyer == s {
					report(i, q)
					break
				}
			}
		}
		return
	}
	if w.last == nil {
		w.last = make(map[pair]int32)
	} else {
		clear(w.last)
	}
	head := 0
	for k := 0; k < n; k++ {
		i := at(k)
		for ; head < k && gap(at(head), i) > w.window; head++ {
			q := &tr[at(head)]
			if valid(q) {
				key := pair{q.Seller, q.Buyer}
				if w.last[key] == int32(head) {
					delete(w.last, key)
				}
			}
		}
		t := &tr[i]
		if !valid(t) {
			continue
		}
		s, b := t.Seller, t.Buyer
		if j, ok := w.last[pair{b, s}]; ok {
			report(i, at(int(j)))
		}
		w.last[pair{s, b}] = int32(k)
	}
}

// match reports the round trip first (A→B) then second (B→A) on row and
// returns the finding's strength and evidence. The evidence, "A→B at T1,
// back B→A at T2 (gap)", is appended into one buffer (hex addresses, RFC
// 3339 times) and copied out once. Findings go to Pass.Report as they are
// found (it takes a lock; normalize orders them), not into a per-worker
// list copied at the end.
func (w *worker) match(first, second, row int32) (strength float64, evidence string) {
	fs := w.fs
	addrs := fs.T.Addrs
	a, b := datasets.AddrID(fs.Seller[first]), datasets.AddrID(fs.Buyer[first])
	t1, t2 := fs.T.Time[first], fs.T.Time[second]
	e := addrs.AppendString(w.buf[:0], a)
	e = append(e, "→"...)
	e = addrs.AppendString(e, b)
	e = append(e, " at "...)
	e = appendStamp(e, t1)
	e = append(e, ", back "...)
	e = addrs.AppendString(e, b)
	e = append(e, "→"...)
	e = addrs.AppendString(e, a)
	e = append(e, " at "...)
	e = appendStamp(e, t2)
	e = append(e, " ("...)
	e = append(e, Gap(t2-t1)...)
	// Chance model: the share of both wallets' trading from tight before
	// the first leg to tight after the second that is the round trip.
	t0, t3 := t1-max(w.tight, 1), t2+max(w.tight, 1)
	w.duo = [2]uint32{uint32(a), uint32(b)}
	c := w.act.Share(w.duo[:], legs[:], t0, t3)
	e = graph.AppendShare(e, 2, c, t3-t0, "round trip")
	e = append(e, ')')
	w.buf = e
	strength, ev := graph.Surprise(c)*Strength(t2-t1, w.tight, w.window), string(e)
	w.report(row, strength, ev)
	return strength, ev
}

// legs is each wallet's rows inside a round trip.
var legs = [2]int32{2, 2}

// appendStamp appends t (unix seconds) as stamp renders it.
func appendStamp(b []byte, t int64) []byte {
	return time.Unix(t, 0).UTC().AppendFormat(b, time.RFC3339)
}

// MinStrength is the strength of a round trip whose legs are a whole window
// apart.
const MinStrength = 0.3

// Strength is the strength of a round trip whose legs are gap seconds apart:
// 1 for gap ≤ tight, then falling with the logarithm of the gap,
//
//	1 − (1 − MinStrength) · ln(gap/tight) / ln(window/tight),
//
// to MinStrength at gap = window. With window ≤ tight it is 1.
func Strength(gap, tight, window int64) float64 {
	if gap < 0 {
		gap = -gap
	}
	tight = max(tight, 1)
	if gap <= tight || window <= tight {
		return 1
	}
	x := math.Log(float64(gap)/float64(tight)) / math.Log(float64(window)/float64(tight))
	return max(MinStrength, 1-(1-MinStrength)*min(1, x))
}

// Gap describes a non-negative gap in seconds in its largest whole unit:
// "same second", "45s later", "12m later", "5h later", "3d later".
func Gap(sec int64) string {
	switch {
	case sec <= 0:
		return "same second"
	case sec < 60:
		return strconv.FormatInt(sec, 10) + "s later"
	case sec < 3600:
		return strconv.FormatInt(sec/60, 10) + "m later"
	case sec < 86400:
		return strconv.FormatInt(sec/3600, 10) + "h later"
	}
	return strconv.FormatInt(sec/86400, 10) + "d later"
}
