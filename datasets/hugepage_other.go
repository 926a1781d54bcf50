//go:build !linux

package datasets

import "sync/atomic"

// adviseHuge does nothing outside Linux.
func adviseHuge[T any](s []T) {}

// prefault does nothing outside Linux.
func prefault(rs [][]byte, stop *atomic.Bool) {}

// pageRange is nil outside Linux (nothing to prefault).
func pageRange[T any](s []T) []byte { return nil }
