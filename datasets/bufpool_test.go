package datasets

import (
	"sync"
	"testing"
	"unsafe"
)

// TestBufPoolReuse checks the allocator contract Arrow relies on: zeroed
// memory of the asked length and capacity, large buffers recycled after
// Free, foreign and small buffers ignored, Reallocate keeping the prefix.
func TestBufPoolReuse(t *testing.T) {
	p := newBufPool(1 << 30)
	b := p.Allocate(100_000)
	if len(b) != 100_000 || cap(b) != 100_000 {
		t.Fatalf("len %d cap %d, want 100000 both", len(b), cap(b))
	}
	for i := range b {
		b[i] = 0xff
	}
	first := unsafe.SliceData(b)
	p.Free(b)
	c := p.Allocate(90_000) // same class: the freed buffer, zeroed again
	if unsafe.SliceData(c) != first {
		t.Errorf("a freed buffer of the same class was not reused")
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("reused buffer not zeroed at %d", i)
		}
	}
	c[0], c[89_999] = 7, 9
	d := p.Reallocate(300_000, c)
	if len(d) != 300_000 || d[0] != 7 || d[89_999] != 9 || d[90_000] != 0 || d[299_999] != 0 {
		t.Errorf("Reallocate lost the prefix or left the tail dirty")
	}
	if e := p.Reallocate(1000, d); unsafe.SliceData(e) != unsafe.SliceData(d) || len(e) != 1000 {
		t.Errorf("shrinking Reallocate moved the buffer")
	}
	p.Free(d)
	p.Free(make([]byte, 1<<17)) // not from the pool: ignored
	p.Free(d)                   // twice: ignored
	if p.held != 1<<17+1<<19 {
		t.Errorf("held %d bytes, want the 128 KiB and 512 KiB buffers", p.held)
	}
	small := p.Allocate(100)
	if len(small) != 100 {
		t.Errorf("small allocation: len %d", len(small))
	}
	p.Free(small)

	// Reallocate into a recycled dirty buffer: the prefix is the old
	// buffer's, everything after it zero.
	q := newBufPool(1 << 30)
	dirty := q.Allocate(400_000)
	for i := range dirty {
		dirty[i] = 0xee
	}
	q.Free(dirty)
	old := q.Allocate(100_000)
	for i := range old {
		old[i] = byte(i%251 + 1)
	}
	grown := q.Reallocate(400_000, old)
	if unsafe.SliceData(grown) != unsafe.SliceData(dirty) {
		t.Fatalf("Reallocate did not reuse the freed buffer of its class")
	}
	for i, v := range grown {
		want := byte(0)
		if i < 100_000 {
			want = byte(i%251 + 1)
		}
		if v != want {
			t.Fatalf("Reallocate into a reused buffer: byte %d is %#x, want %#x", i, v, want)
		}
	}

	lim := newBufPool(1 << 16)
	x, y := lim.Allocate(1<<16), lim.Allocate(1<<16)
	lim.Free(x)
	lim.Free(y)
	if lim.held != 1<<16 {
		t.Errorf("held %d bytes over the limit %d", lim.held, 1<<16)
	}
}

// TestBufPoolConcurrent allocates, fills, checks and frees from several
// goroutines (run with -race): no buffer is handed to two users at once.
func TestBufPoolConcurrent(t *testing.T) {
	p := newBufPool(64 << 20)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				b := p.Allocate(minPooled + (i*7919)%(4*minPooled))
				for k := range b {
					if b[k] != 0 {
						t.Errorf("goroutine %d: dirty byte", g)
						return
					}
					b[k] = byte(g + 1)
				}
				for k := range b {
					if b[k] != byte(g+1) {
						t.Errorf("goroutine %d: buffer shared", g)
						return
					}
				}
				p.Free(b)
			}
		}()
	}
	wg.Wait()
}
