package report

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/washscan/washscan/datasets"
)

// Flags are the verdict columns of a flags file read back, one entry per
// row in file order (the order datasets.Load loads its trade columns in).
type Flags struct {
	IsWash   []bool
	Score    []float64
	Level    []uint8
	Reasons  []string
	Evidence []string
	// EvidenceJSON is nil when the file has no evidence_json column.
	EvidenceJSON []string
	// Metadata is a Parquet file's key-value metadata (nil for text files).
	Metadata map[string]string
}

// verdictColumns are the columns ReadFlags reads.
var verdictColumns = []string{"is_wash", "score", "level", "reasons", "evidence", "evidence_json"}

// ReadFlags reads the verdict columns of a flags file written by WriteWith
// (any of Formats). The trade columns are read with datasets.Load.
func ReadFlags(path string) (*Flags, error) {
	f := FormatOf(path)
	if f == "" {
		return nil, CheckName(path)
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		var pe *fs.PathError
		switch {
		case err == nil:
			err = errors.New("is a directory")
		case errors.As(err, &pe):
			err = pe.Err
		}
		return nil, &datasets.FileError{File: path, Err: err}
	}
	fl := &Flags{}
	var err error
	switch f {
	case ".parquet":
		err = fl.readParquet(path)
	default:
		err = fl.readText(path, f)
	}
	if err != nil {
		return nil, fmt.Errorf("flags %s: %w", path, err)
	}
	return fl, nil
}

// add appends one row from its verdict columns' text.
func (fl *Flags) add(vals map[string]string, hasJSON bool) error {
	w, err := strconv.ParseBool(vals["is_wash"])
	if err != nil {
		return fmt.Errorf("is_wash %q: %w", vals["is_wash"], err)
	}
	s, err := strconv.ParseFloat(vals["score"], 64)
	if err != nil {
		return fmt.Errorf("score %q: %w", vals["score"], err)
	}
	l, err := strconv.ParseUint(vals["level"], 10, 8)
	if err != nil || l > 4 {
		return fmt.Errorf("level %q: want 0 to 4", vals["level"])
	}
	fl.IsWash = append(fl.IsWash, w)
	fl.Score = append(fl.Score, s)
	fl.Level = append(fl.Level, uint8(l))
	fl.Reasons = append(fl.Reasons, vals["reasons"])
	fl.Evidence = append(fl.Evidence, vals["evidence"])
	if hasJSON {
		fl.EvidenceJSON = append(fl.EvidenceJSON, vals["evidence_json"])
	}
	return nil
}

func (fl *Flags) readText(path, f string) error {
	h, err := os.Open(path)
	if err != nil {
		return err
	}
	defer h.Close()
	r, done, err := datasets.DecompressReader(path, h)
	if err != nil {
		return err
	}
	defer done()
	if f == ".jsonl" || f == ".jsonl.gz" || f == ".jsonl.zst" {
		return fl.readJSONL(r)
	}
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, c := range head {
		col[c] = i
	}
	for _, c := range verdictColumns[:5] {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("no %s column: not a flags file", c)
		}
	}
	_, hasJSON := col["evidence_json"]
	vals := map[string]string{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range verdictColumns {
			if i, ok := col[c]; ok {
				vals[c] = rec[i]
			}
		}
		if err := fl.add(vals, hasJSON); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

func (fl *Flags) readJSONL(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 64<<20)
	hasJSON := true
	vals := map[string]string{}
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if _, ok := obj["evidence_json"]; !ok && len(fl.IsWash) == 0 {
			hasJSON = false
		}
		for _, c := range verdictColumns {
			raw, ok := obj[c]
			if !ok && c != "evidence_json" {
				return fmt.Errorf("line %d: no %s: not a flags file", line, c)
			}
			var s string
			if c == "evidence_json" || json.Unmarshal(raw, &s) != nil {
				s = string(raw) // numbers, booleans and the evidence object as written
			}
			vals[c] = s
		}
		if err := fl.add(vals, hasJSON); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

func (fl *Flags) readParquet(path string) error {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	defer rdr.Close()
	kv := rdr.MetaData().KeyValueMetadata()
	fl.Metadata = map[string]string{}
	for i, k := range kv.Keys() {
		if k != "ARROW:schema" {
			fl.Metadata[k] = kv.Values()[i]
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	sch, err := fr.Schema()
	if err != nil {
		return err
	}
	var idx []int
	hasJSON := false
	for _, c := range verdictColumns {
		is := sch.FieldIndices(c)
		if len(is) == 0 {
			if c == "evidence_json" {
				continue
			}
			return fmt.Errorf("no %s column: not a flags file", c)
		}
		hasJSON = hasJSON || c == "evidence_json"
		idx = append(idx, is[0])
	}
	rr, err := fr.GetRecordReader(context.Background(), idx, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	vals := map[string]string{}
	for rr.Next() {
		rec := rr.Record()
		cols := make([]arrow.Array, rec.NumCols())
		for i := range cols {
			cols[i] = rec.Column(i)
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			for i, a := range cols {
				vals[verdictColumns[i]] = cellString(a, r)
			}
			if err := fl.add(vals, hasJSON); err != nil {
				return fmt.Errorf("row %d: %w", len(fl.IsWash)+1, err)
			}
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// cellString returns row r of a as text.
func cellString(a arrow.Array, r int) string {
	if a.IsNull(r) {
		return ""
	}
	switch a := a.(type) {
	case *array.Dictionary:
		return cellString(a.Dictionary(), a.GetValueIndex(r))
	case *array.String:
		return a.Value(r)
	case *array.Boolean:
		return strconv.FormatBool(a.Value(r))
	case *array.Float64:
		return strconv.FormatFloat(a.Value(r), 'f', -1, 64)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(r)), 10)
	}
	return a.ValueStr(r)
}
