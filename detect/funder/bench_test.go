package funder

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func BenchmarkFunder(b *testing.B) { tt.Bench(b, Detector) }
