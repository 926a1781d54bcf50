package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
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
	n       int // laps, numbering the heap profiles
}

// With $WASHSCAN_HEAPPROFILE=PREFIX it also writes a heap profile (as of
// the last collection) at every lap, to PREFIX.NN.pprof.

// newStageTimer returns a timer writing to w, or nil when $WASHSCAN_TIMINGS
// is unset.
func newStageTimer(w io.Writer) *stageTimer {
	if os.Getenv("WASHSCAN_TIMINGS") == "" {
		return nil
	}
	now := time.Now()
	resetPeakRSS()
	return &stageTimer{w: w, start: now, last: now, lastCPU: cputime.Used()}
}

// lap prints the wall and CPU time since the previous lap (or the start)
// under name, with the live heap, the memory obtained from the system and,
// on Linux, the peak resident set size since the previous lap (the kernel's
// high-water mark, reset at each lap) and the resident set now. Stages that
// overlap (the market tests run beside the detectors) share their peaks.
func (s *stageTimer) lap(name string) {
	if s == nil {
		return
	}
	now, cpu := time.Now(), cputime.Used()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(s.w, "timing %-14s %7.3fs  cpu %7.3fs  (total %7.3fs)  heap %6.0f MiB  sys %6.0f MiB  idle %6.0f MiB", name,
		now.Sub(s.last).Seconds(), (cpu - s.lastCPU).Seconds(), now.Sub(s.start).Seconds(),
		float64(ms.HeapAlloc)/(1<<20), float64(ms.Sys)/(1<<20), float64(ms.HeapIdle-ms.HeapReleased)/(1<<20))
	if peak, rss, ok := residentSet(); ok {
		fmt.Fprintf(s.w, "  peak rss %6.0f MiB  rss %6.0f MiB", float64(peak)/(1<<20), float64(rss)/(1<<20))
		resetPeakRSS()
	}
	fmt.Fprintln(s.w)
	if prefix := os.Getenv("WASHSCAN_HEAPPROFILE"); prefix != "" {
		s.n++
		if f, err := os.Create(fmt.Sprintf("%s.%02d.pprof", prefix, s.n)); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	s.last, s.lastCPU = now, cpu
}

// residentSet returns VmHWM and VmRSS of /proc/self/status in bytes; ok is
// false where there is no such file.
func residentSet() (peak, rss int64, ok bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, false
	}
	field := func(name string) (int64, bool) {
		i := bytes.Index(b, []byte(name))
		if i < 0 {
			return 0, false
		}
		f := bytes.Fields(b[i+len(name):])
		if len(f) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		return kb << 10, err == nil
	}
	peak, ok1 := field("VmHWM:")
	rss, ok2 := field("VmRSS:")
	return peak, rss, ok1 && ok2
}

// resetPeakRSS sets the kernel's peak resident set mark to the resident set
// now (Linux: "5" to /proc/self/clear_refs); elsewhere it does nothing.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
