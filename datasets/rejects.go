package datasets

import (
	"encoding/csv"
	"errors"
	"strconv"
)

// RejectsFile is the --rejects output of SPEC §2: CSV file,line,column,reason,raw,
// one row per rejected input row, written atomically.
type RejectsFile struct {
	a   *AtomicFile
	w   *csv.Writer
	err error
}

// CreateRejects starts a rejects file at path.
func CreateRejects(path string) (*RejectsFile, error) {
	a, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	r := &RejectsFile{a: a, w: csv.NewWriter(a)}
	r.err = r.w.Write([]string{"file", "line", "column", "reason", "raw"})
	return r, nil
}

// Add writes one rejected row. Errors are kept and returned by Commit.
func (r *RejectsFile) Add(e *RowError) {
	if r.err != nil {
		return
	}
	reason := e.Err.Error()
	r.err = r.w.Write([]string{e.File, strconv.FormatInt(e.Line, 10), e.Column, reason, e.Raw})
}

// Commit flushes the file and moves it into place.
func (r *RejectsFile) Commit() error {
	r.w.Flush()
	if err := errors.Join(r.err, r.w.Error()); err != nil {
		r.a.Abort()
		return err
	}
	return r.a.Commit()
}

// Abort discards the file (a no-op after Commit).
func (r *RejectsFile) Abort() { r.a.Abort() }
