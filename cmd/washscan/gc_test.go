package main

import (
	"runtime/debug"
	"testing"
)

// TestAnalysisGC checks main's collector settings around a load: the
// load's GOGC while trades load, the analysis' once they are.
func TestAnalysisGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	done := analysisGC()
	if g := debug.SetGCPercent(defaultGCPercent); g != defaultGCPercent {
		t.Errorf("GOGC %d while loading, want %d", g, defaultGCPercent)
	}
	done()
	if g := debug.SetGCPercent(100); g != analysisGCPercent {
		t.Errorf("GOGC %d after the load, want %d", g, analysisGCPercent)
	}
	if analysisGCPercent >= defaultGCPercent {
		t.Errorf("analysisGCPercent %d not below the load's %d", analysisGCPercent, defaultGCPercent)
	}
}
