package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/detect/markettest"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
	"github.com/washscan/washscan/internal/cputime"
)

// BenchmarkStageMemory measures the memory each stage after loading costs
// per trade, each stage alone: features, every detector of registry.All
// (its requirements computed beforehand and not counted; the values it
// builds through Input.Shared counted, as a fresh Input is used), scoring
// of the default preset, the market tests and the metrics (range all,
// top 100: analyze's defaults). Per stage it
// reports, per loaded trade:
//
//   - alloc-B/trade: bytes allocated;
//   - live-B/trade: growth of the live heap after a GC, the stage's result
//     (and findings) held;
//   - cpu-s: the process's CPU seconds (user+sys) per run;
//   - peakrss-B/trade: the peak resident set during the stage above the
//     resident set before it (Linux: VmHWM reset through clear_refs, after
//     returning freed memory to the system).
//
// It runs only when $WASHSCAN_BENCH_TRADES names a trades file
// ($WASHSCAN_BENCH_FUNDERS its funders), once per stage:
//
//	WASHSCAN_BENCH_TRADES=m1.csv WASHSCAN_BENCH_FUNDERS=f1.csv \
//	  go test ./detect/pipeline -run '^$' -bench StageMemory -benchtime 1x
//
// BENCHMARKS.md "Detection and metrics memory (issue 16)" has the table.
func BenchmarkStageMemory(b *testing.B) {
	t := tradetest.BenchTrades(b)
	n := t.Len()
	ctx := context.Background()
	var fs *features.Set
	b.Run("features", func(b *testing.B) {
		stageMemory(b, n, func() any { fs = features.Compute(t); return fs })
	})
	if fs == nil {
		fs = features.Compute(t)
	}
	input := func() *detect.Input {
		return &detect.Input{Features: fs, Funders: t.Funders, DenyFunders: t.DenyFunders}
	}
	// Requirements first, each measured alone, their results kept for the
	// detectors that read them.
	results := map[*detect.Detector]any{}
	var runOne func(d *detect.Detector) any
	runOne = func(d *detect.Detector) any {
		deps := map[*detect.Detector]any{}
		for _, r := range d.Requires {
			if _, ok := results[r]; !ok {
				results[r] = runOne(r)
			}
			deps[r] = results[r]
		}
		var kept any
		b.Run("detector="+d.Name, func(b *testing.B) {
			stageMemory(b, n, func() any {
				pass := &detect.Pass{Detector: d, Input: input(), ResultOf: deps, Context: ctx}
				out, err := d.Run(pass)
				if err != nil {
					b.Fatal(err)
				}
				kept = out
				return pass // the findings and the Shared values with it
			})
		})
		return kept
	}
	for _, d := range registry.All {
		if _, ok := results[d]; !ok {
			results[d] = runOne(d)
		}
	}
	res, err := detect.Run(ctx, input(), registry.Default.Detectors, nil)
	if err != nil {
		b.Fatal(err)
	}
	var sc *detect.Scores
	b.Run("score", func(b *testing.B) {
		stageMemory(b, n, func() any {
			sc = detect.Score(n, res, registry.Default.Detectors, &registry.Default.Weights)
			return sc
		})
	})
	if sc == nil {
		sc = detect.Score(n, res, registry.Default.Detectors, &registry.Default.Weights)
	}
	res = nil
	verdicts := report.Verdicts(sc.Score, 0.5)
	mopt := metrics.Options{Range: metrics.Ranges[len(metrics.Ranges)-1], Top: 100} // analyze's defaults
	b.Run("market_tests", func(b *testing.B) {
		stageMemory(b, n, func() any {
			return markettest.Run(fs, markettest.Options{Include: metrics.InWindow(fs, mopt)})
		})
	})
	b.Run("metrics", func(b *testing.B) {
		stageMemory(b, n, func() any { return metrics.Compute(fs, verdicts, mopt) })
	})
	runtime.KeepAlive(results)
}

// stageMemory runs fn once and reports its memory per trade of n trades
// (see BenchmarkStageMemory), holding fn's result until measured.
func stageMemory(b *testing.B, n int, fn func() any) {
	runtime.GC()
	debug.FreeOSMemory()
	var m0, m1, m2 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, rss0, okRSS := residentSet()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	b.ResetTimer()
	c0 := cputime.Used()
	var kept any
	for range b.N {
		kept = fn()
	}
	cpu := cputime.Used() - c0
	b.StopTimer()
	peak, _, _ := residentSet()
	runtime.ReadMemStats(&m1)
	runtime.GC()
	runtime.ReadMemStats(&m2)
	runtime.KeepAlive(kept)
	per := func(v int64) float64 { return float64(v) / float64(n) / float64(b.N) }
	b.ReportMetric(per(int64(m1.TotalAlloc-m0.TotalAlloc)), "alloc-B/trade")
	b.ReportMetric(float64(int64(m2.HeapAlloc)-int64(m0.HeapAlloc))/float64(n), "live-B/trade")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	if okRSS {
		b.ReportMetric(float64(peak-rss0)/float64(n), "peakrss-B/trade")
	}
}

// residentSet returns VmHWM and VmRSS of /proc/self/status in bytes.
func residentSet() (peak, rss int64, ok bool) {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, false
	}
	field := func(name string) int64 {
		i := bytes.Index(s, []byte(name))
		if i < 0 {
			ok = false
			return 0
		}
		f := bytes.Fields(s[i+len(name):])
		if len(f) == 0 {
			ok = false
			return 0
		}
		kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
		return kb << 10
	}
	ok = true
	return field("VmHWM:"), field("VmRSS:"), ok
}
