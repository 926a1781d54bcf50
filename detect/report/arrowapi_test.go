package report

import (
	"bytes"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestArrowInternals fails when an arrow-go upgrade changes what the flags
// writer type-asserts for speed: the dictionary encoder's methods writeDict
// drives (dictSeeder) and the column writers' FlushBufferedDataPages.
// Without them the writer would fall back silently to pqarrow's slower paths
// (same bytes, more time); fix writeDict and writeColumn to the new API.
func TestArrowInternals(t *testing.T) {
	mem := memory.NewGoAllocator()
	props := parquetProps(mem)
	pqSchema, err := pqarrow.ToParquet(Schema, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		t.Fatal(err)
	}
	fw, err := file.NewParquetWriterWithError(&bytes.Buffer{}, pqSchema.Root(), file.WithWriterProps(props))
	if err != nil {
		t.Fatal(err)
	}
	rgw, err := fw.AppendBufferedRowGroupChecked()
	if err != nil {
		t.Fatal(err)
	}
	dicts := 0
	for i, f := range Schema.Fields() {
		cw, err := rgw.Column(i)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := cw.(interface{ FlushBufferedDataPages() error }); !ok {
			t.Errorf("column %s: %T has no FlushBufferedDataPages", f.Name, cw)
		}
		if !slices.Contains(dictColumns, f.Name) || f.Type.ID() == arrow.BOOL { // Parquet has no boolean dictionaries
			continue
		}
		enc := cw.CurrentEncoder()
		if enc.Encoding() != parquet.Encodings.PlainDict {
			t.Errorf("column %s: encoding %v, want a dictionary", f.Name, enc.Encoding())
		}
		if _, ok := enc.(dictSeeder); !ok {
			t.Errorf("column %s: encoder %T is not a dictSeeder (NormalizeDict, PutDictionary, NumEntries)", f.Name, enc)
		}
		dicts++
	}
	if dicts == 0 {
		t.Error("no dictionary column checked")
	}
	if err := rgw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
}
