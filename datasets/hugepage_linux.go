//go:build linux

package datasets

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// hugeMin is the size from which a table is worth backing with huge pages.
const hugeMin = 8 << 20

// adviseHuge asks the kernel to back s with transparent huge pages (it
// honours the request when THP is in "madvise" or "always" mode). A lookup in
// a table far larger than the caches misses the TLB as well as the cache;
// with 2 MiB pages the page walk is mostly spared. Only whole pages inside s
// are advised; a failure is ignored (the advice is only a hint).
func adviseHuge[T any](s []T) {
	var zero T
	n := len(s) * int(unsafe.Sizeof(zero))
	if n < hugeMin {
		return
	}
	b := wholePages(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), n))
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}

// wholePages is the whole pages inside b.
func wholePages(b []byte) []byte {
	pg := syscall.Getpagesize()
	off := (pg - int(uintptr(unsafe.Pointer(unsafe.SliceData(b))))%pg) % pg
	if off >= len(b) {
		return nil
	}
	b = b[off:]
	return b[:len(b)/pg*pg]
}

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14): fault the pages of
// a range in, writable, without changing their contents.
const madvPopulateWrite = 23

// populateStep is how much of each range prefault populates before moving
// to the next range.
const populateStep = 4 << 20

// prefault faults in the pages of the byte ranges rs on a goroutine of its
// own, a step of each range in turn (the merge writes every column from its
// start, at the same pace), until done or stop is set. The page faults a
// merge stage would take on its one goroutine, about 1 s per GB of column,
// are taken beside it instead. The contents are not touched, so the merge
// may write the same pages meanwhile; a kernel without the call (EINVAL)
// ends it at once.
func prefault(rs [][]byte, stop *atomic.Bool) { go populate(rs, stop) }

// populate is prefault's work, on the calling goroutine.
func populate(rs [][]byte, stop *atomic.Bool) {
	for off := 0; ; off += populateStep {
		more := false
		for _, r := range rs {
			if off >= len(r) {
				continue
			}
			more = true
			if stop.Load() {
				return
			}
			if syscall.Madvise(r[off:min(off+populateStep, len(r))], madvPopulateWrite) == syscall.EINVAL {
				return
			}
		}
		if !more {
			return
		}
	}
}

// pageRange is the whole pages inside the unused capacity of s, as bytes.
func pageRange[T any](s []T) []byte {
	var zero T
	rest := s[len(s):cap(s)]
	n := len(rest) * int(unsafe.Sizeof(zero))
	if n == 0 {
		return nil
	}
	return wholePages(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(rest))), n))
}
