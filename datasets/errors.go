package datasets

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Sentinel reasons carried by RowError.Err; test with errors.Is.
var (
	ErrBadHex        = errors.New("bad hex")
	ErrBadNumber     = errors.New("bad number")
	ErrNegative      = errors.New("negative value")
	ErrBadTime       = errors.New("unparseable time")
	ErrTokenIDLength = errors.New("token id longer than 78 digits")
	ErrMissing       = errors.New("missing required field")
	ErrFieldCount    = errors.New("wrong number of fields")
	ErrConflict      = errors.New("identity conflict")
	ErrBadValue      = errors.New("bad value")
)

// RowError is a row that cannot be loaded. It prints as FILE:LINE: column C: reason
// (FILE:row N for Parquet, where Line is the 1-based row number; FILE alone
// when Line is 0, for a Parquet file's columns).
type RowError struct {
	File    string
	Line    int64
	Column  string // canonical column name; "" when the row as a whole is bad
	Err     error
	Raw     string // the original line (CSV, JSON Lines) or the row as JSON (Parquet)
	Parquet bool   // Line is a row number, not a line number
}

func (e *RowError) Error() string {
	pos := fmt.Sprintf("%s:%d", e.File, e.Line)
	switch {
	case e.Line <= 0: // the file as a whole (a Parquet schema): no line to name
		pos = e.File
	case e.Parquet:
		pos = fmt.Sprintf("%s:row %d", e.File, e.Line)
	}
	if e.Column == "" {
		return fmt.Sprintf("%s: %v", pos, e.Err)
	}
	return fmt.Sprintf("%s: column %s: %v", pos, e.Column, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// FileError is an input that cannot be read at all: missing, a directory, not
// decompressible, not the format its name says (exit 66).
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s: %v", e.File, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// ParseFile opens the file at path and hands it to parse with its name (for
// the parser's errors); a file that does not open is a *FileError.
func ParseFile[T any](path string, parse func(r io.Reader, name string) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, &FileError{File: path, Err: err}
	}
	defer f.Close()
	return parse(f, path)
}

// ErrBadOption marks a LoadOptions value that cannot be used: a --map or --set
// key that is not a canonical column, or a --set value that does not parse.
// Callers may treat it as a usage error.
var ErrBadOption = errors.New("bad load option")

// conflictError is the reason of a row whose identity matches an earlier row
// with different content (docs/contract.md §1.1). It unwraps to ErrConflict.
type conflictError struct {
	file    string
	line    int64
	parquet bool
}

func (e *conflictError) Error() string {
	if e.parquet {
		return fmt.Sprintf("conflicts with %s:row %d", e.file, e.line)
	}
	return fmt.Sprintf("conflicts with %s:%d", e.file, e.line)
}

func (e *conflictError) Unwrap() error { return ErrConflict }
