package price

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func BenchmarkPrice(b *testing.B) { tt.Bench(b, Detector) }
