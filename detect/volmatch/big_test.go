package volmatch

import (
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkVolumeMatchingLarge times the volume_matching detector alone on the file named by
// $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run (cpu-s).
func BenchmarkVolumeMatchingLarge(b *testing.B) { tradetest.BenchFile(b, Detector) }
