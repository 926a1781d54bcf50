package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestStageTimerResidentSet(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/status")
	}
	peak, rss, ok := residentSet()
	if !ok || rss <= 0 || peak < rss {
		t.Fatalf("residentSet() = %d, %d, %v; want 0 < rss <= peak", peak, rss, ok)
	}
	t.Setenv("WASHSCAN_TIMINGS", "1")
	var buf bytes.Buffer
	newStageTimer(&buf).lap("load")
	if line := buf.String(); !strings.HasPrefix(line, "timing load ") || !strings.Contains(line, "peak rss") {
		t.Fatalf("lap printed %q", line)
	}
}
