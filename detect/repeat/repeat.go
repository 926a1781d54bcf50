package repeat

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
)

// Detector flags repeated buys or sells of one NFT by one wallet.
var Detector = &detect.Detector{
	Name: "repeat_trade",
	Doc: `The same wallet buys (or sells) the same erc721 token min_count or more times within window.

Within such a burst every buy but the first and every sale but the last is
flagged; strength 1 − 2^−(c − min_count + 1) for a burst of c trades.`,
	Params: []detect.Param{
		{Name: "min_count", Doc: "buys (or sells) of one token by one wallet that make a burst", Kind: detect.Number, Default: "3"},
		{Name: "window", Doc: "longest span of one burst window", Kind: detect.Duration, Default: "30d"},
	},
	Run: run,
}

func run(p *detect.Pass) (any, error) {
	f := p.Features
	t := f.T
	minCount := max(2, p.Int("min_count"))
	window := p.Duration("window")
	var buf []int32
	var mark []bool
	for a := 0; a < t.Assets.Len(); a++ {
		if a%4096 == 0 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		rows := f.AssetTrades(datasets.AssetID(a))
		if len(rows) < minCount || t.Standard[rows[0]] != datasets.ERC721 {
			continue
		}
		for side := 0; side < 2; side++ {
			who := f.Buyer
			if side == 1 {
				who = f.Seller
			}
			buf = buf[:0]
			for _, r := range rows {
				if features.Known(who[r]) && t.Standard[r] == datasets.ERC721 {
					buf = append(buf, r)
				}
			}
			// Stable by wallet: each wallet's rows stay in canonical order.
			slices.SortStableFunc(buf, func(x, y int32) int { return cmp.Compare(who[x], who[y]) })
			for i := 0; i < len(buf); {
				j := i + 1
				for j < len(buf) && who[buf[j]] == who[buf[i]] {
					j++
				}
				if j-i >= minCount {
					mark = bursts(t, buf[i:j], minCount, window, mark)
					report(p, buf[i:j], mark, side, minCount)
				}
				i = j
			}
		}
	}
	return nil, nil
}

// bursts marks the rows (one wallet's, in time order) that lie in a window
// of length window holding at least minCount of them. Two pointers: O(len).
func bursts(t *datasets.Trades, rows []int32, minCount int, window int64, mark []bool) []bool {
	mark = slices.Grow(mark[:0], len(rows))[:len(rows)]
	clear(mark)
	covered := -1 // rows[..covered] already marked
	e := 0
	for j := range rows {
		if e < j {
			e = j
		}
		for e+1 < len(rows) && t.Time[rows[e+1]]-t.Time[rows[j]] <= window {
			e++
		}
		if e-j+1 >= minCount {
			for k := max(j, covered+1); k <= e; k++ {
				mark[k] = true
			}
			covered = max(covered, e)
		}
	}
	return mark
}

// report flags each burst (a maximal run of marked rows) but its entry buy
// (side 0) or exit sale (side 1).
func report(p *detect.Pass, rows []int32, mark []bool, side, minCount int) {
	t := p.Features.T
	for i := 0; i < len(rows); {
		if !mark[i] {
			i++
			continue
		}
		j := i + 1
		for j < len(rows) && mark[j] {
			j++
		}
		c := j - i
		strength := 1 - math.Exp2(-float64(c-minCount+1))
		days := float64(t.Time[rows[j-1]]-t.Time[rows[i]]) / 86400
		var w uint32
		verb := "bought"
		lo, hi := i+1, j
		if side == 0 {
			w = p.Features.Buyer[rows[i]]
		} else {
			w = p.Features.Seller[rows[i]]
			verb = "sold"
			lo, hi = i, j-1
		}
		ev := fmt.Sprintf("%s %s token %s %d times in %.1f days", t.Addrs.String(w), verb, t.Assets.TokenID[t.Asset[rows[i]]], c, days)
		for k := lo; k < hi; k++ {
			p.Report(rows[k], strength, ev)
		}
		i = j
	}
}
