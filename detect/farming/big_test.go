package farming

import (
	"testing"

	"github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkRewardFarmingLarge times the reward_farming detector alone on the file named by
// $WASHSCAN_BENCH_TRADES and reports its CPU seconds per run (cpu-s).
func BenchmarkRewardFarmingLarge(b *testing.B) { tradetest.BenchFile(b, Detector) }
