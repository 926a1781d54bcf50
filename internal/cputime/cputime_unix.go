//go:build unix

// Package cputime reads the process's CPU time, for the stage timings of
// the washscan command ($WASHSCAN_TIMINGS) and the benchmarks that report
// CPU seconds next to wall time.
package cputime

import (
	"syscall"
	"time"
)

// Used is the process's user+system CPU time so far.
func Used() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
