package tradetest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
	"github.com/washscan/washscan/internal/cputime"
)

// BenchInput loads the trades file named by $WASHSCAN_BENCH_TRADES, with
// the first funders of $WASHSCAN_BENCH_FUNDERS when set, as the detectors'
// input. It skips tb when the variable is unset.
func BenchInput(tb testing.TB) *detect.Input {
	t := BenchTrades(tb)
	return &detect.Input{Features: features.Compute(t), Funders: t.Funders}
}

// BenchTrades loads the table of BenchInput (skipping tb when
// $WASHSCAN_BENCH_TRADES is unset).
func BenchTrades(tb testing.TB) *datasets.Trades {
	path := os.Getenv("WASHSCAN_BENCH_TRADES")
	if path == "" {
		tb.Skip("set WASHSCAN_BENCH_TRADES to a trades file")
	}
	t, err := datasets.Load([]string{path}, datasets.LoadOptions{Funders: os.Getenv("WASHSCAN_BENCH_FUNDERS")})
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// BenchFile times detector d alone on the trades file named by
// $WASHSCAN_BENCH_TRADES (with $WASHSCAN_BENCH_FUNDERS when set): the file is
// loaded and d's requirements are run once, outside the timing, and the
// benchmark reports d's CPU seconds per run (cpu-s), which stay readable on
// a busy machine where wall time does not. Skipped when the variable is
// unset.
func BenchFile(b *testing.B, d *detect.Detector) {
	in := BenchInput(b)
	deps := map[*detect.Detector]any{}
	if len(d.Requires) > 0 {
		res, err := detect.Run(context.Background(), in, d.Requires, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range d.Requires {
			deps[r] = res.ResultOf[r]
		}
	}
	// d with its requirements' results filled in, its Run timed.
	timed := *d
	timed.Requires = nil
	var cpu time.Duration
	timed.Run = func(p *detect.Pass) (any, error) {
		p.ResultOf = deps
		c0 := cputime.Used()
		defer func() { cpu += cputime.Used() - c0 }()
		return d.Run(p)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := detect.Run(context.Background(), in, []*detect.Detector{&timed}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	b.ReportMetric(float64(in.Features.N)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}
