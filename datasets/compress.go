package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// format is a trade file format.
type format int

const (
	fmtCSV format = iota
	fmtJSONL
	fmtParquet
)

// compression is a whole-file compression.
type compression int

const (
	compNone compression = iota
	compGzip
	compZstd
)

// splitName returns the format and compression a file name says: an optional
// .gz or .zst suffix, then .csv, .parquet, .jsonl, .ndjson or .json (any case).
// ok is false for an unknown format extension.
func splitName(name string) (f format, c compression, ok bool) {
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, ".gz"):
		c, l = compGzip, l[:len(l)-3]
	case strings.HasSuffix(l, ".zst"):
		c, l = compZstd, l[:len(l)-4]
	}
	switch {
	case strings.HasSuffix(l, ".csv"):
		return fmtCSV, c, true
	case strings.HasSuffix(l, ".parquet"):
		return fmtParquet, c, true
	case strings.HasSuffix(l, ".jsonl"), strings.HasSuffix(l, ".ndjson"), strings.HasSuffix(l, ".json"):
		return fmtJSONL, c, true
	}
	return fmtCSV, c, false
}

var (
	magicGzip    = []byte{0x1f, 0x8b}
	magicZstd    = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicParquet = []byte("PAR1")
)

// errNotFormat reports a file whose content is not what its name says.
var errNotFormat = errors.New("not the format its name says")

// decompress wraps r according to c, checking the magic number first so that a
// file that is not what its name says fails here. The returned closer releases
// decoder resources (not r).
func decompress(r io.Reader, c compression) (io.Reader, func(), error) {
	switch c {
	case compGzip:
		br := bufio.NewReaderSize(r, 1<<16)
		if m, err := br.Peek(2); err != nil || !bytes.Equal(m, magicGzip) {
			return nil, nil, fmt.Errorf("%w: not gzip data", errNotFormat)
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: gzip: %v", errNotFormat, err)
		}
		return zr, func() { zr.Close() }, nil
	case compZstd:
		br := bufio.NewReaderSize(r, 1<<16)
		if m, err := br.Peek(4); err != nil || !bytes.Equal(m, magicZstd) {
			return nil, nil, fmt.Errorf("%w: not zstd data", errNotFormat)
		}
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: zstd: %v", errNotFormat, err)
		}
		return zr, zr.Close, nil
	}
	return r, func() {}, nil
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// spill decompresses a Parquet file named name (compressed by comp, or
// unseekable) into a temporary file, which Parquet's random access needs:
// memory stays bounded whatever the stream expands to. Closing the result
// removes it.
func (b *builder) spill(in io.Reader, comp compression, name string) (*tempFile, int64, error) {
	r, closeDec, err := decompress(in, comp)
	if err != nil {
		return nil, 0, &FileError{File: name, Err: err}
	}
	defer closeDec()
	f, err := os.CreateTemp("", "washscan-parquet-*")
	if err != nil {
		return nil, 0, fmt.Errorf("%s: a temporary file to decompress it into: %w", name, err)
	}
	t := &tempFile{f}
	// Not Parquet from its first bytes (a stream of zeros, say): stop
	// before writing gigabytes of it.
	br := bufio.NewReaderSize(ctxReader{b.ctx, r}, 1<<16)
	if head, err := br.Peek(4); err != nil || !bytes.Equal(head, magicParquet) {
		t.Close()
		if b.ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, b.ctx.Err())
		}
		return nil, 0, &FileError{File: name, Err: fmt.Errorf("%w: the decompressed data is not Parquet", errNotFormat)}
	}
	n, err := io.Copy(f, br)
	if err != nil {
		t.Close()
		if b.ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == f.Name() { // writing the temporary file (disk full)
			return nil, 0, fmt.Errorf("%s: decompressing it into %s: %w", name, os.TempDir(), pe.Err)
		}
		return nil, 0, &FileError{File: name, Err: notFormat(err)}
	}
	return t, n, nil
}

// tempFile is a temporary file removed when closed.
type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	os.Remove(t.Name())
	return err
}

// sniffMismatch reports whether the first bytes of a file named as an
// uncompressed text format are in fact compressed or Parquet data.
func sniffMismatch(head []byte) error {
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return fmt.Errorf("%w: looks like gzip data (name it .gz)", errNotFormat)
	case bytes.HasPrefix(head, magicZstd):
		return fmt.Errorf("%w: looks like zstd data (name it .zst)", errNotFormat)
	case bytes.HasPrefix(head, magicParquet):
		return fmt.Errorf("%w: looks like Parquet data (name it .parquet)", errNotFormat)
	}
	return nil
}

// compressWriter wraps w in the compressor for c. Closing the result flushes
// the compressed stream (not w).
func compressWriter(w io.Writer, c compression) (io.WriteCloser, error) {
	switch c {
	case compGzip:
		return gzip.NewWriter(w), nil
	case compZstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
	}
	return nopWriteCloser{w}, nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// CompressWriter wraps w in the compressor that name's ending asks for
// (.gz: gzip, .zst: zstd), or in nothing. Closing the result flushes the
// compressed stream, not w.
func CompressWriter(name string, w io.Writer) (io.WriteCloser, error) {
	c := compNone
	switch low := strings.ToLower(name); {
	case strings.HasSuffix(low, ".gz"):
		c = compGzip
	case strings.HasSuffix(low, ".zst"):
		c = compZstd
	}
	return compressWriter(w, c)
}

// DecompressReader wraps r in the decompressor that name's ending asks for
// (.gz, .zst), checking the magic number; close releases the decoder (not r).
func DecompressReader(name string, r io.Reader) (rd io.Reader, close func(), err error) {
	_, c, _ := splitName(name)
	return decompress(r, c)
}
