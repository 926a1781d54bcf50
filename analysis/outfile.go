package analysis

import (
	"context"
	"errors"
	"os"
	"syscall"
	"unsafe"
)

// fileWriter writes an output's temporary file. It copies what it is
// given into an aligned buffer and writes the buffer out a megabyte at a
// time, with O_DIRECT where the system and the file system take it
// (Linux: setDirect), so that the bytes go from this buffer to the disk
// instead of first into newly allocated page cache. On the development VM
// that allocation was most of the system time of writing a large flags
// file (895 MB: 1.7–2.1 s buffered, 0.2 s direct; BENCHMARKS.md "Issue 16
// in session 11"). The last partial block, and everything after any write
// the file system refuses with EINVAL, is written the ordinary way: the
// bytes of the file never depend on how they were written. It fails with
// the context's cause once ctx is cancelled (checked before each write to
// the file, a megabyte apart).
type fileWriter struct {
	ctx    context.Context
	f      *os.File
	buf    []byte // aligned to directAlign; cap fileChunk
	direct bool
	err    error // the first write error, returned from then on (as bufio)
}

const (
	// directAlign is the alignment O_DIRECT asks of the buffer's address,
	// its length and the file offset: 4096 covers 512- and 4096-byte
	// logical blocks.
	directAlign = 4096
	// fileChunk is the size of one write: a multiple of directAlign.
	fileChunk = 1 << 20
)

func newFileWriter(ctx context.Context, f *os.File) *fileWriter {
	mem := make([]byte, fileChunk+directAlign)
	off := directAlign - int(uintptr(unsafe.Pointer(unsafe.SliceData(mem)))%directAlign)
	return &fileWriter{ctx: ctx, f: f, buf: mem[off : off : off+fileChunk], direct: setDirect(f, true) == nil}
}

func (w *fileWriter) Write(p []byte) (int, error) {
	if !w.direct && len(w.buf) == 0 && len(p) >= cap(w.buf) && w.err == nil {
		// Written the ordinary way: a large write goes straight to the
		// file, as through a bufio.Writer, not copied first.
		w.err = w.write(p)
		if w.err != nil {
			return 0, w.err
		}
		return len(p), nil
	}
	n := 0
	for len(p) > 0 && w.err == nil {
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf, p, n = w.buf[:len(w.buf)+k], p[k:], n+k
		if len(w.buf) == cap(w.buf) {
			w.err = w.write(w.buf)
			w.buf = w.buf[:0]
		}
	}
	return n, w.err
}

// finish writes what is buffered: the whole blocks as the others, the
// rest (not a whole block) the ordinary way. It always leaves the file
// without O_DIRECT, so that a streamed output's temporary file can be read
// back through any buffer.
func (w *fileWriter) finish() error {
	if w.err != nil {
		return w.err
	}
	b := w.buf
	w.buf = w.buf[:0]
	if w.direct {
		whole := len(b) &^ (directAlign - 1)
		if w.err = w.write(b[:whole]); w.err != nil {
			return w.err
		}
		b = b[whole:]
		if w.err = w.buffered(); w.err != nil {
			return w.err
		}
	}
	w.err = w.write(b)
	return w.err
}

// write writes all of b at the file's offset, unless the context is
// cancelled. A direct write the file system refuses (EINVAL: the file
// system accepted O_DIRECT but not this write) is done again, from where
// it stopped, the ordinary way.
func (w *fileWriter) write(b []byte) error {
	if w.ctx.Err() != nil {
		return context.Cause(w.ctx)
	}
	for len(b) > 0 {
		n, err := w.f.Write(b)
		b = b[n:]
		if err == nil {
			continue
		}
		if !w.direct || !errors.Is(err, syscall.EINVAL) {
			return err
		}
		if err := w.buffered(); err != nil {
			return err
		}
	}
	return nil
}

// buffered turns O_DIRECT off for the rest of the file.
func (w *fileWriter) buffered() error {
	w.direct = false
	return setDirect(w.f, false)
}
