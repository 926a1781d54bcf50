package dune

import (
	"testing"

	tt "github.com/washscan/washscan/detect/internal/tradetest"
)

func BenchmarkDune(b *testing.B) {
	for _, d := range Detectors {
		b.Run(d.Name, func(b *testing.B) { tt.Bench(b, d) })
	}
}
