package backforth

import (
	"math"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// Detector flags both legs of an A→B, B→A round trip of one asset within
// the window.
var Detector = &detect.Detector{
	Name: "back_and_forth",
	Doc: `flags an asset sent A→B and back B→A within a window

For every asset, a row moving it A→B is flagged when another row moves it
B→A no more than window before or after it: both legs of a round trip are
flagged. Strength 1 when the legs are at most tight apart, falling with the
logarithm of the gap to 0.3 at window. Unknown addresses and the hubs of
fungible tokens (detector hubs) never count; A→A rows are left to
self_trade.`,
	Requires: []*detect.Detector{hubs.Detector},
	Params: []detect.Param{{
		Name:    "window",
		Doc:     "longest time between the two legs of a round trip",
		Kind:    detect.Duration,
		Default: "30d",
	}, {
		Name:    "tight",
		Doc:     "gap between the legs up to which a round trip has strength 1",
		Kind:    detect.Duration,
		Default: "1d",
	}},
	Run: run,
}

// shortSeq is the sequence length up to which a backward scan replaces the map.
const shortSeq = 32

// parallelMin is the row count from which assets are split between goroutines.
const parallelMin = 1 << 16

type pair struct{ from, to uint32 }

type finding struct {
	row      int32
	strength float64
	evidence string
}

// worker holds the per-goroutine scratch state.
type worker struct {
	fs     *features.Set
	window int64
	tight  int64
	// seller and buyer are the wallet columns with fungible hubs removed
	// (detect/hubs).
	seller, buyer []uint32
	last          map[pair]int32 // latest position in the sequence of each pair
	out           []finding
}

func run(p *detect.Pass) (any, error) {
	fs := p.Features
	window := p.Duration("window")
	tight := p.Duration("tight")
	tbl, _ := p.ResultOf[hubs.Detector].(*hubs.Table)
	seller, buyer := tbl.Columns(fs)
	na := len(fs.AssetStart) - 1
	if na <= 0 {
		return nil, nil
	}
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
		workers[w] = &worker{fs: fs, window: window, tight: tight, seller: seller, buyer: buyer}
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
				wk.sequence(fs.AssetRows[fs.AssetStart[a]:fs.AssetStart[a+1]])
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, wk := range workers {
		for _, f := range wk.out {
			p.Report(f.row, f.strength, f.evidence)
		}
	}
	return nil, nil
}

// valid reports whether row r is a move between two distinct known wallets.
func (w *worker) valid(r int32) bool {
	s, b := w.seller[r], w.buyer[r]
	return s != features.NoWallet && b != features.NoWallet && s != b
}

// sequence finds the round trips in the rows of one asset, in canonical
// order: a forward pass reports each row that returns an earlier move, a
// backward pass each row that a later move returns.
func (w *worker) sequence(seq []int32) {
	if len(seq) < 2 {
		return
	}
	w.pass(seq, false)
	w.pass(seq, true)
}

// pass matches every valid row of seq with the nearest reverse row before it
// (after it when backward is set) no further than the window away, and reports
// the row itself.
func (w *worker) pass(seq []int32, backward bool) {
	tm := w.fs.T.Time
	n := len(seq)
	// at returns the row at step k of the pass; gap is the time between two steps.
	at := func(k int) int32 {
		if backward {
			return seq[n-1-k]
		}
		return seq[k]
	}
	gap := func(near, far int32) int64 {
		if backward {
			return tm[near] - tm[far]
		}
		return tm[far] - tm[near]
	}
	report := func(r, q int32) {
		if backward {
			w.match(r, q, r)
		} else {
			w.match(q, r, r)
		}
	}
	if n <= shortSeq {
		for k := 1; k < n; k++ {
			r := at(k)
			if !w.valid(r) {
				continue
			}
			s, b := w.seller[r], w.buyer[r]
			for j := k - 1; j >= 0; j-- {
				q := at(j)
				if gap(q, r) > w.window {
					break
				}
				if w.seller[q] == b && w.buyer[q] == s {
					report(r, q)
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
		r := at(k)
		for ; head < k && gap(at(head), r) > w.window; head++ {
			q := at(head)
			if w.valid(q) {
				key := pair{w.seller[q], w.buyer[q]}
				if w.last[key] == int32(head) {
					delete(w.last, key)
				}
			}
		}
		if !w.valid(r) {
			continue
		}
		s, b := w.seller[r], w.buyer[r]
		if j, ok := w.last[pair{b, s}]; ok {
			report(r, at(int(j)))
		}
		w.last[pair{s, b}] = int32(k)
	}
}

// match records the round trip first (A→B) then second (B→A) on row.
func (w *worker) match(first, second, row int32) {
	fs := w.fs
	addrs := fs.T.Addrs
	a, b := addrs.String(fs.Seller[first]), addrs.String(fs.Buyer[first])
	t1, t2 := fs.T.Time[first], fs.T.Time[second]
	ev := a + "→" + b + " at " + stamp(t1) + ", back " + b + "→" + a + " at " + stamp(t2) + " (" + Gap(t2-t1) + ")"
	w.out = append(w.out, finding{row, Strength(t2-t1, w.tight, w.window), ev})
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

func stamp(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

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
