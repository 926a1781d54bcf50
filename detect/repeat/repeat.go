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

// Detector flags repeated buys or sells of one NFT by one wallet.
var Detector = &detect.Detector{
	Name: "repeat_trade",
	Doc: `The same wallet buys (or sells) the same erc721 token min_count or more times within window.

Within such a burst every buy but the first and every sale but the last is
flagged; strength (1 − 2^−(c − min_count + 1)) · Surprise(s) for a burst
of c trades, s the share of the wallet's trades from the burst's first to
its last trade that are the burst's (2c − 1: the token's returns and
departures): a dealer whose token comes back by chance among hundreds of
trades is weak evidence.`,
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
	trades := f.Trades()
	act := graph.ActivityOf(p)
	// mixed[a]: asset a has a row that is not erc721. One sequential pass
	// over the standard column spares the per-row check, a read scattered
	// across the table, for the assets (nearly all) whose rows all are.
	mixed := make([]bool, t.Assets.Len())
	for r, std := range t.Standard {
		if std != datasets.ERC721 {
			mixed[t.Asset[r]] = true
		}
	}
	var (
		keys []uint64
		pos  []int32
		mark []bool
	)
	for a := 0; a < t.Assets.Len(); a++ {
		if a%4096 == 0 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		lo, hi := f.AssetStart[a], f.AssetStart[a+1]
		rows := f.AssetRows[lo:hi]
		if len(rows) < minCount || t.Standard[rows[0]] != datasets.ERC721 {
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
				if features.Known(w) && (!mixed[a] || t.Standard[r] == datasets.ERC721) {
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
					mark = bursts(tr, pos, minCount, window, mark)
					report(p, act, rows, tr, pos, mark, side, minCount)
				}
				i = j
			}
		}
	}
	return nil, nil
}

// bursts marks the positions pos (one wallet's, increasing, so in time
// order) of an asset's trades tr that lie in a window of length window
// holding at least minCount of them. Two pointers: O(len(pos)).
func bursts(tr []features.Trade, pos []int32, minCount int, window int64, mark []bool) []bool {
	mark = slices.Grow(mark[:0], len(pos))[:len(pos)]
	clear(mark)
	covered := -1 // pos[..covered] already marked
	e := 0
	for j := range pos {
		if e < j {
			e = j
		}
		for e+1 < len(pos) && tr[pos[e+1]].Time-tr[pos[j]].Time <= window {
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

// report flags each burst (a maximal run of marked positions) but its entry
// buy (side 0) or exit sale (side 1). rows and tr are the asset's rows and
// trades by position.
func report(p *detect.Pass, act *graph.ActivityTable, rows []int32, tr []features.Trade, pos []int32, mark []bool, side, minCount int) {
	t := p.Features.T
	for i := 0; i < len(pos); {
		if !mark[i] {
			i++
			continue
		}
		j := i + 1
		for j < len(pos) && mark[j] {
			j++
		}
		c := j - i
		strength := 1 - math.Exp2(-float64(c-minCount+1))
		first, last := pos[i], pos[j-1]
		days := float64(tr[last].Time-tr[first].Time) / 86400
		w := tr[first].Buyer
		verb := "bought"
		lo, hi := i+1, j
		if side == 1 {
			w = tr[first].Seller
			verb = "sold"
			lo, hi = i, j-1
		}
		t0, t1 := tr[first].Time, tr[last].Time+1
		share := act.Share([]uint32{w}, []int32{int32(2*c - 1)}, t0, t1)
		strength *= graph.Surprise(share)
		ev := fmt.Sprintf("%s %s token %s %d times in %.1f days", t.Addrs.String(w), verb, t.Assets.TokenID[t.Asset[rows[first]]], c, days)
		ev = string(graph.AppendShare([]byte(ev), 1, share, t1-t0, "burst"))
		for k := lo; k < hi; k++ {
			p.Report(rows[pos[k]], strength, ev)
		}
		i = j
	}
}
