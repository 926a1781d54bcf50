package metrics_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
	"github.com/washscan/washscan/internal/cputime"
)

// fileMarket loads the trades file named by $WASHSCAN_BENCH_TRADES (with
// $WASHSCAN_BENCH_FUNDERS when set) and flags it as `washscan analyze` does
// by default (preset default, threshold 0.5). With $WASHSCAN_BENCH_VERDICTS
// set the verdicts are cached in that file (one byte per row) and read back
// by later runs, which saves the detection. Skips when the variable is
// unset.
func fileMarket(tb testing.TB) (*features.Set, []bool) {
	in := tradetest.BenchInput(tb)
	fs := in.Features
	cache := os.Getenv("WASHSCAN_BENCH_VERDICTS")
	if cache != "" {
		if b, err := os.ReadFile(cache); err == nil && len(b) == fs.N {
			flagged := make([]bool, fs.N)
			for i, v := range b {
				flagged[i] = v != 0
			}
			return fs, flagged
		}
	}
	p, err := registry.Preset("default")
	if err != nil {
		tb.Fatal(err)
	}
	res, err := pipeline.Run(context.Background(), in, p, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	flagged := report.Verdicts(res.Scores.Score, 0.5)
	if cache != "" {
		b := make([]byte, len(flagged))
		for i, f := range flagged {
			if f {
				b[i] = 1
			}
		}
		if err := os.WriteFile(cache, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return fs, flagged
}

// BenchmarkComputeFile times Compute alone (range all, top 100, the analyze
// defaults) on the market of fileMarket and reports its CPU seconds per run
// (cpu-s). With $WASHSCAN_BENCH_OUT naming a directory it also writes there
// the JSON of every range with top 100, and of range all with top 5 and 0,
// for byte comparisons between versions.
func BenchmarkComputeFile(b *testing.B) {
	fs, flagged := fileMarket(b)
	b.ResetTimer()
	var cpu time.Duration
	for b.Loop() {
		c0 := cputime.Used()
		metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[4], Top: 100})
		cpu += cputime.Used() - c0
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(float64(fs.N)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
	dir := os.Getenv("WASHSCAN_BENCH_OUT")
	if dir == "" {
		return
	}
	b.StopTimer()
	type run struct {
		rng metrics.Range
		top int
	}
	var runs []run
	for _, r := range metrics.Ranges {
		runs = append(runs, run{r, 100})
	}
	runs = append(runs, run{metrics.Ranges[4], 5}, run{metrics.Ranges[4], 0}, run{metrics.Ranges[1], 0})
	for _, r := range runs {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-top%d.json", r.rng.Name, r.top)))
		if err != nil {
			b.Fatal(err)
		}
		if err := metrics.Compute(fs, flagged, metrics.Options{Range: r.rng, Top: r.top}).WriteJSON(f); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
