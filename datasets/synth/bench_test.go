package synth

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/washscan/washscan/datasets"
)

// peakWriter discards rows and samples the live heap every 64k rows.
type peakWriter struct {
	n    int
	peak uint64
	s    []metrics.Sample
}

func (p *peakWriter) Write(*datasets.Row) error {
	p.n++
	if p.n&0xffff == 0 {
		metrics.Read(p.s)
		p.peak = max(p.peak, p.s[0].Value.Uint64())
	}
	return nil
}
func (p *peakWriter) Close() error { return nil }
func (p *peakWriter) Abort()       {}

// BenchmarkGenerate measures generation alone (rows discarded) and the live
// heap: with wallets and tokens fixed, peak-heap-MB stays flat as trades grow
// tenfold, since memory is O(tokens + wallets), not O(trades).
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int64{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("trades=%d", n), func(b *testing.B) {
			cfg := Config{Trades: n, Seed: 1, Wallets: 100_000, Tokens: 50_000}
			var peak uint64
			for b.Loop() {
				runtime.GC()
				w := &peakWriter{s: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
				if _, err := Generate(cfg, w, nil); err != nil {
					b.Fatal(err)
				}
				peak = max(peak, w.peak)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// BenchmarkWriteParquet measures generation and Parquet encoding together.
func BenchmarkWriteParquet(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	for b.Loop() {
		writeFiles(b, Config{Trades: n, Seed: 1}, dir, "m.parquet")
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}
