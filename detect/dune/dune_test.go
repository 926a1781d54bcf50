package dune

import (
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

// fixture rows with, next to each, the filters expected to flag it.
var fixture = []struct {
	tt.Row
	want string // filters expected: 1..5 as digits
}{
	// 1: self trade; unknown parties never match.
	{tt.Row{Day: 0, Token: "1", Seller: "A", Buyer: "A", Price: 1}, "12"}, // a self trade is its own reverse, as in the SQL join,
	{tt.Row{Day: 0, Token: "1", Seller: "", Buyer: "", Price: 1}, ""},
	{tt.Row{Day: 0, Token: "1", Seller: "0", Buyer: "0", Price: 1}, ""},
	// 2: back-and-forth at any time, on the same token only.
	{tt.Row{Day: 1, Token: "2", Seller: "B", Buyer: "C", Price: 1}, "2"},
	{tt.Row{Day: 400, Token: "2", Seller: "C", Buyer: "B", Price: 1}, "2"},
	{tt.Row{Day: 1, Token: "3", Seller: "C", Buyer: "B", Price: 1}, ""}, // reverse is on token 2 only
	{tt.Row{Day: 2, Token: "3", Seller: "0", Buyer: "D", Price: 1}, ""},
	{tt.Row{Day: 3, Token: "3", Seller: "D", Buyer: "0", Price: 1}, ""},
	// 3: the same buyer three times on an erc721 token (row itself counted).
	{tt.Row{Day: 10, Token: "4", Seller: "E1", Buyer: "F", Price: 1}, "3"},
	{tt.Row{Day: 20, Token: "4", Seller: "F", Buyer: "E2", Price: 1}, ""},
	{tt.Row{Day: 30, Token: "4", Seller: "E3", Buyer: "F", Price: 1}, "3"},
	{tt.Row{Day: 40, Token: "4", Seller: "F", Buyer: "E4", Price: 1}, ""},
	{tt.Row{Day: 50, Token: "4", Seller: "E5", Buyer: "F", Price: 1}, "3"},
	// only twice: not flagged; and empty buyers never count as "the same".
	{tt.Row{Day: 10, Token: "5", Seller: "G1", Buyer: "H", Price: 1}, ""},
	{tt.Row{Day: 11, Token: "5", Seller: "G2", Buyer: "H", Price: 1}, ""},
	{tt.Row{Day: 12, Token: "5", Seller: "G3", Buyer: "", Price: 1}, ""},
	{tt.Row{Day: 13, Token: "5", Seller: "G4", Buyer: "", Price: 1}, ""},
	{tt.Row{Day: 14, Token: "5", Seller: "G5", Buyer: "", Price: 1}, ""},
	// the same seller three times.
	{tt.Row{Day: 10, Token: "6", Seller: "J", Buyer: "K1", Price: 1}, "3"},
	{tt.Row{Day: 11, Token: "6", Seller: "J", Buyer: "K2", Price: 1}, "3"},
	{tt.Row{Day: 12, Token: "6", Seller: "J", Buyer: "K3", Price: 1}, "3"},
	// erc1155 is out of filter 3's scope.
	{tt.Row{Day: 10, Token: "7", Std: datasets.ERC1155, Seller: "L", Buyer: "M1", Price: 1}, ""},
	{tt.Row{Day: 11, Token: "7", Std: datasets.ERC1155, Seller: "L", Buyer: "M2", Price: 1}, ""},
	{tt.Row{Day: 12, Token: "7", Std: datasets.ERC1155, Seller: "L", Buyer: "M3", Price: 1}, ""},
	// erc20 is in scope: one asset per contract.
	{tt.Row{Day: 10, Contract: "T20", Std: datasets.ERC20, Seller: "P1", Buyer: "N", Price: 1}, "3"},
	{tt.Row{Day: 11, Contract: "T20", Std: datasets.ERC20, Seller: "P2", Buyer: "N", Price: 1}, "3"},
	{tt.Row{Day: 12, Contract: "T20", Std: datasets.ERC20, Seller: "P3", Buyer: "N", Price: 1}, "3"},
	// 4: funders. Q and R share funder X; S funded U; V's funder is deny-listed.
	{tt.Row{Day: 60, Token: "8", Seller: "Q", Buyer: "R", Price: 1}, "4"},
	{tt.Row{Day: 61, Token: "8", Seller: "S", Buyer: "U", Price: 1}, "24"},
	{tt.Row{Day: 62, Token: "8", Seller: "U", Buyer: "S", Price: 1}, "24"},
	{tt.Row{Day: 63, Token: "9", Seller: "V", Buyer: "W", Price: 1}, ""},
	{tt.Row{Day: 64, Token: "9", Seller: "", Buyer: "Q", Price: 1}, ""},
	// 5: flash loan: token 10 leaves Y and returns within tx f1.
	{tt.Row{Day: 70, Tx: "f1", Log: 1, Token: "10", Seller: "Y", Buyer: "Z1", Price: 1}, "5"},
	{tt.Row{Day: 70, Tx: "f1", Log: 2, Token: "10", Seller: "Z1", Buyer: "Z2"}, "5"},
	{tt.Row{Day: 70, Tx: "f1", Log: 3, Token: "10", Seller: "Z2", Buyer: "Y"}, "5"},
	{tt.Row{Day: 70, Tx: "f2", Log: 4, Token: "10", Seller: "Y", Buyer: "Z3"}, ""}, // same block, other tx
	{tt.Row{Day: 71, Tx: "f3", Log: 1, Token: "11", Seller: "Y", Buyer: "Z1"}, ""},
	{tt.Row{Day: 71, Tx: "f3", Log: 2, Token: "11", Seller: "Z1", Buyer: "Z2"}, ""},
}

func TestFilters(t *testing.T) {
	rows := make([]tt.Row, len(fixture))
	for i, f := range fixture {
		rows[i] = f.Row
	}
	tr := tt.Build(rows)
	fu := tt.Funders(tr, map[string]string{"Q": "X", "R": "X", "U": "S", "V": "Dex", "W": "Dex"})
	in := tt.Input(tr, fu, "Dex")
	for k, d := range Detectors {
		got := tt.Run(t, in, d, nil)
		digit := byte('1' + k)
		for i, f := range fixture {
			want := false
			for j := 0; j < len(f.want); j++ {
				want = want || f.want[j] == digit
			}
			if _, ok := got[int32(i)]; ok != want {
				t.Errorf("%s: row %d (%+v): flagged %v, want %v", d.Name, i, f.Row, ok, want)
			}
		}
	}
}

func TestWeightsFlagAnyOne(t *testing.T) {
	w := Weights()
	for _, d := range Detectors {
		z := w.Bias + w.Weights[d.Name]
		if s := detect.Sigmoid(z); s < 0.5 {
			t.Errorf("%s alone scores %v < 0.5", d.Name, s)
		}
	}
}
