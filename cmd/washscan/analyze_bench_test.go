package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
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
		rep := metrics.Compute(fs, v, metrics.Options{Range: metrics.Ranges[2], Top: 100})
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
