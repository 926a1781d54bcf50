package cycle

import (
	"cmp"
	"context"
	"slices"
	"testing"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// TestGroups checks Groups against its definition on random markets: the
// order of the plain comparator (length descending, kind, first row), and
// every group's trades equal to its rows' time and hub-adjusted wallets.
func TestGroups(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		tr := graphtest.Market(graphtest.MarketConfig{Seed: seed, Trades: 20000})
		fs := features.Compute(tr)
		// Hubs over the whole input: this market's pools trade thinly.
		params := detect.NewParams()
		params.Set("hubs.window", "0")
		res, err := detect.Run(context.Background(), &detect.Input{Features: fs}, []*detect.Detector{hubs.Detector}, params)
		if err != nil {
			t.Fatal(err)
		}
		tbl := res.ResultOf[hubs.Detector].(*hubs.Table)
		seller, buyer := tbl.Parties(fs).Columns()
		if len(tbl.Hubs) == 0 {
			t.Fatalf("seed %d: no hub, the hub-adjusted trades are not tested", seed)
		}
		for _, minLen := range []int{0, 2, 3} {
			set := Groups(fs, tbl, minLen)
			gs := make([]group, len(set.units))
			for i := range set.units {
				var buf []features.Trade // a buffer each: every group is kept
				gs[i] = set.group(i, &buf)
			}
			want := slices.Clone(gs)
			slices.SortFunc(want, func(a, b group) int {
				if c := cmp.Compare(len(b.rows), len(a.rows)); c != 0 {
					return c
				}
				if c := cmp.Compare(a.kind, b.kind); c != 0 {
					return c
				}
				return cmp.Compare(a.rows[0], b.rows[0])
			})
			kinds := [2]int{}
			for i, g := range gs {
				kinds[g.kind]++
				if len(g.rows) < minLen || len(g.trades) != len(g.rows) {
					t.Fatalf("seed %d group %d: %d rows, %d trades", seed, i, len(g.rows), len(g.trades))
				}
				if &g.rows[0] != &want[i].rows[0] {
					t.Fatalf("seed %d minLen %d: group %d out of order", seed, minLen, i)
				}
				for k, r := range g.rows {
					if w := (features.Trade{Time: tr.Time[r], Seller: seller[r], Buyer: buyer[r]}); g.trades[k] != w {
						t.Fatalf("seed %d group %d position %d: %+v, want %+v", seed, i, k, g.trades[k], w)
					}
				}
			}
			if kinds[perToken] == 0 || kinds[perCollection] == 0 {
				t.Fatalf("seed %d: groups by kind %v", seed, kinds)
			}
		}
	}
}
