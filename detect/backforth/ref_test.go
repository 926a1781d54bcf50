package backforth

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// refGap is the package doc's gap text written plainly: the largest whole
// unit of days, hours, minutes and seconds.
func refGap(sec int64) string {
	if sec <= 0 {
		return "same second"
	}
	for _, u := range []struct {
		sec  int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}} {
		if sec >= u.sec {
			return fmt.Sprintf("%d%s later", sec/u.sec, u.name)
		}
	}
	return fmt.Sprintf("%ds later", sec)
}

// refFinding is the package doc's strength and evidence of the round trip
// first (A→B) then second (B→A): the gap's strength 1, or 1 − 0.7·ln(g/tight)
// / ln(window/tight) (at least 0.3), times min(1, 2c), c = 4 / (A's and B's
// rows from tight before the first leg to tight after the second).
func refFinding(fs *features.Set, first, second int32, tight, window int64) (float64, string) {
	t := fs.T
	a, b := fs.Seller[first], fs.Buyer[first]
	t1, t2 := t.Time[first], t.Time[second]
	g := t2 - t1
	tight = max(tight, 1)
	s := 1.0
	if g > tight && window > tight {
		s = max(0.3, 1-0.7*math.Log(float64(g)/float64(tight))/math.Log(float64(window)/float64(tight)))
	}
	c := graphtest.WindowShare(fs, []uint32{a, b}, []int32{2, 2}, t1-tight, t2+tight)
	A, B := t.Addrs.String(datasets.AddrID(a)), t.Addrs.String(datasets.AddrID(b))
	stamp := func(x int64) string { return time.Unix(x, 0).UTC().Format(time.RFC3339) }
	ev := A + "→" + B + " at " + stamp(t1) + ", back " + B + "→" + A + " at " + stamp(t2) +
		" (" + refGap(g) + graphtest.ShareText(2, c, t2+tight-(t1-tight), "round trip") + ")"
	return graphtest.Surprise(c) * s, ev
}

// refDetector is the package doc's rule written plainly: for every row
// A→B of an asset (hub-adjusted wallets, both known and distinct), every
// other row of the asset is read; the nearest B→A before it and the nearest
// B→A after it in canonical order, each within window, are its matches, and
// the row keeps the stronger of the two (detect keeps the strongest finding
// per row, then the smaller evidence).
var refDetector = &detect.Detector{
	Name:     "back_and_forth_ref",
	Doc:      "reference",
	Requires: []*detect.Detector{hubs.Detector},
	Params:   Detector.Params,
	Run: func(p *detect.Pass) (any, error) {
		fs := p.Features
		tbl, _ := p.ResultOf[hubs.Detector].(*hubs.Table)
		seller, buyer := tbl.Parties(fs).Columns()
		window, tight := p.Duration(paramWindow), p.Duration(paramTight)
		tm := fs.T.Time
		for a := 0; a+1 < len(fs.AssetStart); a++ {
			seq := fs.AssetRows[fs.AssetStart[a]:fs.AssetStart[a+1]]
			for i, r := range seq {
				s, b := seller[r], buyer[r]
				if s == features.NoWallet || b == features.NoWallet || s == b {
					continue
				}
				before, after := -1, -1
				for j, q := range seq {
					if seller[q] != b || buyer[q] != s || max(tm[q]-tm[r], tm[r]-tm[q]) > window {
						continue
					}
					if j < i {
						before = j // the last one before i is the nearest
					} else if j > i && after < 0 {
						after = j
					}
				}
				if before >= 0 {
					st, ev := refFinding(fs, seq[before], r, tight, window)
					p.Report(r, st, ev)
				}
				if after >= 0 {
					st, ev := refFinding(fs, r, seq[after], tight, window)
					p.Report(r, st, ev)
				}
			}
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
			got, want, res := tradetest.WithReference(t, in, Detector, refDetector, params)
			if tbl := res.ResultOf[hubs.Detector].(*hubs.Table); len(tbl.Hubs) == 0 {
				t.Errorf("seed %d: no hub, the hub path is not tested", seed)
			}
			if len(want) == 0 {
				t.Errorf("seed %d %v: reference found nothing", seed, params)
			}
			if d := tradetest.Diff(got, want, 1e-12); d != "" {
				t.Errorf("seed %d %v: %s", seed, params, d)
			}
		}
	}
}
