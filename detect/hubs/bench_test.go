package hubs

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkHubs runs the hubs detector on the tradetest Big market.
func BenchmarkHubs(b *testing.B) { tt.Bench(b, Detector) }

// BenchmarkHubsLarge times the hubs detector alone on the file named by
// $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run (cpu-s).
func BenchmarkHubsLarge(b *testing.B) { tt.BenchFile(b, Detector) }
