package cycle

import (
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkCycleLarge times the cycle detector alone on the file named by
// $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run (cpu-s).
func BenchmarkCycleLarge(b *testing.B) { tradetest.BenchFile(b, Detector) }
