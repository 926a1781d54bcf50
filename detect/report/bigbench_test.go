package report_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/internal/cputime"
)

// BenchmarkWriteParquetFile writes the flags file of a large input named by
// $WASHSCAN_BENCH_TRADES (and optionally $WASHSCAN_BENCH_FUNDERS), loaded and
// scored once, as Parquet; it reports CPU seconds per write beside wall time,
// since wall time is noisy on a shared machine. $WASHSCAN_BENCH_FLAGS_OUT
// keeps the last file written there; $WASHSCAN_BENCH_CPUPROFILE profiles the
// writes alone into that file. Skipped when unset.
func BenchmarkWriteParquetFile(b *testing.B) {
	in := tradetest.BenchInput(b)
	t := in.Features.T
	out, err := pipeline.Run(context.Background(), in, registry.Default, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	dst := os.Getenv("WASHSCAN_BENCH_FLAGS_OUT")
	if dst == "" {
		dst = filepath.Join(b.TempDir(), "flags.parquet")
	}
	if pp := os.Getenv("WASHSCAN_BENCH_CPUPROFILE"); pp != "" {
		pf, err := os.Create(pp)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			b.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			pf.Close()
		}()
	}
	b.ResetTimer()
	cpu := cputime.Used()
	for b.Loop() {
		if err := report.Write(dst, t, out.Scores, 0.5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Used()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	if st, err := os.Stat(dst); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "MB")
	}
	b.ReportMetric(float64(t.Len()), "rows")
}

// BenchmarkWriteParquetMarket writes the flags file of a synthetic market
// of 300k rows (see dictMarket: repeated, fresh and missing parties, long
// and empty token ids and evidence) as Parquet, with no input files needed;
// it reports CPU seconds per write beside wall time.
func BenchmarkWriteParquetMarket(b *testing.B) {
	t, sc := dictMarket(2, 300_000)
	dst := filepath.Join(b.TempDir(), "flags.parquet")
	b.ResetTimer()
	cpu := cputime.Used()
	for b.Loop() {
		if err := report.Write(dst, t, sc, 0.5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cputime.Used()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	if st, err := os.Stat(dst); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "MB")
	}
}
