package analysis

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

// writeThrough writes data to a new file in dir through a fileWriter, in
// pieces of random sizes, and returns the file's bytes and whether the
// writer started with direct I/O and still used it before finish.
func writeThrough(t *testing.T, dir string, data []byte, seed uint64, prep func(*fileWriter)) (_ []byte, started, kept bool) {
	t.Helper()
	f, err := os.CreateTemp(dir, "out-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := newFileWriter(context.Background(), f)
	started = w.direct
	if a := uintptr(unsafe.Pointer(unsafe.SliceData(w.buf[:1]))); a%directAlign != 0 {
		t.Fatalf("buffer at %#x: not aligned to %d", a, directAlign)
	}
	if prep != nil {
		prep(w)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for p := data; len(p) > 0; {
		k := min(len(p), 1+rng.IntN(3*fileChunk/2))
		if rng.IntN(4) == 0 {
			k = min(len(p), 1+rng.IntN(100))
		}
		n, err := w.Write(p[:k])
		if err != nil || n != k {
			t.Fatalf("Write(%d bytes) = %d, %v", k, n, err)
		}
		p = p[k:]
	}
	kept = w.direct
	if err := w.finish(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return got, started, kept
}

// Every size around the block and chunk boundaries comes back byte for
// byte, with direct I/O where the file system takes it (ext4, XFS) and
// without it elsewhere (tmpfs).
func TestFileWriterBytes(t *testing.T) {
	dirs := []string{t.TempDir()}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "washscan-test-*"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			dirs = append(dirs, d)
		}
	}
	sizes := []int{0, 1, directAlign - 1, directAlign, directAlign + 1, fileChunk - 1, fileChunk, fileChunk + 1,
		3*fileChunk + directAlign, 3*fileChunk + 777}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, dir := range dirs {
		for i, n := range sizes {
			data := make([]byte, n)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			got, started, kept := writeThrough(t, dir, data, uint64(i), nil)
			if !bytes.Equal(got, data) {
				t.Fatalf("%s: %d bytes written, %d read back, first difference at %d (direct %v)", dir, n, len(got), diffAt(got, data), started)
			}
			if started && !kept {
				t.Errorf("%s, %d bytes: a direct write was refused", dir, n)
			}
			if i == 0 {
				t.Logf("%s: direct I/O %v", dir, started)
			}
		}
	}
}

// A direct write the file system refuses is done again the ordinary way:
// here a buffer misaligned on purpose, which O_DIRECT rejects with EINVAL.
func TestFileWriterFallsBack(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 2*fileChunk+12345)
	for j := range data {
		data[j] = byte(j * 7)
	}
	misalign := func(w *fileWriter) {
		if !w.direct {
			t.Skip("no direct I/O on this file system")
		}
		mem := make([]byte, fileChunk+directAlign+1)
		w.buf = mem[1:1:fileChunk] // odd address, odd length
	}
	var fw *fileWriter
	got, _, _ := writeThrough(t, dir, data, 3, func(w *fileWriter) {
		misalign(w)
		fw = w
	})
	if !bytes.Equal(got, data) {
		t.Fatalf("%d bytes written, %d read back, first difference at %d", len(data), len(got), diffAt(got, data))
	}
	if fw.direct {
		t.Error("the writer still uses direct I/O after a refused write")
	}
}

// Without direct I/O a large write into an empty buffer goes straight to
// the file, and what follows still lands after it.
func TestFileWriterPassThrough(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := newFileWriter(context.Background(), f)
	if w.direct {
		if err := w.buffered(); err != nil {
			t.Fatal(err)
		}
	}
	data := make([]byte, 3*fileChunk+99)
	for j := range data {
		data[j] = byte(j*13 + j>>11)
	}
	for _, piece := range [][]byte{data[:2*fileChunk+5], data[2*fileChunk+5 : 2*fileChunk+10], data[2*fileChunk+10:]} {
		if n, err := w.Write(piece); err != nil || n != len(piece) {
			t.Fatalf("Write(%d bytes) = %d, %v", len(piece), n, err)
		}
	}
	if err := w.finish(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("%d bytes written, %d read back, first difference at %d", len(data), len(got), diffAt(got, data))
	}
}

// A cancelled context stops the writes with its cause.
func TestFileWriterCancelled(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cause := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	w := newFileWriter(ctx, f)
	if _, err := w.Write(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel(cause)
	if _, err := w.Write(make([]byte, fileChunk)); !errors.Is(err, cause) {
		t.Errorf("Write after cancel: %v, want %v", err, cause)
	}
	if err := w.finish(); !errors.Is(err, cause) {
		t.Errorf("finish after cancel: %v, want %v", err, cause)
	}
}

// A write error sticks: later writes and finish return it and write
// nothing more.
func TestFileWriterErrorSticks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := newFileWriter(context.Background(), f)
	f.Close() // every write to the file now fails
	if _, err := w.Write(make([]byte, fileChunk)); err == nil {
		t.Fatal("Write to a closed file: no error")
	}
	first := w.err
	if n, err := w.Write([]byte("more")); n != 0 || err != first {
		t.Errorf("Write after an error = %d, %v; want 0, %v", n, err, first)
	}
	if err := w.finish(); err != first {
		t.Errorf("finish after an error = %v, want %v", err, first)
	}
}

// diffAt is the first index where a and b differ.
func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
