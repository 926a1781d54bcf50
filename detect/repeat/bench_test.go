package repeat

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func BenchmarkRepeat(b *testing.B) { tt.Bench(b, Detector) }
