package atomic

import (
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkAtomicLarge times the atomic_round_trip detector alone on the
// file named by $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run
// (cpu-s).
func BenchmarkAtomicLarge(b *testing.B) { tradetest.BenchFile(b, Detector) }
