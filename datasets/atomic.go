package datasets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// AtomicFile is an output that appears under its final name only when
// Commit succeeds: it is written to a temporary file in the same directory and
// renamed, so an interrupted run leaves no half-written file. The name "-"
// writes to standard output instead (Commit flushes nothing, Abort is a no-op).
type AtomicFile struct {
	f    *os.File
	w    io.Writer
	path string
	done bool
}

// CreateAtomic starts writing path.
func CreateAtomic(path string) (*AtomicFile, error) {
	if path == "-" {
		return &AtomicFile{w: os.Stdout, path: path}, nil
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) { // name the user's file, not the temporary one
			err = pe.Err
		}
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &AtomicFile{f: f, w: f, path: path}, nil
}

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

// Name returns the final path.
func (a *AtomicFile) Name() string { return a.path }

// File returns the underlying temporary file (nil for standard output).
func (a *AtomicFile) File() *os.File { return a.f }

// Commit syncs, closes and renames the temporary file to its final name.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("commit %s: already closed", a.path)
	}
	a.done = true
	if a.f == nil {
		return nil
	}
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if err := a.f.Close(); err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if err := os.Chmod(a.f.Name(), 0o644); err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if err := os.Rename(a.f.Name(), a.path); err != nil {
		os.Remove(a.f.Name())
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	return nil
}

// Abort discards the temporary file. It is safe to call after Commit.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	if a.f != nil {
		a.f.Close()
		os.Remove(a.f.Name())
	}
}

// WriteFileAtomic writes data to path atomically.
func WriteFileAtomic(path string, data []byte) error {
	a, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		a.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}
