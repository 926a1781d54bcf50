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
				got := Compute(f, limit, with)
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
