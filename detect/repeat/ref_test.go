package repeat

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
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
	minCount := max(2, p.Int("min_count"))
	window := p.Duration("window")
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
// an earlier buy (ending at a later sale) holds c ≥ minCount rows.
func refReport(p *detect.Pass, rows []int32, side, minCount int, window int64) {
	t := p.Features.T
	tm := func(i int) int64 { return t.Time[rows[i]] }
	for k := range rows {
		c := 0
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
			c = max(c, n)
		}
		if c < minCount {
			continue
		}
		strength := 1 - math.Exp2(-float64(c-minCount+1))
		w, verb := p.Features.Buyer[rows[k]], "bought"
		if side == 1 {
			w, verb = p.Features.Seller[rows[k]], "sold"
		}
		ev := fmt.Sprintf("%s %s token %s %d times within %s", t.Addrs.String(w), verb, t.Assets.TokenID[t.Asset[rows[k]]], c, durationText(window))
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
			p := detect.NewParams()
			for k, v := range params {
				p.Set(Detector.Name+"."+k, v)
				p.Set(refDetector.Name+"."+k, v)
			}
			res, err := detect.Run(context.Background(), in, []*detect.Detector{Detector, refDetector}, p)
			if err != nil {
				t.Fatal(err)
			}
			got, want := res.Findings[Detector.Name], res.Findings[refDetector.Name]
			if len(want) == 0 {
				t.Errorf("seed %d %v: reference found nothing", seed, params)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("seed %d %v: %d findings, reference %d (or they differ)", seed, params, len(got), len(want))
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
	p := detect.NewParams()
	for _, d := range []*detect.Detector{Detector, refDetector} {
		p.Set(d.Name+".min_count", "2")
		p.Set(d.Name+".window", "30d")
	}
	res, err := detect.Run(context.Background(), in, []*detect.Detector{Detector, refDetector}, p)
	if err != nil {
		t.Fatal(err)
	}
	got, want := res.Findings[Detector.Name], res.Findings[refDetector.Name]
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d findings, reference %d (or they differ)", len(got), len(want))
	}
}
