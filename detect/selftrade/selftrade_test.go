package selftrade_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/selftrade"
	"github.com/washscan/washscan/features"
)

// addr maps a test name to an address: "" is empty, "0" the zero address,
// any other name a fixed non-zero address.
func addr(name string) datasets.Address {
	var a datasets.Address
	if name == "" || name == "0" {
		return a
	}
	a[0] = 0xab
	copy(a[20-len(name):], name)
	return a
}

func build(pairs [][2]string, allow ...string) *features.Set {
	t := datasets.NewTrades()
	eth := t.Chains.Intern("ethereum")
	c := t.Addrs.Intern(addr("C"))
	for i, p := range pairs {
		t.Chain = append(t.Chain, eth)
		t.Time = append(t.Time, int64(1000+i))
		t.Block = append(t.Block, uint64(i))
		t.TxHash = append(t.TxHash, datasets.Hash{byte(i)})
		t.LogIndex = append(t.LogIndex, 0)
		t.Asset = append(t.Asset, t.Assets.Intern(c, "1"))
		t.Standard = append(t.Standard, datasets.ERC721)
		id := func(n string) datasets.AddrID {
			if n == "" {
				return datasets.NoAddr
			}
			return t.Addrs.Intern(addr(n))
		}
		t.Seller = append(t.Seller, id(p[0]))
		t.Buyer = append(t.Buyer, id(p[1]))
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, 1)
		t.Currency = append(t.Currency, 0)
		t.PriceUSD = append(t.PriceUSD, math.NaN())
		t.Platform = append(t.Platform, 0)
		t.TxFrom = append(t.TxFrom, 0)
		t.Label = append(t.Label, datasets.LabelNone)
		t.Source = append(t.Source, 0)
		t.Line = append(t.Line, int64(i+2))
	}
	for _, n := range allow {
		if id, ok := t.Addrs.Lookup(addr(n)); ok {
			t.Addrs.MarkUnknown(id)
		}
	}
	return features.Compute(t)
}

func TestSelfTrade(t *testing.T) {
	tests := []struct {
		name  string
		pairs [][2]string
		allow []string
		want  []int32
	}{
		{"none", [][2]string{{"A", "B"}, {"B", "A"}}, nil, nil},
		{"one", [][2]string{{"A", "B"}, {"A", "A"}, {"B", "C"}}, nil, []int32{1}},
		{"empty both", [][2]string{{"", ""}}, nil, nil},
		{"zero both", [][2]string{{"0", "0"}}, nil, nil},
		{"allow-listed", [][2]string{{"E", "E"}, {"A", "A"}}, []string{"E"}, []int32{1}},
		{"many", [][2]string{{"A", "A"}, {"B", "B"}, {"A", "B"}, {"C", "C"}}, nil, []int32{0, 1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := build(tc.pairs, tc.allow...)
			res, err := detect.Run(context.Background(), &detect.Input{Features: fs}, []*detect.Detector{selftrade.Detector}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Findings["self_trade"]
			if len(got) != len(tc.want) {
				t.Fatalf("findings %v, want rows %v", got, tc.want)
			}
			for i, f := range got {
				if f.Row != tc.want[i] || f.Strength != 1 {
					t.Errorf("finding %d = %+v, want row %d strength 1", i, f, tc.want[i])
				}
				w := fmt.Sprintf("seller = buyer = %s", fs.T.Addrs.String(fs.T.Seller[f.Row]))
				if f.Evidence != w {
					t.Errorf("evidence %q, want %q", f.Evidence, w)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := detect.Validate([]*detect.Detector{selftrade.Detector}); err != nil {
		t.Fatal(err)
	}
}
