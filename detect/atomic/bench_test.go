package atomic

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func BenchmarkAtomic(b *testing.B) { tt.Bench(b, Detector) }
