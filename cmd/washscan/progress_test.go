package main

import (
	"io"
	"math"
	"testing"
	"time"
)

// TestAnalyzeProgressFraction: the estimate is the finished stages' shares
// plus the running stage's share in proportion to the time it is expected
// to take at the pace so far, capped at 95% of it, and 1 at the end.
func TestAnalyzeProgressFraction(t *testing.T) {
	p := newAnalyzeProgress(io.Discard)
	p.Loaded(1000)
	p.Stage("load")
	defer p.Close()
	t0 := p.start
	p.mu.Lock()
	// features took 1 s: detect is expected to take 1 s × its share / the
	// features' share; at that time it is 1 − 1/e done.
	sh := analyzeStages
	p.at = t0.Add(time.Second)
	p.done, p.stage = sh[0].share, 1
	expect := time.Duration(float64(time.Second) * sh[1].share / sh[0].share)
	for _, c := range []struct {
		after time.Duration
		in    float64
	}{{0, 0}, {expect, 1 - math.Exp(-1)}, {100 * expect, 1}} {
		want := sh[0].share + c.in*sh[1].share
		if got := p.fraction(p.at.Add(c.after)); math.Abs(got-want) > 1e-9 {
			t.Errorf("%v into detect: %v, want %v", c.after, got, want)
		}
	}
	p.mu.Unlock()
	for _, s := range []string{"features", "detect", "market_tests", "metrics", "write"} {
		p.Stage(s)
	}
	if p.done < 0.999 || p.stop != nil {
		t.Errorf("after write: done %v, ticker stopped %v", p.done, p.stop == nil)
	}
}
