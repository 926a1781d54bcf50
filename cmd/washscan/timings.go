package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/washscan/washscan/internal/cputime"
)

// stageTimer prints the wall time of each stage of a command to w when
// $WASHSCAN_TIMINGS is set (for performance work; not part of the
// command-line interface). The zero value and a nil *stageTimer are silent.
type stageTimer struct {
	w       io.Writer
	start   time.Time
	last    time.Time
	lastCPU time.Duration
}

// newStageTimer returns a timer writing to w, or nil when $WASHSCAN_TIMINGS
// is unset.
func newStageTimer(w io.Writer) *stageTimer {
	if os.Getenv("WASHSCAN_TIMINGS") == "" {
		return nil
	}
	now := time.Now()
	return &stageTimer{w: w, start: now, last: now, lastCPU: cputime.Used()}
}

// lap prints the wall and CPU time since the previous lap (or the start)
// under name, with the live heap and the memory obtained from the system.
func (s *stageTimer) lap(name string) {
	if s == nil {
		return
	}
	now, cpu := time.Now(), cputime.Used()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(s.w, "timing %-14s %7.3fs  cpu %7.3fs  (total %7.3fs)  heap %6.0f MiB  sys %6.0f MiB\n", name,
		now.Sub(s.last).Seconds(), (cpu - s.lastCPU).Seconds(), now.Sub(s.start).Seconds(),
		float64(ms.HeapAlloc)/(1<<20), float64(ms.Sys)/(1<<20))
	s.last, s.lastCPU = now, cpu
}
