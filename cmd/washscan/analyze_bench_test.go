package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/features"
	"github.com/washscan/washscan/internal/cputime"
)

// benchInput is the input named by $WASHSCAN_BENCH_TRADES (e.g. written by
// `washscan synth --trades 1000000 --out /tmp/m.parquet`) and
// $WASHSCAN_BENCH_FUNDERS, its funders (optional); the benchmark is skipped
// when the first is unset.
func benchInput(b *testing.B) analysis.Input {
	path := os.Getenv("WASHSCAN_BENCH_TRADES")
	if path == "" {
		b.Skip("set WASHSCAN_BENCH_TRADES to a trades file")
	}
	return analysis.Input{Trades: []string{path}, Load: datasets.LoadOptions{Funders: os.Getenv("WASHSCAN_BENCH_FUNDERS")}}
}

// BenchmarkAnalyzeStages times each stage of analyze (analysis.Run, writing
// the metrics and a CSV flags file) on the input of benchInput.
func BenchmarkAnalyzeStages(b *testing.B) {
	in := benchInput(b)
	dir := b.TempDir()
	for b.Loop() {
		stage := time.Now()
		opt := analysis.Options{
			Input: in,
			Settings: analysis.Settings{
				Threshold: analysis.DefaultThreshold,
				Metrics:   metrics.Options{Range: metrics.Ranges[2], Top: 100},
				Stage: func(name string) {
					b.ReportMetric(time.Since(stage).Seconds(), name+"-s")
					stage = time.Now()
				},
			},
			Out:   filepath.Join(dir, "m.json"),
			Flags: filepath.Join(dir, "flags.csv"),
		}
		res, err := analysis.Run(context.Background(), opt)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Trades.Len()), "rows")
		for name, d := range res.Result.Elapsed {
			b.ReportMetric(d.Seconds(), "det_"+name+"-s")
		}
	}
}

// BenchmarkDetect times features and detection alone (default and dune
// presets) on the input of benchInput, loaded once.
func BenchmarkDetect(b *testing.B) {
	in := benchInput(b)
	t, err := analysis.Load(context.Background(), in, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []*detect.Preset{registry.Default, registry.Dune} {
		b.Run(p.Name, func(b *testing.B) {
			elapsed := map[string]time.Duration{}
			cpu0 := cputime.Used()
			for b.Loop() {
				out, err := analysis.PresetConfig(p).Detect(context.Background(), t, features.Compute(t))
				if err != nil {
					b.Fatal(err)
				}
				for name, d := range out.Result.Elapsed {
					elapsed[name] += d
				}
			}
			for name, d := range elapsed {
				b.ReportMetric(d.Seconds()/float64(b.N), "det_"+name+"-s")
			}
			b.ReportMetric((cputime.Used()-cpu0).Seconds()/float64(b.N), "cpu-s")
			b.ReportMetric(float64(t.Len())*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
		})
	}
}

// BenchmarkAnalyzeCLI runs the whole analyze command, as a user would, on
// $WASHSCAN_BENCH_TRADES (and $WASHSCAN_BENCH_FUNDERS), writing the metrics
// and a Parquet flags file to a temporary directory.
func BenchmarkAnalyzeCLI(b *testing.B) {
	path := os.Getenv("WASHSCAN_BENCH_TRADES")
	if path == "" {
		b.Skip("set WASHSCAN_BENCH_TRADES to a trades file")
	}
	dir := b.TempDir()
	args := []string{"analyze", "--trades", path, "--out", filepath.Join(dir, "m.json"), "--flags", filepath.Join(dir, "flags.parquet")}
	if fp := os.Getenv("WASHSCAN_BENCH_FUNDERS"); fp != "" {
		args = append(args, "--funders", fp)
	}
	if p := os.Getenv("WASHSCAN_BENCH_PRESET"); p != "" {
		args = append(args, "--preset", p)
	}
	for b.Loop() {
		var errb strings.Builder
		e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errb}
		if code := run(e, args); code != 0 {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
}
