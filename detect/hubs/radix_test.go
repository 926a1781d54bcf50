package hubs

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/washscan/washscan/datasets"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// TestComputeMatchesSort checks the packed radix search of Compute against
// hubsBySort, the comparison sort of the triples, on random markets with
// several fungible assets (erc20 and erc1155), NFT rows, unknown parties,
// self-trades and a few wallets with many counterparties.
func TestComputeMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for trial := 0; trial < 20; trial++ {
		var rows []tt.Row
		for i := 0; i < 3000; i++ {
			row := tt.Row{Day: float64(i) / 100, Contract: fmt.Sprint("T", r.IntN(6)), Seller: fmt.Sprint("w", r.IntN(200)), Buyer: fmt.Sprint("w", r.IntN(200)), Price: 1}
			switch r.IntN(4) {
			case 0:
				row.Token, row.Std = fmt.Sprint(r.IntN(20)), datasets.ERC721
			case 1:
				row.Token, row.Std = fmt.Sprint(r.IntN(3)), datasets.ERC1155
			default:
				row.Std = datasets.ERC20
			}
			if r.IntN(3) == 0 { // a pool
				row.Seller = fmt.Sprint("pool", r.IntN(3))
			}
			if r.IntN(50) == 0 {
				row.Buyer = ""
			}
			rows = append(rows, row)
		}
		f := features.Compute(tt.Build(rows))
		for _, limit := range []int{1, 5, 40} {
			for _, with := range []bool{false, true} {
				got := Compute(f, limit, 0, with)
				std := f.T.Standard
				want := hubsBySort(f, limit, func(r int) bool {
					return std[r] == datasets.ERC20 || (with && std[r] == datasets.ERC1155)
				})
				if !reflect.DeepEqual(got.Hubs, want) && !(len(got.Hubs) == 0 && len(want) == 0) {
					t.Fatalf("trial %d limit %d erc1155 %v: hubs %v, want %v", trial, limit, with, got.Hubs, want)
				}
			}
		}
	}
}

// TestWindowedMatchesScan checks Compute with a window against the rule
// written plainly: at each fungible row, each party's distinct counterparties
// on the asset among its rows within the window before and after, counted by
// a scan of every row.
func TestWindowedMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	for trial := 0; trial < 5; trial++ {
		var rows []tt.Row
		for i := 0; i < 1500; i++ {
			row := tt.Row{Day: float64(i) / 50, Contract: fmt.Sprint("T", r.IntN(3)), Seller: fmt.Sprint("w", r.IntN(100)), Buyer: fmt.Sprint("w", r.IntN(100)), Price: 1, Std: datasets.ERC20}
			if r.IntN(8) == 0 {
				row.Token, row.Std = fmt.Sprint(r.IntN(5)), datasets.ERC721
			}
			if r.IntN(2) == 0 {
				row.Seller = fmt.Sprint("pool", r.IntN(2))
			}
			if r.IntN(40) == 0 {
				row.Buyer = ""
			}
			rows = append(rows, row)
		}
		f := features.Compute(tt.Build(rows))
		tm := f.T.Time
		for _, limit := range []int{3, 12} {
			for _, window := range []int64{86400, 5 * 86400} {
				got := Compute(f, limit, window, false)
				hub := func(w uint32, row int) bool {
					if w == features.NoWallet || f.T.Standard[row] != datasets.ERC20 {
						return false
					}
					cps := map[uint32]bool{}
					for q := 0; q < f.N; q++ {
						if f.T.Asset[q] != f.T.Asset[row] || f.T.Standard[q] != datasets.ERC20 || tm[q] < tm[row]-window || tm[q] > tm[row]+window {
							continue
						}
						s, b := f.Seller[q], f.Buyer[q]
						if s == features.NoWallet || b == features.NoWallet || s == b {
							continue
						}
						if s == w {
							cps[b] = true
						} else if b == w {
							cps[s] = true
						}
					}
					return len(cps) >= limit
				}
				for row := 0; row < f.N; row++ {
					ws, wb := f.Seller[row], f.Buyer[row]
					if hub(ws, row) {
						ws = features.NoWallet
					}
					if hub(wb, row) {
						wb = features.NoWallet
					}
					if gs, gb := got.Parties(f).At(int32(row)); gs != ws || gb != wb {
						t.Fatalf("trial %d limit %d window %d row %d: parties %d,%d, want %d,%d", trial, limit, window, row, gs, gb, ws, wb)
					}
				}
			}
		}
	}
}
