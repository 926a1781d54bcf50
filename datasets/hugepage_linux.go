//go:build linux

package datasets

import (
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
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), n)
	pg := syscall.Getpagesize()
	off := (pg - int(uintptr(unsafe.Pointer(&b[0])))%pg) % pg
	b = b[off:]
	b = b[:len(b)/pg*pg]
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}
