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
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// refDetector is repeat_trade as it was before it read the trades by asset
// position: the table's columns by row and a stable sort of rows by wallet.
var refDetector = &detect.Detector{Name: "repeat_trade_ref", Doc: "reference", Params: Detector.Params, Run: refRun}

func refRun(p *detect.Pass) (any, error) {
	f := p.Features
	t := f.T
	minCount := max(2, p.Int("min_count"))
	window := p.Duration("window")
	var buf []int32
	for a := 0; a < t.Assets.Len(); a++ {
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
			slices.SortStableFunc(buf, func(x, y int32) int { return cmp.Compare(who[x], who[y]) })
			for i := 0; i < len(buf); {
				j := i + 1
				for j < len(buf) && who[buf[j]] == who[buf[i]] {
					j++
				}
				if j-i >= minCount {
					refReport(p, buf[i:j], refBursts(t, buf[i:j], minCount, window), side, minCount)
				}
				i = j
			}
		}
	}
	return nil, nil
}

func refBursts(t *datasets.Trades, rows []int32, minCount int, window int64) []bool {
	mark := make([]bool, len(rows))
	for j := range rows {
		e := j
		for e+1 < len(rows) && t.Time[rows[e+1]]-t.Time[rows[j]] <= window {
			e++
		}
		if e-j+1 >= minCount {
			for k := j; k <= e; k++ {
				mark[k] = true
			}
		}
	}
	return mark
}

func refReport(p *detect.Pass, rows []int32, mark []bool, side, minCount int) {
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
		w, verb, lo, hi := p.Features.Buyer[rows[i]], "bought", i+1, j
		if side == 1 {
			w, verb, lo, hi = p.Features.Seller[rows[i]], "sold", i, j-1
		}
		t0, t1 := t.Time[rows[i]], t.Time[rows[j-1]]+1
		share := graphtest.WindowShare(p.Features, []uint32{w}, []int32{int32(2*c - 1)}, t0, t1)
		strength *= min(1, share/0.5)
		ev := fmt.Sprintf("%s %s token %s %d times in %.1f days; 1 wallet, %d%% of its %s-window trades inside the burst",
			t.Addrs.String(w), verb, t.Assets.TokenID[t.Asset[rows[i]]], c, days, int64(math.Round(share*100)), graph.Human(t1-t0))
		for k := lo; k < hi; k++ {
			p.Report(rows[k], strength, ev)
		}
		i = j
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
