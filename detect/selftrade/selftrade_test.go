package selftrade_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/detect/selftrade"
	"github.com/washscan/washscan/features"
)

// build returns the features of one row per (seller, buyer) pair, all of
// token 1, with the allow-listed names marked unknown.
func build(pairs [][2]string, allow ...string) *features.Set {
	rows := make([]tradetest.Row, len(pairs))
	for i, p := range pairs {
		rows[i] = tradetest.Row{Day: float64(i) / 86400, Token: "1", Seller: p[0], Buyer: p[1], Price: 1}
	}
	return features.Compute(allowListed(tradetest.Build(rows), allow))
}

func allowListed(t *datasets.Trades, names []string) *datasets.Trades {
	for _, n := range names {
		if id, ok := t.Addrs.Lookup(tradetest.Addr(n)); ok {
			t.Addrs.MarkUnknown(id)
		}
	}
	return t
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
