//go:build !unix

// Package cputime reads the process's CPU time, for the stage timings of
// the washscan command ($WASHSCAN_TIMINGS) and the benchmarks that report
// CPU seconds next to wall time.
package cputime

import "time"

// Used is not measured outside Unix: always 0.
func Used() time.Duration { return 0 }
