package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/report"
)

// A Stream fed a table in parts writes what WriteTo writes for the whole
// table: the same bytes in the text formats (one CSV header), the same
// rows and verdicts in Parquet (whose row groups are cut at the parts).
func TestStreamParts(t *testing.T) {
	tr, sc := market(5, 3000)
	cuts := []int{0, 0, 1000, 1001, 2500, 3000} // an empty part too
	opt := report.Options{Threshold: 0.5}
	for _, f := range []string{".csv", ".jsonl", ".csv.gz", ".parquet"} {
		var whole, parts bytes.Buffer
		if err := report.WriteTo(&whole, f, tr, sc, opt); err != nil {
			t.Fatal(err)
		}
		s, err := report.NewStream(&parts, f, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(cuts); i++ {
			if err := s.Write(tr, sc, cuts[i-1], cuts[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if f != ".parquet" && f != ".csv.gz" {
			if !bytes.Equal(parts.Bytes(), whole.Bytes()) {
				t.Errorf("%s: the parts differ from the whole", f)
			}
			continue
		}
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"+f), filepath.Join(dir, "b"+f)
		for path, b := range map[string][]byte{a: whole.Bytes(), b: parts.Bytes()} {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		fa, err := report.ReadFlags(a)
		if err != nil {
			t.Fatal(err)
		}
		fb, err := report.ReadFlags(b)
		if err != nil {
			t.Fatal(err)
		}
		fa.Metadata, fb.Metadata = nil, nil
		if !reflect.DeepEqual(fa, fb) {
			t.Errorf("%s: the verdicts of the parts differ from the whole's", f)
		}
		ta, err := datasets.Load([]string{a}, datasets.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tb, err := datasets.Load([]string{b}, datasets.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ta.Len() != tr.Len() || !reflect.DeepEqual(ta.TxHash, tb.TxHash) || !reflect.DeepEqual(ta.Time, tb.Time) {
			t.Errorf("%s: the trades of the parts differ from the whole's", f)
		}
	}
	// No rows: a CSV file with its header alone.
	var empty bytes.Buffer
	s, err := report.NewStream(&empty, ".csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(empty.Bytes(), []byte("\n")); n != 1 || !bytes.HasPrefix(empty.Bytes(), []byte("chain,")) {
		t.Errorf("empty stream: %q", empty.Bytes())
	}
}
