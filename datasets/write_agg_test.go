package datasets

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestWriterAggregatorColumns writes the aggregator extension columns in
// every format: loaders ignore them (the canonical part reads back as
// without them) and each format holds their values.
func TestWriterAggregatorColumns(t *testing.T) {
	rows := testRows(6)
	gem := Address{0x83, 0xc8}
	rows[1].AggregatorName, rows[1].AggregatorAddress = "gem", &gem
	rows[4].AggregatorAddress = &gem // an aggregator with no known name
	dir := t.TempDir()
	for _, name := range []string{"a.csv", "a.jsonl", "a.parquet"} {
		path := filepath.Join(dir, name)
		writeRowsOptions(t, path, rows, WriterOptions{Aggregator: true})
		tr, err := Load([]string{path}, LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range rows {
			want := canonicalRow(rows[i])
			want.AggregatorName, want.AggregatorAddress = "", nil
			if got := tr.Row(i); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s row %d:\n got %+v\nwant %+v", name, i, got, want)
			}
		}
		var names, addrs []string
		switch name {
		case "a.csv", "a.jsonl":
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if name == "a.csv" {
				if want := strings.Join(CanonicalColumns, ",") + ",aggregator_name,aggregator_address"; lines[0] != want {
					t.Fatalf("header %q", lines[0])
				}
				lines = lines[1:]
			}
			for _, l := range lines {
				if name == "a.csv" {
					f := strings.Split(l, ",")
					names, addrs = append(names, f[len(f)-2]), append(addrs, f[len(f)-1])
				} else {
					_, tail, _ := strings.Cut(l, `"is_wash":`)
					names, addrs = append(names, tail[strings.Index(tail, ",")+1:]), append(addrs, "")
				}
			}
		case "a.parquet":
			pf, err := file.OpenParquetFile(path, false)
			if err != nil {
				t.Fatal(err)
			}
			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := fr.ReadTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n := int(tbl.NumCols())
			if tbl.Schema().Field(n-2).Name != "aggregator_name" || tbl.Schema().Field(n-1).Name != "aggregator_address" {
				t.Fatalf("schema %v", tbl.Schema())
			}
			nc := tbl.Column(n - 2).Data().Chunk(0).(*array.String)
			ac := tbl.Column(n - 1).Data().Chunk(0).(*array.String)
			for i := 0; i < nc.Len(); i++ {
				a := ""
				if ac.IsValid(i) {
					a = ac.Value(i)
				}
				names, addrs = append(names, nc.Value(i)), append(addrs, a)
			}
			tbl.Release()
			pf.Close()
		}
		for i := range rows {
			wantA := ""
			if rows[i].AggregatorAddress != nil {
				wantA = rows[i].AggregatorAddress.String()
			}
			switch name {
			case "a.jsonl":
				want := `"aggregator_name":"` + rows[i].AggregatorName + `","aggregator_address":null}`
				if wantA != "" {
					want = `"aggregator_name":"` + rows[i].AggregatorName + `","aggregator_address":"` + wantA + `"}`
				}
				if names[i] != want {
					t.Errorf("%s row %d: %q, want %q", name, i, names[i], want)
				}
			default:
				if names[i] != rows[i].AggregatorName || addrs[i] != wantA {
					t.Errorf("%s row %d: %q %q, want %q %q", name, i, names[i], addrs[i], rows[i].AggregatorName, wantA)
				}
			}
		}
	}
}
