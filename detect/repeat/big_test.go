package repeat

import (
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkRepeatLarge times the repeat_trade detector alone on the file
// named by $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run (cpu-s).
func BenchmarkRepeatLarge(b *testing.B) { tradetest.BenchFile(b, Detector) }
