package repeat

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph/graphtest"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// refDetector is repeat_trade's rule written plainly (package doc): the
// table's columns by row, a stable sort of rows by wallet, and every window
// counted by a scan.
var refDetector = &detect.Detector{Name: "repeat_trade_ref", Doc: "reference", Params: Detector.Params, Run: refRun}

func refRun(p *detect.Pass) (any, error) {
	f := p.Features
	t := f.T
	minCount := max(2, p.Int(paramMinCount))
	window := p.Duration(paramWindow)
	var buf []int32
	for a := 0; a < t.Assets.Len(); a++ {
		rows := f.AssetTrades(datasets.AssetID(a))
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
			slices.SortStableFunc(buf, func(x, y int32) int { return cmp.Compare(who[x], who[y]) })
			for i := 0; i < len(buf); {
				j := i + 1
				for j < len(buf) && who[buf[j]] == who[buf[i]] {
					j++
				}
				refReport(p, buf[i:j], side, minCount, window)
				i = j
			}
		}
	}
	return nil, nil
}

// refReport flags, among one wallet's rows of one token on one side (in
// time order), each row k for which a window of length window starting at
// an earlier buy (ending at a later sale) holds c ≥ minCount rows, c the
// most any such window holds. Its strength is (1 − 2^−(c − minCount + 1))
// · min(1, 2s), s = (2c − 1) / (the wallet's rows, every asset, in that
// fullest window [from, from + window]); among equally full windows the
// one nearest the row (the latest earlier buy, the earliest later sale).
func refReport(p *detect.Pass, rows []int32, side, minCount int, window int64) {
	f := p.Features
	t := f.T
	tm := func(i int) int64 { return t.Time[rows[i]] }
	for k := range rows {
		c, from := 0, int64(0)
		for j := range rows {
			var lo, hi int64
			switch {
			case side == 0 && j < k && tm(k)-tm(j) <= window:
				lo, hi = tm(j), tm(j)+window
			case side == 1 && j > k && tm(j)-tm(k) <= window:
				lo, hi = tm(j)-window, tm(j)
			default:
				continue
			}
			n := 0
			for i := range rows {
				if tm(i) >= lo && tm(i) <= hi {
					n++
				}
			}
			// Buys: j increases towards k, so ≥ keeps the latest of equals;
			// sales: j moves away from k, so > keeps the earliest.
			if n > c || (n == c && side == 0) {
				c, from = n, lo
			}
		}
		if c < minCount {
			continue
		}
		w, verb := f.Buyer[rows[k]], "bought"
		if side == 1 {
			w, verb = f.Seller[rows[k]], "sold"
		}
		// The wallet's rows as seller or buyer, every asset, in
		// [from, from+window].
		total := 0
		for r := 0; r < f.N; r++ {
			if x := t.Time[r]; x >= from && x <= from+window && (f.Seller[r] == w || f.Buyer[r] == w) {
				total++
			}
		}
		share := float64(2*c-1) / float64(max(total, 2*c-1))
		strength := (1 - math.Exp2(-float64(c-minCount+1))) * graphtest.Surprise(share)
		ev := fmt.Sprintf("%s %s token %s %d times within %s", t.Addrs.String(w), verb, t.Assets.TokenID[t.Asset[rows[k]]], c, durationText(window)) +
			graphtest.ShareText(1, share, window+1, "burst")
		p.Report(rows[k], strength, ev)
	}
}

// TestMatchesReference compares the detector with refDetector on random
// markets, finding for finding, in order.
func TestMatchesReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		tr, fu := tt.Market(30000, seed)
		in := &detect.Input{Features: features.Compute(tr), Funders: fu}
		for _, params := range []map[string]string{{}, {"min_count": "2", "window": "365d"}, {"min_count": "2", "window": "1d"}} {
			got, want, _ := tt.WithReference(t, in, Detector, refDetector, params)
			if len(want) == 0 {
				t.Errorf("seed %d %v: reference found nothing", seed, params)
			}
			if d := tt.Diff(got, want, 1e-12); d != "" {
				t.Errorf("seed %d %v: %s", seed, params, d)
			}
		}
	}
}

// TestMatchesReferenceMixedStandards compares the detector with refDetector
// on a market whose tokens mix erc721 and erc1155 rows (the per-row
// standard check the mixed assets still need).
func TestMatchesReferenceMixedStandards(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	var rows []tt.Row
	for i := 0; i < 5000; i++ {
		row := tt.Row{Day: float64(i) / 40, Contract: fmt.Sprint("K", r.IntN(3)), Token: fmt.Sprint(r.IntN(60)),
			Seller: fmt.Sprint("w", r.IntN(12)), Buyer: fmt.Sprint("w", r.IntN(12)), Price: 1, Std: datasets.ERC721}
		if r.IntN(8) == 0 {
			row.Std = datasets.ERC1155
		}
		rows = append(rows, row)
	}
	in := &detect.Input{Features: features.Compute(tt.Build(rows))}
	got, want, _ := tt.WithReference(t, in, Detector, refDetector, map[string]string{"min_count": "2", "window": "30d"})
	if len(want) == 0 {
		t.Error("reference found nothing")
	}
	if d := tt.Diff(got, want, 1e-12); d != "" {
		t.Error(d)
	}
}
