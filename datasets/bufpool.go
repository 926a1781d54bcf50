package datasets

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bufPool is an Arrow memory.Allocator that recycles the large buffers of
// the record batches a Parquet load reads. Each batch's string columns are
// built in buffers that double as they fill, and every batch is released
// once merged, so without recycling the load allocates (and the runtime
// zeroes, faults in and later collects) several times the file's decoded
// size. Buffers of at least minPooled bytes come from power-of-two classes
// and go back to their class on Free; smaller ones are plain Go memory.
// Like memory.GoAllocator, Allocate returns zeroed memory whose capacity is
// its length, so a buffer never grows in place over stale bytes. Safe for
// concurrent use; one pool serves one load and is dropped with it.
type bufPool struct {
	mu    sync.Mutex
	free  [poolClasses][][]byte
	out   map[*byte][]byte // pooled buffers handed out, by first byte
	held  int              // bytes on the free lists
	limit int              // most bytes kept on the free lists
}

const (
	minPooledShift = 16 // 64 KiB: Go allocates these page-aligned
	minPooled      = 1 << minPooledShift
	poolClasses    = 40 - minPooledShift
)

func newBufPool(limit int) *bufPool { return &bufPool{limit: limit, out: map[*byte][]byte{}} }

// poolClass is the class of a buffer of size bytes (size ≥ minPooled), or -1
// when too large to pool.
func poolClass(size int) int {
	c := bits.Len(uint(size-1)) - minPooledShift
	if c < 0 {
		c = 0
	}
	if c >= poolClasses {
		return -1
	}
	return c
}

func (p *bufPool) Allocate(size int) []byte { return p.allocate(size, 0) }

// allocate is Allocate for a caller that overwrites the first keep bytes
// itself: only the bytes from keep on are zeroed in a recycled buffer.
func (p *bufPool) allocate(size, keep int) []byte {
	if size < minPooled {
		return memory.DefaultAllocator.Allocate(size)
	}
	c := poolClass(size)
	if c < 0 {
		return memory.DefaultAllocator.Allocate(size)
	}
	p.mu.Lock()
	var b []byte
	reused := false
	if l := p.free[c]; len(l) > 0 {
		b, reused = l[len(l)-1], true
		p.free[c] = l[:len(l)-1]
		p.held -= cap(b)
	} else {
		b = make([]byte, 0, 1<<(c+minPooledShift))
	}
	p.out[unsafe.SliceData(b)] = b
	p.mu.Unlock()
	b = b[:size:size]
	if reused {
		clear(b[min(keep, size):])
	}
	return b
}

func (p *bufPool) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := p.allocate(size, len(b)) // the copy below overwrites b's bytes
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *bufPool) Free(b []byte) {
	if cap(b) < minPooled {
		return // plain Go memory
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	full, ok := p.out[unsafe.SliceData(b)]
	if !ok {
		return // not a pooled buffer
	}
	delete(p.out, unsafe.SliceData(b))
	if n := cap(full); p.held+n <= p.limit {
		p.free[poolClass(n)] = append(p.free[poolClass(n)], full[:0])
		p.held += n
	}
}

var _ memory.Allocator = (*bufPool)(nil)

// NewBufferPool returns an Arrow allocator that recycles buffers of at
// least 64 KiB (keeping at most limit bytes for reuse), for one bulk job
// such as writing a large Parquet file: like memory.GoAllocator, but freed
// buffers are handed out again instead of left to the garbage collector
// and new pages of memory. Safe for concurrent use.
func NewBufferPool(limit int) memory.Allocator { return newBufPool(limit) }
