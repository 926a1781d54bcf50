package datasets

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
)

// RejectsWriter writes the --rejects CSV of docs/contract.md §2:
// file,line,column,reason,raw, one row per rejected input row. The caller
// owns w and makes it atomic (package analysis writes it to a temporary
// file committed with the run's other outputs).
type RejectsWriter struct {
	w   *csv.Writer
	err error
}

// NewRejectsWriter starts a rejects file on w, writing its header.
func NewRejectsWriter(w io.Writer) *RejectsWriter {
	r := &RejectsWriter{w: csv.NewWriter(w)}
	r.err = r.w.Write([]string{"file", "line", "column", "reason", "raw"})
	return r
}

// Add writes one rejected row; it has the signature of LoadOptions.OnReject.
// Errors are kept and returned by Flush.
func (r *RejectsWriter) Add(e *RowError) {
	if r.err != nil {
		return
	}
	r.err = r.w.Write([]string{e.File, strconv.FormatInt(e.Line, 10), e.Column, e.Err.Error(), e.Raw})
}

// Flush writes out what is buffered and returns the first error.
func (r *RejectsWriter) Flush() error {
	r.w.Flush()
	return errors.Join(r.err, r.w.Error())
}
