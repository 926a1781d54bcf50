package report

import "io"

// asyncWriter passes writes to w from a goroutine, in chunks of about
// asyncChunk bytes, so the system calls overlap the caller's encoding. The
// caller must call close, which waits for every write and returns the first
// error.
type asyncWriter struct {
	w     io.Writer
	cur   []byte
	queue chan []byte
	free  chan []byte
	done  chan error
}

// asyncChunk is small enough that the chunks alive (the one filled, two
// queued, the one written) stay a few MB, and large enough that a system
// call per chunk costs nothing.
const asyncChunk = 1 << 20

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{w: w, queue: make(chan []byte, 2), free: make(chan []byte, 4), done: make(chan error, 1)}
	go func() {
		var err error
		for b := range a.queue {
			if err == nil {
				_, err = a.w.Write(b)
			}
			select {
			case a.free <- b[:0]:
			default:
			}
		}
		a.done <- err
	}()
	return a
}

// Write copies p; it never fails (errors surface in close).
func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if a.cur == nil {
			select {
			case a.cur = <-a.free:
			default:
				a.cur = make([]byte, 0, asyncChunk)
			}
		}
		k := min(len(p), cap(a.cur)-len(a.cur))
		a.cur = append(a.cur, p[:k]...)
		p = p[k:]
		if len(a.cur) == cap(a.cur) {
			a.queue <- a.cur
			a.cur = nil
		}
	}
	return n, nil
}

// close flushes the last chunk, waits for the writer goroutine and returns
// the first write error.
func (a *asyncWriter) close() error {
	if len(a.cur) > 0 {
		a.queue <- a.cur
		a.cur = nil
	}
	close(a.queue)
	return <-a.done
}
