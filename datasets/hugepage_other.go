//go:build !linux

package datasets

// adviseHuge does nothing outside Linux.
func adviseHuge[T any](s []T) {}
