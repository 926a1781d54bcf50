package backforth

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// refDetector is back_and_forth as it was before it read the trades by
// asset position: the hub-adjusted wallet columns and times by row, one
// goroutine, and the same matching rules.
var refDetector = &detect.Detector{
	Name:     "back_and_forth_ref",
	Doc:      "reference",
	Requires: []*detect.Detector{hubs.Detector, graph.Activity},
	Params:   Detector.Params,
	Run: func(p *detect.Pass) (any, error) {
		fs := p.Features
		tbl, _ := p.ResultOf[hubs.Detector].(*hubs.Table)
		seller, buyer := tbl.Columns(fs)
		w := &worker{fs: fs, window: p.Duration("window"), tight: p.Duration("tight"), act: graph.ActivityOf(p)}
		tm := fs.T.Time
		valid := func(r int32) bool {
			return seller[r] != features.NoWallet && buyer[r] != features.NoWallet && seller[r] != buyer[r]
		}
		for a := 0; a+1 < len(fs.AssetStart); a++ {
			seq := fs.AssetRows[fs.AssetStart[a]:fs.AssetStart[a+1]]
			for _, backward := range []bool{false, true} {
				n := len(seq)
				at := func(k int) int32 {
					if backward {
						return seq[n-1-k]
					}
					return seq[k]
				}
				// The plain quadratic scan: nearest reverse row within the
				// window, as both the short-sequence loop and the map find.
				for k := 1; k < n; k++ {
					r := at(k)
					if !valid(r) {
						continue
					}
					for j := k - 1; j >= 0; j-- {
						q := at(j)
						gap := tm[r] - tm[q]
						if backward {
							gap = -gap
						}
						if gap > w.window {
							break
						}
						if seller[q] == buyer[r] && buyer[q] == seller[r] {
							if backward {
								w.match(r, q, r)
							} else {
								w.match(q, r, r)
							}
							break
						}
					}
				}
			}
		}
		for _, f := range w.out {
			p.Report(f.row, f.strength, f.evidence)
		}
		return nil, nil
	},
}

// TestMatchesReference compares the detector with refDetector on random
// markets (with a liquidity hub on the ERC-20 token and long per-asset
// sequences), finding for finding.
func TestMatchesReference(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		tr, fu := tradetest.Market(30000, seed)
		in := &detect.Input{Features: features.Compute(tr), Funders: fu}
		for _, params := range []map[string]string{{}, {"window": "365d"}, {"window": "2h", "tight": "10m"}} {
			p := detect.NewParams()
			for k, v := range params {
				p.Set(Detector.Name+"."+k, v)
				p.Set(refDetector.Name+"."+k, v)
			}
			res, err := detect.Run(context.Background(), in, []*detect.Detector{Detector, refDetector}, p)
			if err != nil {
				t.Fatal(err)
			}
			if tbl := res.ResultOf[hubs.Detector].(*hubs.Table); len(tbl.Hubs) == 0 {
				t.Errorf("seed %d: no hub, the hub path is not tested", seed)
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

// TestMatchEvidence checks the evidence match appends against the string
// concatenation it replaced, on every pair of rows of a random market
// (unknown parties included).
func TestMatchEvidence(t *testing.T) {
	tr, _ := tradetest.Market(3000, 9)
	fs := features.Compute(tr)
	w := &worker{fs: fs, window: 30 * 86400, tight: 3600, act: graph.ComputeActivity(fs)}
	addrs := fs.T.Addrs
	stamp := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
	for i := int32(0); i+1 < int32(fs.N); i += 7 {
		first, second := i, i+1+i%5
		if int(second) >= fs.N {
			break
		}
		w.out = w.out[:0]
		w.match(first, second, second)
		a, b := addrs.String(datasets.AddrID(fs.Seller[first])), addrs.String(datasets.AddrID(fs.Buyer[first]))
		t1, t2 := fs.T.Time[first], fs.T.Time[second]
		share := graphtest.WindowShare(fs, []uint32{fs.Seller[first], fs.Buyer[first]}, []int32{2, 2}, t1-3600, t2+3600)
		want := a + "→" + b + " at " + stamp(t1) + ", back " + b + "→" + a + " at " + stamp(t2) + " (" + Gap(t2-t1) +
			fmt.Sprintf("; 2 wallets, %d%% of their %s-window trades inside the round trip)", int64(math.Round(share*100)), graph.Human(t2-t1+7200))
		if s := graph.Surprise(share) * Strength(t2-t1, 3600, 30*86400); w.out[0].strength != s {
			t.Fatalf("rows %d, %d: strength %v, want %v", first, second, w.out[0].strength, s)
		}
		if got := w.out[0].evidence; got != want {
			t.Fatalf("rows %d, %d: evidence %q, want %q", first, second, got, want)
		}
	}
}
