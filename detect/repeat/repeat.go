package repeat

import (
	"fmt"
	"math"
	"slices"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var (
	paramMinCount = &detect.Param{Name: "min_count", Doc: "buys (or sells) of one token by one wallet that make a burst", Kind: detect.Int, Default: "3", Min: 2}
	paramWindow   = &detect.Param{Name: "window", Doc: "longest span of one burst window", Kind: detect.Duration, Default: "30d"}
)

// Detector flags repeated buys or sells of one NFT by one wallet.
var Detector = &detect.Detector{
	Name: "repeat_trade",
	Doc: `The same wallet buys (or sells) the same erc721 token min_count or more times within window.

A buy is flagged when some window of that length starting at an earlier buy
of the wallet holds min_count or more of its buys of the token (a sale: ending
at a later sale); strength 1 − 2^−(c − min_count + 1) for the most, c, such a
window holds, times min(1, 2s), s the share of the wallet's trades (every
asset) in that window that are the burst's. Reach: window.`,
	Params: []*detect.Param{paramMinCount, paramWindow},
	Run:    run,
	// A row's flag and strength read the wallet's trades of the token
	// within window before and after it.
	Reach: func(p detect.ParamReader) (int64, bool) { return p.Duration(paramWindow), true },
}

func run(p *detect.Pass) (any, error) {
	f := p.Features
	t := f.T
	minCount := max(2, p.Int(paramMinCount))
	window := p.Duration(paramWindow)
	trades := f.Trades()
	act := graph.ActivityOf(p)
	var (
		keys []uint64
		pos  []int32
		size []int32
		from []int64
	)
	for a := 0; a < t.Assets.Len(); a++ {
		if a%4096 == 0 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		lo, hi := f.AssetStart[a], f.AssetStart[a+1]
		rows := f.AssetRows[lo:hi]
		if len(rows) < minCount {
			continue
		}
		tr := trades[lo:hi]
		for side := 0; side < 2; side++ {
			// keys holds wallet<<32 | position for the side's known wallet
			// of every erc721 row; sorted, each wallet's positions are
			// consecutive and in canonical order.
			keys = keys[:0]
			for i, r := range rows {
				w := tr[i].Buyer
				if side == 1 {
					w = tr[i].Seller
				}
				if features.Known(w) && t.Standard[r] == datasets.ERC721 {
					keys = append(keys, uint64(w)<<32|uint64(i))
				}
			}
			slices.Sort(keys)
			for i := 0; i < len(keys); {
				j := i + 1
				for j < len(keys) && keys[j]>>32 == keys[i]>>32 {
					j++
				}
				if j-i >= minCount {
					pos = pos[:0]
					for _, k := range keys[i:j] {
						pos = append(pos, int32(uint32(k)))
					}
					size, from = bursts(tr, pos, window, side, size, from)
					report(p, act, rows, tr, pos, size, from, side, minCount, window)
				}
				i = j
			}
		}
	}
	return nil, nil
}

// bursts returns, for the positions pos (one wallet's, increasing, so in
// time order) of an asset's trades tr, the burst size of each: for side 0
// (buys) the most positions that a window [t_j, t_j + window] starting at
// an earlier position j < k holds, for side 1 (sales) the most that a
// window [t_e − window, t_e] ending at a later position e > k holds; 0
// when there is no such window. from[k] is the start of the fullest such
// window (it spans [from[k], from[k] + window]). Every window reaches only
// window from k. Two pointers and a monotonic deque: O(len(pos)).
func bursts(tr []features.Trade, pos []int32, window int64, side int, size []int32, from []int64) ([]int32, []int64) {
	n := len(pos)
	size = slices.Grow(size[:0], n)[:n]
	from = slices.Grow(from[:0], n)[:n]
	at := func(k int) int64 { // time of the k-th position in scan order
		if side == 1 {
			return -tr[pos[n-1-k]].Time // sales: scan backwards
		}
		return tr[pos[k]].Time
	}
	// cnt[j]: positions in [t_j, t_j + window] (in scan order).
	cnt := make([]int32, n)
	e := 0
	for j := 0; j < n; j++ {
		for e < n && at(e)-at(j) <= window {
			e++
		}
		cnt[j] = int32(e - j)
	}
	// size[k] = max cnt[j] over j < k with t_k − t_j ≤ window: a sliding
	// maximum over j in [lo, k).
	var dq []int32 // indices j, cnt decreasing
	lo := 0
	for k := 0; k < n; k++ {
		if k > 0 {
			j := int32(k - 1)
			for len(dq) > 0 && cnt[dq[len(dq)-1]] <= cnt[j] {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, j)
		}
		for lo < k && at(k)-at(lo) > window {
			lo++
		}
		for len(dq) > 0 && int(dq[0]) < lo {
			dq = dq[1:]
		}
		out := k
		if side == 1 {
			out = n - 1 - k
		}
		size[out], from[out] = 0, 0
		if len(dq) > 0 {
			size[out] = cnt[dq[0]]
			if side == 1 { // the window ends at the sale dq[0] of the scan
				from[out] = -at(int(dq[0])) - window
			} else {
				from[out] = at(int(dq[0]))
			}
		}
	}
	return size, from
}

// report flags the positions whose burst size reaches minCount. rows and
// tr are the asset's rows and trades by position.
//
// Chance model: s is the share of the wallet's trades (every asset) in the
// burst window [from, from + window] that are the burst's 2c − 1 (the
// token's c arrivals and the departures between them); the strength
// (1 − 2^−(c − min_count + 1)) is scaled by Surprise(s) = min(1, 2s): a
// dealer whose token comes back by chance among hundreds of trades is weak
// evidence.
func report(p *detect.Pass, act *graph.ActivityTable, rows []int32, tr []features.Trade, pos []int32, size []int32, from []int64, side, minCount int, window int64) {
	t := p.Features.T
	// pos holds one wallet's positions of one asset, so a finding's
	// strength and evidence depend only on its burst (size and start):
	// the rows of one burst, usually consecutive, share one string.
	prevC, prevFrom := int32(-1), int64(0)
	var strength float64
	var ev string
	for k, c := range size {
		if int(c) < minCount {
			continue
		}
		if c != prevC || from[k] != prevFrom {
			w, verb := tr[pos[k]].Buyer, "bought"
			if side == 1 {
				w, verb = tr[pos[k]].Seller, "sold"
			}
			t0, t1 := from[k], from[k]+window+1
			share := act.Share([]uint32{w}, []int32{2*c - 1}, t0, t1)
			strength = (1 - math.Exp2(-float64(int(c)-minCount+1))) * graph.Surprise(share)
			ev = fmt.Sprintf("%s %s token %s %d times within %s", t.Addrs.String(w), verb, t.Assets.TokenID[t.Asset[rows[pos[k]]]], c, durationText(window))
			ev = string(graph.AppendShare([]byte(ev), 1, share, t1-t0, "burst"))
			prevC, prevFrom = c, from[k]
		}
		p.Report(rows[pos[k]], strength, ev)
	}
}

// durationText writes a window in days or hours.
func durationText(sec int64) string {
	if sec%86400 == 0 {
		return fmt.Sprintf("%dd", sec/86400)
	}
	return fmt.Sprintf("%.1fh", float64(sec)/3600)
}
