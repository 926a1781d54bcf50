package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/markettest"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// BenchmarkAnalyzeStages times each stage of analyze on a large input named
// by $WASHSCAN_BENCH_TRADES (e.g. written by `washscan synth --trades
// 1000000 --out /tmp/m.parquet`); $WASHSCAN_BENCH_FUNDERS optionally names
// its funders. Skipped when unset.
func BenchmarkAnalyzeStages(b *testing.B) {
	path := os.Getenv("WASHSCAN_BENCH_TRADES")
	if path == "" {
		b.Skip("set WASHSCAN_BENCH_TRADES to a trades file")
	}
	dir := b.TempDir()
	for b.Loop() {
		stage := time.Now()
		lap := func(name string) {
			b.ReportMetric(time.Since(stage).Seconds(), name+"-s")
			stage = time.Now()
		}
		t, err := datasets.Load([]string{path}, datasets.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var f *datasets.Funders
		if fp := os.Getenv("WASHSCAN_BENCH_FUNDERS"); fp != "" {
			if f, err = datasets.LoadFunders(fp, t); err != nil {
				b.Fatal(err)
			}
		}
		lap("load")
		fs := features.Compute(t)
		lap("features")
		out, err := pipeline.Run(context.Background(), &detect.Input{Features: fs, Funders: f}, registry.Default, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		lap("detect")
		v := report.Verdicts(out.Scores.Score, 0.5)
		mopt := metrics.Options{Range: metrics.Ranges[2], Top: 100}
		mopt.Tests = markettest.Run(fs, markettest.Options{Include: metrics.InWindow(fs, mopt)})
		lap("markettest")
		rep := metrics.Compute(fs, v, mopt)
		if err := rep.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
		lap("metrics")
		if err := report.Write(filepath.Join(dir, "flags.csv"), t, out.Scores, 0.5); err != nil {
			b.Fatal(err)
		}
		lap("flags_csv")
		if err := report.Write(filepath.Join(dir, "flags.parquet"), t, out.Scores, 0.5); err != nil {
			b.Fatal(err)
		}
		lap("flags_parquet")
		b.ReportMetric(float64(t.Len()), "rows")
		for name, d := range out.Result.Elapsed {
			b.ReportMetric(d.Seconds(), "det_"+name+"-s")
		}
	}
}

// BenchmarkDetect times features and detection alone (default and dune
// presets) on the input named by $WASHSCAN_BENCH_TRADES, loaded once.
func BenchmarkDetect(b *testing.B) {
	path := os.Getenv("WASHSCAN_BENCH_TRADES")
	if path == "" {
		b.Skip("set WASHSCAN_BENCH_TRADES to a trades file")
	}
	t, err := datasets.Load([]string{path}, datasets.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var f *datasets.Funders
	if fp := os.Getenv("WASHSCAN_BENCH_FUNDERS"); fp != "" {
		if f, err = datasets.LoadFunders(fp, t); err != nil {
			b.Fatal(err)
		}
	}
	for _, p := range []*detect.Preset{registry.Default, registry.Dune} {
		b.Run(p.Name, func(b *testing.B) {
			elapsed := map[string]time.Duration{}
			cpu0 := cpuTime()
			for b.Loop() {
				fs := features.Compute(t)
				out, err := pipeline.Run(context.Background(), &detect.Input{Features: fs, Funders: f}, p, nil, nil)
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
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s")
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
