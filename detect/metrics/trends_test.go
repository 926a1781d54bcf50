package metrics_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/features"
)

func unix(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func TestBuckets(t *testing.T) {
	rg := func(name string) metrics.Range { r, _ := metrics.ParseRange(name); return r }
	for _, c := range []struct {
		rng       string
		lo, asOf  string
		start     string
		length, n int64
	}{
		// 24h: hours; a window ending on the hour has 25 buckets (the
		// first holds only the instants after lo).
		{"24h", "2024-03-01T10:00:00Z", "2024-03-02T10:00:00Z", "2024-03-01T10:00:00Z", 3600, 25},
		{"24h", "2024-03-01T10:30:00Z", "2024-03-02T10:30:00Z", "2024-03-01T10:00:00Z", 3600, 25},
		// days, UTC.
		{"7d", "2024-03-01T12:00:00Z", "2024-03-08T12:00:00Z", "2024-03-01T00:00:00Z", 86400, 8},
		{"30d", "2024-02-29T23:59:59Z", "2024-03-30T23:59:59Z", "2024-02-29T00:00:00Z", 86400, 31},
		// weeks from Monday: 2024-03-06 is a Wednesday, 2024-03-04 the Monday.
		{"all", "2024-03-06T05:00:00Z", "2024-03-20T00:00:00Z", "2024-03-04T00:00:00Z", 7 * 86400, 3},
		{"all", "2024-03-04T00:00:00Z", "2024-03-10T23:59:59Z", "2024-03-04T00:00:00Z", 7 * 86400, 1},
		// before 1970: still Monday-aligned.
		{"all", "1969-12-31T00:00:00Z", "1970-01-01T00:00:00Z", "1969-12-29T00:00:00Z", 7 * 86400, 1},
		// 520 weeks fit; 521 double the length (2 weeks from 1970-01-05).
		{"all", "2000-01-03T00:00:00Z", "2009-12-20T00:00:00Z", "2000-01-03T00:00:00Z", 7 * 86400, 520},
		{"all", "2000-01-03T00:00:00Z", "2009-12-28T00:00:00Z", "1999-12-27T00:00:00Z", 14 * 86400, 262},
		// decades: 4 weeks and more.
		{"all", "1990-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "", 0, 0},
	} {
		start, length, n := metrics.Buckets(rg(c.rng), unix(c.lo), unix(c.asOf))
		if c.start == "" { // only the invariants
			if n > metrics.MaxBuckets || length%(7*86400) != 0 || (start-4*86400)%length != 0 ||
				start > unix(c.lo) || start+int64(n)*length <= unix(c.asOf) {
				t.Errorf("%s %s..%s: start %v length %d n %d", c.rng, c.lo, c.asOf, start, length, n)
			}
			if wk := length / (7 * 86400); wk&(wk-1) != 0 {
				t.Errorf("length %d weeks, not a power of 2", wk)
			}
			continue
		}
		if got := time.Unix(start, 0).UTC().Format(time.RFC3339); got != c.start || length != c.length || int64(n) != c.n {
			t.Errorf("%s %s..%s: start %s length %d n %d, want %s %d %d", c.rng, c.lo, c.asOf, got, length, n, c.start, c.length, c.n)
		}
	}
}

// bucketRef is one scope's figures in one bucket the obvious way: the rows
// of the scope in the window and in [s, s+L).
func bucketRef(fs *features.Set, flagged []bool, in func(r int32) bool, lo, asOf, s, l int64) *refAcc {
	return reference(fs, flagged, func(r int32) bool {
		tm := fs.T.Time[r]
		return in(r) && tm >= s && tm < s+l
	}, lo, asOf)
}

// checkTrends checks a scope's trends against the per-bucket reference and
// that they add up to the window's figures.
func checkTrends(t *testing.T, what string, m *metrics.Metrics, tr *metrics.Trends, fs *features.Set, flagged []bool,
	in func(r int32) bool, lo, asOf, start, l int64, n int) {
	t.Helper()
	if tr == nil {
		t.Fatalf("%s: no trends", what)
	}
	lens := []int{len(tr.BlockDates), len(tr.WashtradeAssetsTrend), len(tr.WashtradeSuspectSalesTrend),
		len(tr.WashtradeSuspectTransactionsTrend), len(tr.WashtradeVolumeTrend), len(tr.WashtradeVolumeUSDTrend),
		len(tr.WashtradeWalletsTrend), len(tr.TotalSalesTrend), len(tr.TotalVolumeTrend), len(tr.TotalVolumeUSDTrend)}
	for _, k := range lens {
		if k != n {
			t.Fatalf("%s: trend lengths %v, want %d", what, lens, n)
		}
	}
	var sales, fsales int64
	sums := make([]*big.Float, 4)
	for i := range sums {
		sums[i] = new(big.Float).SetPrec(200)
	}
	for i := 0; i < n; i++ {
		s := start + int64(i)*l
		if got, want := tr.BlockDates[i], time.Unix(s, 0).UTC().Format(time.RFC3339); got != want {
			t.Fatalf("%s: block_dates[%d] %s, want %s", what, i, got, want)
		}
		a := bucketRef(fs, flagged, in, lo, asOf, s, l)
		if tr.TotalSalesTrend[i] != a.sales || tr.WashtradeSuspectSalesTrend[i] != a.fsales ||
			tr.WashtradeAssetsTrend[i] != int64(len(a.assets)) || tr.WashtradeSuspectTransactionsTrend[i] != int64(len(a.txs)) ||
			tr.WashtradeWalletsTrend[i] != int64(len(a.wallets)) {
			t.Errorf("%s bucket %s: sales %d/%d assets %d txs %d wallets %d, want %d/%d %d %d %d", what, tr.BlockDates[i],
				tr.WashtradeSuspectSalesTrend[i], tr.TotalSalesTrend[i], tr.WashtradeAssetsTrend[i],
				tr.WashtradeSuspectTransactionsTrend[i], tr.WashtradeWalletsTrend[i],
				a.fsales, a.sales, len(a.assets), len(a.txs), len(a.wallets))
		}
		sales += tr.TotalSalesTrend[i]
		fsales += tr.WashtradeSuspectSalesTrend[i]
		vols := []*float64{tr.WashtradeVolumeTrend[i], tr.TotalVolumeTrend[i], tr.WashtradeVolumeUSDTrend[i], tr.TotalVolumeUSDTrend[i]}
		refs := []float64{a.wvol, a.vol, a.wusd, a.usd}
		for k, v := range vols {
			null := (k < 2 && m.TotalVolume == nil) || (k >= 2 && (m.TotalVolumeUSD == nil || !a.hasUSD))
			if null {
				if v != nil {
					t.Errorf("%s bucket %s: volume %d is %v, want null", what, tr.BlockDates[i], k, *v)
				}
				continue
			}
			if v == nil || *v != math.Round(refs[k]*1e9)/1e9 && *v != roundDec(refs[k]) {
				t.Errorf("%s bucket %s: volume %d is %v, want %v", what, tr.BlockDates[i], k, v, refs[k])
				continue
			}
			sums[k].Add(sums[k], new(big.Float).SetFloat64(*v))
		}
	}
	if sales != m.TotalSales || fsales != m.WashtradeSuspectSales {
		t.Errorf("%s: trend sales %d/%d, window %d/%d", what, fsales, sales, m.WashtradeSuspectSales, m.TotalSales)
	}
	// Volumes add up to the window's, up to the 9-decimal rounding of each
	// bucket and of the window.
	for k, w := range []*float64{m.WashtradeVolume, m.TotalVolume, m.WashtradeVolumeUSD, m.TotalVolumeUSD} {
		if w == nil {
			continue
		}
		got, _ := sums[k].Float64()
		if tol := float64(n+1)*5e-10 + 1e-15*math.Abs(*w); math.Abs(got-*w) > tol {
			t.Errorf("%s: volume %d trend sums to %v, window %v", what, k, got, *w)
		}
	}
}

func roundDec(v float64) float64 {
	var r float64
	fmt.Sscan(fmt.Sprintf("%.9f", v), &r)
	return r
}

// TestTrendsAddUp: on random markets, every scope with trends (market,
// marketplaces, the first --top collections) has per-bucket figures equal
// to the obvious computation on the bucket's rows, adding up to the
// window's, for every range.
func TestTrendsAddUp(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 14))
		n := 1 + r.IntN(250)
		span := []int64{2 * 3600, 3 * day, 40 * day, 200 * day, 4000 * day, 15000 * day}[r.IntN(6)]
		base := int64(r.IntN(2000*day)) - 500*day
		pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
		rows := make([]row, n)
		for i := range rows {
			usd := nan
			if seed%4 != 0 && r.IntN(3) > 0 {
				usd = float64(r.IntN(100000)) / 100
			}
			chain := "ethereum"
			if seed%3 == 0 && r.IntN(4) == 0 {
				chain = "polygon"
			}
			rows[i] = row{
				chain: chain, t: base + r.Int64N(span), tx: r.IntN(n/2 + 1),
				contract: pick("C1", "C2", "C3", "C4"), token: pick("", "1", "2", "3"),
				seller: pick("", "A", "B", "C", "D"), buyer: pick("", "A", "B", "C", "E"),
				price: float64(r.IntN(50)) / 7, currency: pick("", "", "WETH", "USDC"),
				usd: usd, platform: pick("", "opensea", "blur"), flagged: r.IntN(3) == 0,
			}
		}
		fs, flagged := build(rows)
		tt := fs.T
		for _, rng := range metrics.Ranges {
			opt := metrics.Options{Range: rng, Top: r.IntN(3)}
			if r.IntN(2) == 0 {
				opt.AsOf, opt.HasAsOf = base+r.Int64N(span+span/4), true
			}
			rep := metrics.Compute(fs, flagged, opt)
			asOf, lo, _ := metrics.Window(fs, opt)
			what := fmt.Sprintf("seed %d %s", seed, rng.Name)
			first, any := int64(0), false
			for _, tm := range tt.Time {
				if tm > lo && tm <= asOf && (!any || tm < first) {
					first, any = tm, true
				}
			}
			if !any {
				if len(rep.Market.BlockDates) != 0 || len(rep.Market.TotalSalesTrend) != 0 {
					t.Errorf("%s: empty window, trends %v", what, rep.Market.BlockDates)
				}
				continue
			}
			if rng.Seconds > 0 {
				first = lo
			}
			start, l, nb := metrics.Buckets(rng, first, asOf)
			all := func(int32) bool { return true }
			checkTrends(t, what+" market", &rep.Market.Metrics, rep.Market.Trends, fs, flagged, all, lo, asOf, start, l, nb)
			for _, mp := range rep.Marketplaces {
				p, _ := tt.Platforms.Lookup(mp.Platform)
				checkTrends(t, what+" marketplace "+mp.Platform, &mp.Metrics, mp.Trends, fs, flagged,
					func(r int32) bool { return tt.Platform[r] == p }, lo, asOf, start, l, nb)
			}
			for i, c := range rep.Collections {
				if opt.Top > 0 && i >= opt.Top {
					if c.Trends != nil {
						t.Errorf("%s: collection %d of top %d has trends", what, i, opt.Top)
					}
					continue
				}
				checkTrends(t, what+" collection "+c.ContractAddress, &c.Metrics, c.Trends, fs, flagged, func(r int32) bool {
					return tt.Chains.Value(tt.Chain[r]) == c.Blockchain && tt.Addrs.String(fs.Contract[r]) == c.ContractAddress
				}, lo, asOf, start, l, nb)
			}
		}
	}
}

// TestTrendsManyPlatforms: the market's and the marketplaces' trends, whose
// sale sums are added per platform in table order and merged for the
// market (platformTrends), against the per-bucket reference on markets of
// many platforms, some with rows only in the previous window or only
// without a platform, over several blocks of rows.
func TestTrendsManyPlatforms(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 21))
		n := 500 + r.IntN(1500)
		span := []int64{2 * day, 20 * day, 300 * day}[r.IntN(3)]
		plats := make([]string, 25)
		for i := range plats {
			plats[i] = fmt.Sprintf("p%02d", i)
		}
		plats[0] = ""
		rows := make([]row, n)
		for i := range rows {
			usd := nan
			if r.IntN(4) > 0 {
				usd = float64(r.IntN(100000)) / 100
			}
			p := plats[r.IntN(len(plats))]
			tm := int64(r.Int64N(span))
			if p == "p24" { // only early: in the previous window of short ranges
				tm = r.Int64N(span / 10)
			}
			rows[i] = row{
				t: tm, tx: r.IntN(n), contract: fmt.Sprintf("C%d", r.IntN(7)), token: fmt.Sprint(r.IntN(30)),
				seller: fmt.Sprint(r.IntN(40)), buyer: fmt.Sprint(r.IntN(40)),
				price: float64(r.IntN(50)) / 7, usd: usd, platform: p, flagged: r.IntN(4) == 0,
			}
		}
		fs, flagged := build(rows)
		tt := fs.T
		for _, rng := range metrics.Ranges {
			opt := metrics.Options{Range: rng}
			rep := metrics.Compute(fs, flagged, opt)
			asOf, lo, _ := metrics.Window(fs, opt)
			first := int64(math.MaxInt64)
			for _, tm := range tt.Time {
				if tm > lo && tm <= asOf {
					first = min(first, tm)
				}
			}
			if rng.Seconds > 0 {
				first = lo
			}
			start, l, nb := metrics.Buckets(rng, first, asOf)
			what := fmt.Sprintf("seed %d %s", seed, rng.Name)
			checkTrends(t, what+" market", &rep.Market.Metrics, rep.Market.Trends, fs, flagged, func(int32) bool { return true }, lo, asOf, start, l, nb)
			for _, mp := range rep.Marketplaces {
				p, _ := tt.Platforms.Lookup(mp.Platform)
				checkTrends(t, what+" marketplace "+mp.Platform, &mp.Metrics, mp.Trends, fs, flagged,
					func(r int32) bool { return tt.Platform[r] == p }, lo, asOf, start, l, nb)
			}
		}
	}
}
