package farming

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/graph/graphtest"
)

const (
	h = 3600
	d = 86400
	// base is 2023-01-01T00:00:00Z, when LooksRare, X2Y2 and Blur all paid
	// trading rewards (programs.csv).
	base = 1672531200
)

type R = graphtest.Row

// pass returns rows passing tokens first..first+n-1 from each wallet of
// group to the next, once, starting at time t0 on platform.
func pass(group []string, first, n int, t0 int64, platform string, wash bool) []R {
	var rows []R
	for i := 0; i < n; i++ {
		from := group[i%len(group)]
		to := group[(i+1)%len(group)]
		rows = append(rows, R{Time: base + t0 + int64(i)*h, Contract: "art", Token: fmt.Sprint(first + i), Seller: from, Buyer: to, Price: 1, Platform: platform, Wash: wash})
	}
	return rows
}

func TestRewardFarming(t *testing.T) {
	var flipper []R
	for i := 0; i < 12; i++ {
		flipper = append(flipper,
			R{Time: base + int64(i)*h, Contract: "art", Token: fmt.Sprint(100 + i), Seller: fmt.Sprint("s", i), Buyer: "flip", Price: 1, Platform: "looksrare"},
			R{Time: base + int64(i)*h + 30*60, Contract: "art", Token: fmt.Sprint(100 + i), Seller: "flip", Buyer: fmt.Sprint("b", i), Price: 1.1, Platform: "looksrare"})
	}
	tests := []struct {
		name string
		rows []R // Wash is the expected flag
	}{
		{"three wallets pass many tokens", append(append(
			[]R{{Time: base, Contract: "art", Token: "1", Seller: "outside", Buyer: "a", Platform: "looksrare"}},
			pass([]string{"a", "b", "c"}, 1, 14, h, "looksrare", true)...),
			R{Time: base + 3*d, Contract: "art", Token: "1", Seller: "b", Buyer: "collector", Platform: "looksrare"})},
		{"two wallets, six tokens", pass([]string{"a", "b"}, 1, 6, 0, "blur", true)},
		{"too few tokens", pass([]string{"a", "b"}, 1, 4, 0, "blur", false)},
		{"spread over weeks", func() []R {
			var rows []R
			for i, r := range pass([]string{"a", "b"}, 1, 6, 0, "blur", false) {
				r.Time = base + int64(i)*10*d
				rows = append(rows, r)
			}
			return rows
		}()},
		{"different platforms do not combine", append(pass([]string{"a", "b"}, 1, 3, 0, "blur", false), pass([]string{"a", "b"}, 4, 3, h, "looksrare", false)...)},
		{"active flipper with many counterparties", flipper},
		{"no platform", pass([]string{"a", "b", "c"}, 1, 9, 0, "", false)},
		{"group too large", pass([]string{"a", "b", "c", "d", "e", "f"}, 1, 18, 0, "x2y2", false)},
		{"a marketplace that paid no rewards", pass([]string{"a", "b", "c"}, 1, 14, 0, "cryptopunks", false)},
		{"before LooksRare's program", pass([]string{"a", "b", "c"}, 1, 14, -400*d, "looksrare", false)},
		{"after Blur's seasons", pass([]string{"a", "b", "c"}, 1, 14, 600*d, "blur", false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			graphtest.CheckFlags(t, tc.rows, Detector, nil)
		})
	}
}

func TestEvidence(t *testing.T) {
	// Starting at base+12h, the 14 hourly rows lie inside one sliding
	// window (the grid steps by half a window), so every row has the one
	// group's evidence.
	rows := pass([]string{"a", "b", "c"}, 1, 14, 12*h, "looksrare", true)
	_, fs := graphtest.Run(t, graphtest.Trades(rows), Detector, nil)
	// Wallets in ascending address order, whatever order they appear in.
	names := []string{graphtest.Addr("a").String(), graphtest.Addr("b").String(), graphtest.Addr("c").String()}
	slices.Sort(names)
	want := "3 wallets (" + strings.Join(names, ", ") + ") traded 14 tokens among themselves on looksrare within 13h; 3 wallets, 100% of their 1w-window trades inside the group"
	if len(fs) != 14 || fs[0].Evidence != want {
		t.Fatalf("%d findings, evidence %q; want 14, %q", len(fs), fs[0].Evidence, want)
	}
}

func TestMarket(t *testing.T) {
	tr := market()
	got, fs := graphtest.Run(t, tr, Detector, nil)
	c := graphtest.Count(tr, got, 0)
	t.Logf("rows %d, findings %d: %+v precision %.3f recall %.3f", tr.Len(), len(fs), c, c.Precision(), c.Recall())
	if c.Precision() < 0.93 {
		t.Errorf("precision %.3f", c.Precision())
	}
	var farm, hit int
	for i, l := range tr.Label {
		if l == datasets.LabelWash && tr.Platforms.Value(tr.Platform[i]) == "looksrare" && tr.Standard[i] == datasets.ERC721 {
			farm++
			if got[i] > 0 {
				hit++
			}
		}
	}
	t.Logf("looksrare NFT wash recall %d/%d", hit, farm)
	if len(fs) > 0 && !strings.Contains(fs[0].Evidence, "among themselves") {
		t.Errorf("evidence %q", fs[0].Evidence)
	}
}

func TestDeterministic(t *testing.T) {
	graphtest.CheckDeterministic(t, market(), Detector)
}

func market() *datasets.Trades { return graphtest.TestMarket() }

func BenchmarkRewardFarming(b *testing.B) { graphtest.Bench(b, Detector) }
