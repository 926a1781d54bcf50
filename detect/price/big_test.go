package price

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

// BenchmarkPriceLarge times the price_anomaly detector alone on the file
// named by $WASHSCAN_BENCH_TRADES (funders from $WASHSCAN_BENCH_FUNDERS)
// and reports its CPU seconds per run (cpu-s).
func BenchmarkPriceLarge(b *testing.B) { tt.BenchFile(b, Detector) }
