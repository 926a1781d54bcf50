package analysis

import (
	"bytes"
	"context"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// A file whose length is whole blocks is left without O_DIRECT too: a
// streamed output's temporary file (--out -) is read back through
// buffers of any address and size.
func TestFileWriterFinishLeavesNoDirect(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := newFileWriter(context.Background(), f)
	if !w.direct {
		t.Skip("no direct I/O on this file system")
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 2*directAlign/16)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.finish(); err != nil {
		t.Fatal(err)
	}
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_DIRECT != 0 {
		t.Fatal("O_DIRECT still set after finish")
	}
	got := make([]byte, len(data)+1)[1:] // misaligned
	if n, err := f.ReadAt(got[:len(data)-3], 3); err != nil || !bytes.Equal(got[:n], data[3:]) {
		t.Fatalf("read back at offset 3: %d bytes, %v", n, err)
	}
}
