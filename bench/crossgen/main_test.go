package main

import (
	"math"
	"testing"
)

// TestF1AndSearch checks the scoring of a dump against hand counts and
// that the search does not lower the objective.
func TestF1AndSearch(t *testing.T) {
	m := market{
		label: []bool{true, true, false, false},
		s:     [][]float64{{1, 0}, {0, 0.5}, {0, 1}, {0.1, 0}},
		wash:  3, // one wash row no detector reported
	}
	// Weights bias −1, a 2, b 1: scores σ(1) flagged, σ(−0.5) not, σ(0) = 0.5 flagged, σ(−0.8) not.
	f, p, r := m.f1([]float64{-1, 2, 1})
	if p != 0.5 || math.Abs(r-1.0/3) > 1e-12 || math.Abs(f-0.4) > 1e-12 {
		t.Errorf("F1 %v P %v R %v, want 0.4, 0.5, 1/3", f, p, r)
	}
	w0 := []float64{-1, 2, 1}
	before := objective([]market{m}, w0)
	w := search([]market{m}, append([]float64(nil), w0...))
	if after := objective([]market{m}, w); after < before-0.01 {
		t.Errorf("search lowered the objective: %v -> %v (weights %v)", before, after, w)
	}
	if got := len(aloneIdx()); got != len(AloneNeeds) {
		t.Errorf("%d of %v in the default preset", got, AloneNeeds)
	}
	if got := formatWeights([]float64{-2.281, 6.7}); got != "-2.28,6.70" {
		t.Errorf("formatWeights %q", got)
	}
}
