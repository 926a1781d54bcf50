//go:build unix

package cputime

import "testing"

// TestUsedGrows checks that Used counts CPU time this process spends.
func TestUsedGrows(t *testing.T) {
	t0 := Used()
	x := 0
	for i := 0; Used()-t0 <= 0 && i < 1<<34; i++ {
		x += i
	}
	if Used() <= t0 {
		t.Fatalf("CPU time did not grow from %v (%d)", t0, x)
	}
}
