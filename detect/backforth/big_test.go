package backforth

import (
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkBackAndForthLarge times the back_and_forth detector alone on the
// file named by $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run
// (cpu-s).
func BenchmarkBackAndForthLarge(b *testing.B) { tradetest.BenchFile(b, Detector) }
