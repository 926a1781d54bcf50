package main

import (
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// analyzeStages are the stages of an analysis after loading, in order, with
// the share of the post-load time each takes (3.9M-row synthetic market
// with --flags .parquet: the flags file is written during "metrics", and
// "write" waits for it and the other outputs).
var analyzeStages = []struct {
	name  string
	share float64
}{
	{"features", 0.03}, {"detect", 0.40}, {"market_tests", 0.01}, {"metrics", 0.36}, {"write", 0.20},
}

// analyzeProgress shows, on a terminal, a progress bar over the stages
// after loading (the loader has its own). Its unit is input rows: the rate
// is rows analyzed per second (rows × fraction done / elapsed) and the time
// left is elapsed × (1 − f) / f, both computed here from the estimated
// fraction f. f is the finished stages' shares plus the running stage's
// share × (1 − e^(−t/T)), t the time in the stage and T the time it is
// expected to take at the pace of the stages before it, so the bar never
// stalls nor passes the stage's end.
type analyzeProgress struct {
	w     io.Writer
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	rows  int64
	start time.Time // end of the load
	stage int       // index of the running stage
	at    time.Time // its start
	done  float64   // share of the finished stages
	stop  chan struct{}
}

func newAnalyzeProgress(w io.Writer) *analyzeProgress {
	return &analyzeProgress{w: w}
}

// Loaded is the analysis.Settings.Loaded hook: the table has rows rows.
func (p *analyzeProgress) Loaded(rows int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.rows = int64(max(rows, 1))
	p.mu.Unlock()
}

// Stage is the analysis.Settings.Stage hook: name has just ended.
func (p *analyzeProgress) Stage(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if name == "load" {
		p.start, p.at, p.stage = now, now, 0
		p.stop = make(chan struct{})
		go p.tick(p.stop)
		return
	}
	for i, s := range analyzeStages {
		if s.name == name && i >= p.stage {
			for _, t := range analyzeStages[p.stage : i+1] {
				p.done += t.share
			}
			p.stage, p.at = i+1, now
		}
	}
	p.update(now)
	if name == "write" {
		p.finish()
	}
}

// tick advances the bar every 200 ms; the bar appears after 2 s.
func (p *analyzeProgress) tick(stop chan struct{}) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			p.mu.Lock()
			if p.bar == nil && now.Sub(p.start) >= 2*time.Second {
				p.bar = progressbar.NewOptions64(p.rows, progressbar.OptionSetWriter(p.w),
					progressbar.OptionSetDescription("analyzing"), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(),
					progressbar.OptionSetWidth(30), progressbar.OptionSetPredictTime(false),
					progressbar.OptionShowElapsedTimeOnFinish())
			}
			p.update(now)
			p.mu.Unlock()
		}
	}
}

// fraction is the estimated share of the work done at now.
func (p *analyzeProgress) fraction(now time.Time) float64 {
	f := p.done
	if p.stage < len(analyzeStages) {
		s := analyzeStages[p.stage]
		// Expected duration of the stage: from the pace so far, or, before
		// any stage ended, a guess of one second for the first stage.
		pace := float64(time.Second) / analyzeStages[0].share
		if p.done > 0 {
			pace = float64(p.at.Sub(p.start)) / p.done
		}
		in := float64(now.Sub(p.at)) / (pace * s.share)
		f += (1 - math.Exp(-in)) * s.share
	}
	return min(f, 1)
}

func (p *analyzeProgress) update(now time.Time) {
	if p.bar == nil {
		return
	}
	f := p.fraction(now)
	el := now.Sub(p.start).Seconds()
	desc := "analyzing"
	if p.stage < len(analyzeStages) {
		desc += " (" + analyzeStages[p.stage].name + ")"
	}
	if f > 0 && el > 0 {
		left := time.Duration(el * (1 - f) / f * float64(time.Second)).Round(time.Second)
		desc += fmt.Sprintf(" %.0f rows/s, %s left", float64(p.rows)*f/el, left)
	}
	p.bar.Describe(desc)
	p.bar.Set64(int64(f * float64(p.rows)))
}

func (p *analyzeProgress) finish() {
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// Close removes the bar (an analysis that failed).
func (p *analyzeProgress) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.finish()
	p.mu.Unlock()
}
