package datasets

import "sort"

// Origins records where each row of a table came from: the index in
// Trades.Files of its file and its line (CSV, JSON Lines) or row (Parquet)
// in that file, 1-based. They are stored as runs of rows whose lines follow
// each other in one file: a file without blank lines, multi-line records,
// rejects or duplicates is one run, so a loaded table spends a few bytes on
// them in all instead of 12 a row (a run costs 16 bytes: a table whose every
// row starts a run costs 16 a row). The zero value is empty.
type Origins struct {
	runs []originRun
	n    int // rows
}

// originRun is a run of rows: row row+k came from line line+k of file src.
type originRun struct {
	row  uint32
	src  uint32
	line int64
}

// Append records the origin of the next row.
func (o *Origins) Append(src uint32, line int64) {
	if k := len(o.runs) - 1; k >= 0 {
		r := &o.runs[k]
		if r.src == src && line-r.line == int64(o.n)-int64(r.row) {
			o.n++
			return
		}
	}
	o.runs = append(o.runs, originRun{row: uint32(o.n), src: src, line: line})
	o.n++
}

// Len returns the number of rows recorded.
func (o *Origins) Len() int { return o.n }

// At returns the file index and the line of row i. O(log runs).
func (o *Origins) At(i int) (src uint32, line int64) {
	if i < 0 || i >= o.n {
		panic("datasets: Origins.At: row out of range")
	}
	k := len(o.runs) - 1
	if k > 0 && int(o.runs[k].row) > i {
		k = sort.Search(k, func(j int) bool { return int(o.runs[j+1].row) > i })
	}
	r := &o.runs[k]
	return r.src, r.line + int64(i) - int64(r.row)
}

// Source returns the index in Trades.Files of the file row i came from.
func (o *Origins) Source(i int) uint32 { s, _ := o.At(i); return s }

// Line returns the line (CSV, JSON Lines) or row (Parquet) of row i in its
// file, 1-based.
func (o *Origins) Line(i int) int64 { _, l := o.At(i); return l }

// Runs returns the number of runs the origins are stored in (each 16 bytes).
func (o *Origins) Runs() int { return len(o.runs) }
