package backforth_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/backforth"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

type trade struct {
	t             int64
	token         string
	seller, buyer string
}

// build returns the features of trades (times in unix seconds), with the
// allow-listed names marked unknown.
func build(trades []trade, allow ...string) *features.Set {
	rows := make([]tradetest.Row, len(trades))
	for i, tr := range trades {
		rows[i] = tradetest.Row{Day: float64(tr.t-tradetest.T0) / tradetest.Day, Token: tr.token, Seller: tr.seller, Buyer: tr.buyer, Price: 1}
	}
	t := tradetest.Build(rows)
	for _, n := range allow {
		if id, ok := t.Addrs.Lookup(tradetest.Addr(n)); ok {
			t.Addrs.MarkUnknown(id)
		}
	}
	return features.Compute(t)
}

func runBF(t testing.TB, fs *features.Set, params *detect.Params) []detect.Finding {
	t.Helper()
	res, err := detect.Run(context.Background(), &detect.Input{Features: fs}, []*detect.Detector{backforth.Detector}, params)
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings["back_and_forth"]
}

func rows(fs []detect.Finding) []int32 {
	var out []int32
	for _, f := range fs {
		out = append(out, f.Row)
	}
	return out
}

const day = 86400

func TestBackAndForth(t *testing.T) {
	tests := []struct {
		name   string
		trades []trade
		window string
		allow  []string
		want   []int32
		// strength of every finding
		strength float64
	}{
		{"round trip", []trade{{0, "1", "A", "B"}, {3 * day, "1", "B", "A"}}, "", nil, []int32{0, 1}, backforth.Strength(3*day, day, 30*day)},
		{"outside window", []trade{{0, "1", "A", "B"}, {31 * day, "1", "B", "A"}}, "", nil, nil, 1},
		{"window edge inclusive", []trade{{0, "1", "A", "B"}, {30 * day, "1", "B", "A"}}, "", nil, []int32{0, 1}, 0.3},
		{"custom window", []trade{{0, "1", "A", "B"}, {3 * day, "1", "B", "A"}}, "2d", nil, nil, 1},
		{"other asset", []trade{{0, "1", "A", "B"}, {day, "2", "B", "A"}}, "", nil, nil, 1},
		{"same direction", []trade{{0, "1", "A", "B"}, {day, "1", "A", "B"}}, "", nil, nil, 1},
		{"chain no return", []trade{{0, "1", "A", "B"}, {day, "1", "B", "C"}, {2 * day, "1", "C", "D"}}, "", nil, nil, 1},
		{"unknown seller", []trade{{0, "1", "", "B"}, {day, "1", "B", ""}}, "", nil, nil, 1},
		{"zero address", []trade{{0, "1", "0", "B"}, {day, "1", "B", "0"}}, "", nil, nil, 1},
		{"allow-listed", []trade{{0, "1", "E", "B"}, {day, "1", "B", "E"}}, "", []string{"E"}, nil, 1},
		{"self trade ignored", []trade{{0, "1", "A", "A"}, {day, "1", "A", "A"}}, "", nil, nil, 1},
		{"input order differs from time", []trade{{5 * day, "1", "B", "A"}, {0, "1", "A", "B"}, {40 * day, "1", "A", "B"}}, "", nil, []int32{0, 1}, backforth.Strength(5*day, day, 30*day)},
		{"ping pong", []trade{{0, "1", "A", "B"}, {day, "1", "B", "A"}, {2 * day, "1", "A", "B"}, {3 * day, "1", "B", "A"}}, "", nil, []int32{0, 1, 2, 3}, 1},
		{"reverse before forward only", []trade{{0, "1", "B", "A"}, {day, "1", "C", "B"}, {2 * day, "1", "A", "B"}}, "", nil, []int32{0, 2}, backforth.Strength(2*day, day, 30*day)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := build(tc.trades, tc.allow...)
			p := detect.NewParams()
			if tc.window != "" {
				p.Set("back_and_forth.window", tc.window)
			}
			got := runBF(t, fs, p)
			if !slices.Equal(rows(got), tc.want) {
				t.Fatalf("flagged rows %v, want %v", rows(got), tc.want)
			}
			for _, f := range got {
				if math.Abs(f.Strength-tc.strength) > 1e-9 || f.Evidence == "" {
					t.Errorf("finding %+v: want strength %v and evidence", f, tc.strength)
				}
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	fs := build([]trade{{1656547200, "1", "A", "B"}, {1656547200 + 3*day + 7, "1", "B", "A"}})
	got := runBF(t, fs, nil)
	a, b := tradetest.Addr("A").String(), tradetest.Addr("B").String()
	want := a + "→" + b + " at 2022-06-30T00:00:00Z, back " + b + "→" + a + " at 2022-07-03T00:00:07Z (3d later; 2 wallets, 100% of their 5d-window trades inside the round trip)"
	if len(got) != 2 || got[0].Evidence != want || got[1].Evidence != want {
		t.Fatalf("findings %+v\nwant evidence %q on both legs", got, want)
	}
}

func TestGap(t *testing.T) {
	for _, tc := range []struct {
		sec  int64
		want string
	}{{0, "same second"}, {59, "59s later"}, {60, "1m later"}, {7199, "1h later"}, {86399, "23h later"}, {3 * day, "3d later"}} {
		if got := backforth.Gap(tc.sec); got != tc.want {
			t.Errorf("Gap(%d) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

// brute is the quadratic reference: a row is flagged when some other row of
// the same asset is its reverse within the window.
func brute(trs []trade, window int64) []int32 {
	var out []int32
	for i, a := range trs {
		if a.seller == a.buyer {
			continue
		}
		for j, b := range trs {
			if i == j || a.token != b.token || b.seller != a.buyer || b.buyer != a.seller {
				continue
			}
			if d := a.t - b.t; d <= window && d >= -window {
				out = append(out, int32(i))
				break
			}
		}
	}
	return out
}

// TestLongSequences compares the map path (sequences > 32 rows) and the scan
// path against the quadratic reference on random markets with few wallets.
func TestLongSequences(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 20 + r.IntN(400)
		names := []string{"A", "B", "C", "D", "E"}
		var trs []trade
		for i := 0; i < n; i++ {
			trs = append(trs, trade{
				t:      int64(r.IntN(200)) * day / 2,
				token:  []string{"1", "2"}[r.IntN(2)],
				seller: names[r.IntN(len(names))],
				buyer:  names[r.IntN(len(names))],
			})
		}
		fs := build(trs)
		got := rows(runBF(t, fs, nil))
		want := brute(trs, 30*day)
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: got %v\nwant %v", seed, got, want)
		}
	}
}

func BenchmarkBackAndForth(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1 << 20
	trs := make([]trade, n)
	names := make([]string, 5000)
	for i := range names {
		names[i] = string(rune('A'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
	}
	for i := range trs {
		// half the rows in one long ERC-20-like sequence, half in small NFTs
		tok := "0"
		if i%2 == 1 {
			tok = string(rune('1' + r.IntN(9)))
			tok += tok + string(rune('0'+i%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i/100%10))
		}
		trs[i] = trade{t: int64(i) * 60, token: tok, seller: names[r.IntN(len(names))], buyer: names[r.IntN(len(names))]}
	}
	fs := build(trs)
	b.ResetTimer()
	for b.Loop() {
		runBF(b, fs, nil)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

func TestStrength(t *testing.T) {
	const w = 30 * day
	tests := []struct {
		gap, tight, window int64
		want               float64
	}{
		{0, day, w, 1},
		{day, day, w, 1},
		{-day / 2, day, w, 1},
		{w, day, w, 0.3},
		{2 * w, day, w, 0.3},
		{7 * day, day, w, 1 - 0.7*math.Log(7)/math.Log(30)},
		{5 * day, day, day, 1}, // window ≤ tight: no decay
		{10, 0, 100, 1 - 0.7*1/2.0},
	}
	for _, tc := range tests {
		if got := backforth.Strength(tc.gap, tc.tight, tc.window); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Strength(%d, %d, %d) = %v, want %v", tc.gap, tc.tight, tc.window, got, tc.want)
		}
	}
	// Monotone non-increasing in the gap.
	prev := 2.0
	for g := int64(0); g <= w; g += 3600 {
		s := backforth.Strength(g, day, w)
		if s > prev || s < backforth.MinStrength || s > 1 {
			t.Fatalf("Strength(%d) = %v after %v", g, s, prev)
		}
		prev = s
	}
}

func TestNearestMatchWins(t *testing.T) {
	// Row 1 (B→A) returns row 0 after 20 days and is returned by row 2 after
	// 2 hours: it keeps the tight match.
	fs := build([]trade{{0, "1", "A", "B"}, {20 * day, "1", "B", "A"}, {20*day + 7200, "1", "A", "B"}})
	got := runBF(t, fs, nil)
	if len(got) != 3 {
		t.Fatalf("findings %+v, want 3", got)
	}
	if want := backforth.Strength(20*day, day, 30*day); math.Abs(got[0].Strength-want) > 1e-12 {
		t.Errorf("row 0 strength %v, want %v", got[0].Strength, want)
	}
	if got[1].Strength != 1 || got[2].Strength != 1 {
		t.Errorf("rows 1, 2 strengths %v, %v, want 1", got[1].Strength, got[2].Strength)
	}
}

// TestRoundTripSharesEvidence checks that the two rows of one round trip
// (A→B then B→A, each the other's nearest reverse) carry the same strength
// and one evidence string, built once: the backward pass reuses the
// forward pass's finding. Another round trip gets its own.
func TestRoundTripSharesEvidence(t *testing.T) {
	fs := build([]trade{
		{tradetest.T0, "1", "a", "b"},
		{tradetest.T0 + 3600, "1", "b", "a"},
		{tradetest.T0 + 100, "2", "c", "d"},
		{tradetest.T0 + 200, "2", "d", "c"},
	})
	got := runBF(t, fs, nil)
	if !slices.Equal(rows(got), []int32{0, 1, 2, 3}) {
		t.Fatalf("rows %v, want [0 1 2 3]", rows(got))
	}
	for _, k := range []int{0, 2} {
		a, b := got[k], got[k+1]
		if a.Evidence != b.Evidence || a.Strength != b.Strength {
			t.Fatalf("round trip rows differ: %+v, %+v", a, b)
		}
		if unsafe.StringData(a.Evidence) != unsafe.StringData(b.Evidence) {
			t.Errorf("rows %d and %d hold two copies of their round trip's evidence", a.Row, b.Row)
		}
	}
	if got[0].Evidence == got[2].Evidence {
		t.Error("two round trips with one evidence")
	}
}
