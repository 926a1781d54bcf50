package farming

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/hubs"
	"github.com/washscan/washscan/features"
)

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRewardFarmingLarge times the reward_farming detector alone on the input named by
// $WASHSCAN_BENCH_TRADES (graph_partners and hubs computed once, outside the
// timing) and reports its CPU seconds per run (cpu-s), which is steadier
// than wall time on a shared machine. Skipped when unset.
func BenchmarkRewardFarmingLarge(b *testing.B) {
	path := os.Getenv("WASHSCAN_BENCH_TRADES")
	if path == "" {
		b.Skip("set WASHSCAN_BENCH_TRADES to a trades file")
	}
	tr, err := datasets.Load([]string{path}, datasets.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	fs := features.Compute(tr)
	in := &detect.Input{Features: fs}
	res, err := detect.Run(context.Background(), in, []*detect.Detector{hubs.Detector, graph.Partners}, nil)
	if err != nil {
		b.Fatal(err)
	}
	deps := map[*detect.Detector]any{hubs.Detector: res.ResultOf[hubs.Detector], graph.Partners: res.ResultOf[graph.Partners]}
	// The detector with its requirements' results filled in.
	d := *Detector
	d.Requires = nil
	var cpu time.Duration
	d.Run = func(p *detect.Pass) (any, error) {
		p.ResultOf = deps
		c0 := cpuTime()
		defer func() { cpu += cpuTime() - c0 }()
		return run(p)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := detect.Run(context.Background(), in, []*detect.Detector{&d}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
}
