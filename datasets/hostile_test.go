package datasets

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Hostile inputs, one test per class (README "Bad input"): every case ends
// in a clear error or a correct result, never a crash, a silent loss or an
// unbounded allocation. The allocation bombs run in a child process under
// an address-space limit too (bomb_linux_test.go).

// setAllBut is --set for every required column except tx_hash.
var setAllBut = map[string]string{
	"block_time": "2022-06-30", "contract": con, "token_id": "1", "seller": sA, "buyer": sB, "price": "1",
}

func loadCrafted(t *testing.T, data []byte, opt LoadOptions) (*Trades, error) {
	t.Helper()
	if opt.Set == nil {
		opt.Set = setAllBut
	}
	return LoadFS(fstest.MapFS{"f.parquet": {Data: data}}, []string{"f.parquet"}, opt)
}

// bothPaths runs f with the Parquet fast path on and off.
func bothPaths(t *testing.T, f func(t *testing.T)) {
	for _, off := range []bool{false, true} {
		name := "fast"
		if off {
			name = "pqarrow"
		}
		t.Run(name, func(t *testing.T) {
			old := parquetFastOff
			parquetFastOff = off
			defer func() { parquetFastOff = old }()
			f(t)
		})
	}
}

func TestCraftedParquetLoads(t *testing.T) {
	// The crafting helper makes valid files: one row, plain and zstd.
	for _, codec := range []int32{0, 6} {
		body := plainStrings(tx1)
		page := craftPage{values: 1, uncompressed: int32(len(body)), body: body}
		if codec == 6 {
			page.body = zstdCompress(body)
		}
		bothPaths(t, func(t *testing.T) {
			tr, err := loadCrafted(t, craftParquet("tx_hash", 1, codec, []craftPage{page}), LoadOptions{})
			if err != nil || tr.Len() != 1 || tr.Row(0).TxHash.String() != tx1 {
				t.Fatalf("codec %d: %v", codec, err)
			}
		})
	}
}

// wantFileError checks that err is a *FileError naming f.parquet whose
// message holds want.
func wantFileError(t *testing.T, err error, want string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != "f.parquet" || !strings.Contains(err.Error(), want) {
		t.Fatalf("err %v, want a FileError of f.parquet saying %q", err, want)
	}
	if strings.Contains(err.Error(), "makeslice") || strings.Contains(err.Error(), ":0:") {
		t.Errorf("message %q exposes internals", err)
	}
}

func TestParquetRowCounts(t *testing.T) {
	body := plainStrings(tx1)
	page := []craftPage{{values: 1, uncompressed: int32(len(body)), body: body}}
	bothPaths(t, func(t *testing.T) {
		// A negative count once loaded 0 rows and exited 0.
		_, err := loadCrafted(t, craftParquet("tx_hash", -1, 0, page), LoadOptions{})
		wantFileError(t, err, "claims -1 rows")
		// More rows claimed than the pages hold: once 12.5 GB reserved.
		_, err = loadCrafted(t, craftParquet("tx_hash", 1<<40, 0, page), LoadOptions{})
		wantFileError(t, err, "rows")
		_, err = loadCrafted(t, craftParquet("tx_hash", 3, 0, page), LoadOptions{})
		wantFileError(t, err, "rows")
	})
}

func TestParquetDeepSchema(t *testing.T) {
	for _, depth := range []int{65, 1_000_000} {
		_, err := loadCrafted(t, deepSchemaParquet(depth), LoadOptions{})
		wantFileError(t, err, "malformed Parquet footer")
	}
	// Within the limit, a nested non-canonical column is not even read.
	_, err := loadCrafted(t, deepSchemaParquet(10), LoadOptions{})
	var re *RowError
	if !errors.As(err, &re) || !errors.Is(err, ErrMissing) {
		t.Fatalf("depth 10: %v, want the missing tx_hash column", err)
	}
}

func TestParquetFooterCounts(t *testing.T) {
	// A footer whose schema list claims 2^31 elements in a few bytes.
	f := bytes.NewBuffer(bombs["footer-list-2^31"]())
	_, err := loadCrafted(t, f.Bytes(), LoadOptions{})
	wantFileError(t, err, "malformed Parquet footer")
}

func TestParquetDictionaryClaims(t *testing.T) {
	// A dictionary page claiming 2^19 entries in 64 KiB (16,384 at most).
	body := make([]byte, 64<<10)
	pages := []craftPage{
		{dict: true, values: 1 << 19, uncompressed: int32(len(body)), body: body},
		{values: 1, uncompressed: 2, body: []byte{1, 0}},
	}
	bothPaths(t, func(t *testing.T) {
		_, err := loadCrafted(t, craftParquet("tx_hash", 1, 0, pages), LoadOptions{})
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("err %v, want a FileError", err)
		}
	})
}

func TestCompressedParquetStreams(t *testing.T) {
	// A .parquet.gz is decompressed to a temporary file and loads; the
	// temporary file is gone afterwards.
	body := plainStrings(tx1)
	data := craftParquet("tx_hash", 1, 0, []craftPage{{values: 1, uncompressed: int32(len(body)), body: body}})
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(data)
	w.Close()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	p := writeFile(t, t.TempDir(), "f.parquet.gz", gz.String())
	tr, err := Load([]string{p}, LoadOptions{Set: setAllBut})
	if err != nil || tr.Len() != 1 {
		t.Fatalf("%v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCROnlyLines(t *testing.T) {
	body := strings.ReplaceAll(hdr+"2022-06-30,"+tx1+","+con+",1,"+sA+","+sB+",1\n", "\n", "\r")
	_, err := loadString(t, "m.csv", body, LoadOptions{})
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "CR alone") {
		t.Fatalf("err %v, want a FileError about CR line endings", err)
	}
	// CRLF is fine.
	tr, err := loadString(t, "m.csv", strings.ReplaceAll(body, "\r", "\r\n"), LoadOptions{})
	if err != nil || tr.Len() != 1 {
		t.Fatalf("CRLF: %v", err)
	}
}

func TestLoadCancel(t *testing.T) {
	// 64 MiB of blank lines in a .csv.gz: a canceled load stops, and says so.
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	w.Write([]byte(hdr))
	blank := bytes.Repeat([]byte("\n"), 1<<20)
	for range 64 {
		w.Write(blank)
	}
	w.Close()
	p := writeFile(t, t.TempDir(), "blank.csv.gz", gz.String())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load([]string{p}, LoadOptions{Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	var fe *FileError
	var re *RowError
	if errors.As(err, &fe) || errors.As(err, &re) {
		t.Errorf("a canceled load reads as bad input: %T", err)
	}
	// Canceled in the middle of the load, too.
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := Load([]string{p}, LoadOptions{Context: ctx}); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	// The same for a compressed Parquet file being spilled.
	body := plainStrings(tx1)
	data := craftParquet("tx_hash", 1, 0, []craftPage{{values: 1, uncompressed: int32(len(body)), body: body}})
	var pz bytes.Buffer
	w = gzip.NewWriter(&pz)
	w.Write(data)
	w.Close()
	pp := writeFile(t, t.TempDir(), "f.parquet.gz", pz.String())
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := Load([]string{pp}, LoadOptions{Context: ctx, Set: setAllBut}); !errors.Is(err, context.Canceled) {
		t.Fatalf("parquet.gz: err %v, want context.Canceled", err)
	}
}

func TestRecordTooLongNamesLine(t *testing.T) {
	old := chunkSize
	chunkSize = 1 << 10
	defer func() { chunkSize = old }()
	good := "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1\n"
	body := hdr + good + good + `"` + strings.Repeat("x", maxRecord)
	_, err := loadString(t, "q.csv", body, LoadOptions{})
	var re *RowError
	if !errors.As(err, &re) || re.Line != 4 || !strings.Contains(err.Error(), "q.csv:4:") {
		t.Fatalf("err %v, want line 4", err)
	}
}

func TestHeaderDuplicates(t *testing.T) {
	row := "\n2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1,2\n"
	for _, tc := range []struct{ header, want string }{
		{"block_time,tx_hash,contract,token_id,seller,buyer,price,Price ", `column 7 ("price") and column 8 ("Price ") both name column price`},
		{"block_time,tx_hash,contract,token_id,seller,buyer,amount_original,price", ""}, // alias and canonical: canonical wins
		{"block_time,tx_hash,contract,token_id,seller,buyer,price,blah", ""},
	} {
		tr, err := loadString(t, "d.csv", tc.header+row, LoadOptions{})
		if tc.want == "" {
			if err != nil || tr.Len() != 1 {
				t.Errorf("%s: %v", tc.header, err)
			}
			continue
		}
		var re *RowError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) || re.Line != 1 {
			t.Errorf("%s: err %v, want %q", tc.header, err, tc.want)
		}
	}
	// Two aliases of one column at the same rank, in JSON Lines too.
	_, err := loadString(t, "d.csv", "block_time,tx_hash,contract,token_id,seller,buyer,amount_original,project,x_platform\n", LoadOptions{Map: map[string]string{"platform": "x_platform"}})
	if err != nil {
		t.Fatalf("map beats alias: %v", err)
	}
}

func TestJSONRepeatedKey(t *testing.T) {
	line := `{"block_time":"2022-06-30","tx_hash":"` + tx1 + `","contract":"` + con + `","token_id":"1","seller":"` + sA + `","buyer":"` + sB + `","price":1,"price":2}`
	_, err := loadString(t, "r.jsonl", line+"\n", LoadOptions{})
	var re *RowError
	if !errors.As(err, &re) || re.Line != 1 || re.Column != "price" || !strings.Contains(err.Error(), "repeated") {
		t.Fatalf("err %v, want a bad row: repeated key price", err)
	}
	// An alias beside its canonical name is not a repetition: the canonical wins.
	line2 := strings.Replace(line, `"price":2`, `"amount_original":2`, 1)
	tr, err := loadString(t, "r.jsonl", line2+"\n", LoadOptions{})
	if err != nil || tr.Len() != 1 || tr.Row(0).Price != "1" {
		t.Fatalf("alias: %v", err)
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, col := range []string{"platform", "currency", "chain", "token_standard"} {
		h := strings.TrimSuffix(hdr, "\n") + "," + col + "\n"
		body := h + "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1,op\xffx\n"
		_, err := loadString(t, "u.csv", body, LoadOptions{})
		var re *RowError
		if !errors.As(err, &re) || re.Column != col || re.Line != 2 || !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("%s: err %v, want a bad row", col, err)
		}
	}
}

func TestInvalidUTF8JSON(t *testing.T) {
	line := `{"block_time":"2022-06-30","tx_hash":"` + tx1 + `","contract":"` + con + `","token_id":"1","seller":"` + sA + `","buyer":"` + sB + `","price":1,"platform":"op` + "\xff" + `x"}`
	_, err := loadString(t, "u.jsonl", line+"\n", LoadOptions{})
	var re *RowError
	if !errors.As(err, &re) || re.Line != 1 || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("err %v, want a bad row", err)
	}
}

func TestMapOptions(t *testing.T) {
	row := hdr + "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1\n"
	// A --map source column the file lacks: a usage error listing the header.
	_, err := loadString(t, "m.csv", row, LoadOptions{Map: map[string]string{"price": "price_usdd"}})
	if !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), "price_usdd") || !strings.Contains(err.Error(), "block_time, tx_hash") {
		t.Fatalf("err %v", err)
	}
	// With several files, only a source column no file has is an error.
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", row)
	b := writeFile(t, dir, "b.csv", strings.Replace(row, "price", "cost", 1))
	tr, err := Load([]string{a, b}, LoadOptions{Map: map[string]string{"price": "cost"}})
	if err != nil || tr.Len() != 1 || tr.Stats.RowsDuplicate != 1 {
		t.Fatalf("two files: %v", err)
	}
	if _, err := Load([]string{a, b}, LoadOptions{Map: map[string]string{"price": "cost", "platform": "market"}}); !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), "no input file") {
		t.Fatalf("two files, no source: %v", err)
	}
	// Two --map entries for one column or from one source; two --set keys for one column.
	for _, opt := range []LoadOptions{
		{Map: map[string]string{"price": "a", "PRICE": "b"}},
		{Map: map[string]string{"price": "a", "amount": "A "}},
		{Set: map[string]string{"platform": "a", "Platform": "b"}},
	} {
		if _, err := loadString(t, "m.csv", row, opt); !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), "twice") {
			t.Errorf("%+v: err %v", opt, err)
		}
	}
}

func TestMissingColumnSuggests(t *testing.T) {
	h := "block_time,tx_hash,contract,token_id,seller,buyer_address,price\n"
	_, err := loadString(t, "s.csv", h, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "--map buyer=buyer_address") || !strings.Contains(err.Error(), "its columns: block_time, tx_hash") {
		t.Fatalf("err %v", err)
	}
	if got := suggestColumn("price", []string{"pirce", "amount"}); got != "pirce" {
		t.Errorf("suggest price: %q", got)
	}
	if got := suggestColumn("seller", []string{"seller_a", "seller_b"}); got != "" {
		t.Errorf("ambiguous: %q", got)
	}
	// Parquet: no line 0 in the message.
	_, err = loadCrafted(t, craftParquet("hash", 0, 0, nil), LoadOptions{Set: map[string]string{}})
	if err == nil || strings.Contains(err.Error(), "row 0") || strings.Contains(err.Error(), ":0") {
		t.Fatalf("parquet: %v", err)
	}
}

func TestTimeFormatHint(t *testing.T) {
	body := hdr + "06/30/2022 12:34," + tx1 + "," + con + ",1," + sA + "," + sB + ",1\n"
	_, err := loadString(t, "t.csv", body, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "--time-format '01/02/2006 15:04'") {
		t.Fatalf("err %v", err)
	}
	tr, err := loadString(t, "t.csv", body, LoadOptions{TimeFormat: "01/02/2006 15:04"})
	if err != nil || tr.Time[0] != 1656592440 {
		t.Fatalf("with the layout: %v", err)
	}
}

func TestUnixMillis(t *testing.T) {
	for s, want := range map[string]int64{
		"1656592496":    1656592496,
		"1656592496789": 1656592496,
		"165659249678":  165659249, // 12 digits: milliseconds (1975)
	} {
		got, err := ParseTime(s, "")
		if err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", s, got, err, want)
		}
	}
}

func TestDuneNoLogIndex(t *testing.T) {
	// A Dune nft.wash_trades-style export: no log_index column; an A→B and
	// a B→A of one token in one transaction share tx_hash, contract and
	// token_id. They are distinct transfers (log_index 0 and 1); an exact
	// repeat is still a duplicate.
	h := "block_time,tx_hash,nft_contract_address,token_id,seller,buyer,amount_original\n"
	ab := "2022-06-30," + tx1 + "," + con + ",7," + sA + "," + sB + ",1\n"
	ba := "2022-06-30," + tx1 + "," + con + ",7," + sB + "," + sA + ",1\n"
	other := "2022-06-30," + tx2 + "," + con + ",7," + sA + "," + sB + ",1\n"
	tr, err := loadString(t, "w.csv", h+ab+other+ba+ab, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 3 || tr.Stats.RowsDuplicate != 1 {
		t.Fatalf("%d rows, %d duplicates", tr.Len(), tr.Stats.RowsDuplicate)
	}
	if tr.LogIndex[0] != 0 || tr.LogIndex[1] != 0 || tr.LogIndex[2] != 1 {
		t.Errorf("log indexes %v", tr.LogIndex)
	}
	// With a log_index column, the same rows conflict as before.
	h2 := strings.TrimSuffix(h, "\n") + ",evt_index\n"
	_, err = loadString(t, "w.csv", h2+strings.Replace(ab, "\n", ",0\n", 1)+strings.Replace(ba, "\n", ",0\n", 1), LoadOptions{})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("with evt_index: %v", err)
	}
	// A conflict names the first column that differs (FILE:LINE: column C: reason).
	h3 := hdr[:len(hdr)-1] + ",log_index\n"
	good := "2022-06-30T00:00:00Z," + tx1 + "," + con + ",1," + sA + "," + sB + ",1.5,0\n"
	for col, other := range map[string]string{"price": strings.Replace(good, "1.5", "2", 1), "buyer": strings.Replace(good, sB, sA, 1)} {
		_, err := loadString(t, filepath.Join("c.csv"), h3+good+other, LoadOptions{})
		var re *RowError
		if !errors.As(err, &re) || re.Line != 3 || re.Column != col || !errors.Is(err, ErrConflict) {
			t.Errorf("%s: %v", col, err)
		}
	}
}

func TestFundersLineBound(t *testing.T) {
	// One endless line in a .gz: an error naming the line, not a buffer of
	// any size.
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("wallet,funder\n"))
	w.Write(bytes.Repeat([]byte("a"), 4<<20))
	w.Close()
	p := writeFile(t, t.TempDir(), "f.csv.gz", gz.String())
	_, err := LoadFunders(p, NewTrades())
	var re *RowError
	if !errors.As(err, &re) || re.Line != 2 || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err %v", err)
	}
}

// TestParquetOnlyCanonicalColumns: a file with nested non-canonical columns
// (a list, a struct) loads through the fast path, which decodes the
// canonical leaves only; a nested canonical column is refused by type.
func TestParquetOnlyCanonicalColumns(t *testing.T) {
	fields := []arrow.Field{{Name: "extra", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true}}
	for _, c := range []string{"block_time", "tx_hash", "contract", "token_id", "seller", "buyer", "price"} {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.BinaryTypes.String})
	}
	fields = append(fields, arrow.Field{Name: "meta", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32}), Nullable: true})
	sc := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	vals := []string{"2022-06-30", tx1, con, "1", sA, sB, "1"}
	for r := range 3 {
		b.Field(0).(*array.ListBuilder).AppendNull()
		for j, v := range vals {
			if j == 3 {
				v = fmt.Sprint(r + 1)
			}
			b.Field(j + 1).(*array.StringBuilder).Append(v)
		}
		b.Field(8).(*array.StructBuilder).AppendNull()
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "n.parquet")
	writeRecord(t, path, rec, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	fast := false
	parquetFastHook = func() { fast = true }
	defer func() { parquetFastHook = nil }()
	bothPaths(t, func(t *testing.T) {
		tr, err := Load([]string{path}, LoadOptions{})
		if err != nil || tr.Len() != 3 {
			t.Fatalf("%v", err)
		}
	})
	if !fast {
		t.Error("the fast path did not take a file whose canonical columns are flat")
	}
	// A canonical column that is a list: refused by its type.
	_, err := Load([]string{path}, LoadOptions{Map: map[string]string{"amount": "extra"}})
	if err == nil || !strings.Contains(err.Error(), "unsupported Parquet column type") || strings.Contains(err.Error(), "row 0") {
		t.Fatalf("a list column as amount: %v", err)
	}
}

// TestParquetMillis: an integer block_time column of 12 digits or more is
// milliseconds, as in text; a timestamp column keeps the unit of its type.
func TestParquetMillis(t *testing.T) {
	fields := []arrow.Field{
		{Name: "block_time", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Second}},
		{Name: "tx_hash", Type: arrow.BinaryTypes.String},
	}
	sc := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).Append(1656592496789)
	b.Field(1).(*array.TimestampBuilder).Append(130_000_000_000) // the year 6089
	b.Field(2).(*array.StringBuilder).Append(tx1)
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "ms.parquet")
	writeRecord(t, path, rec, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	set := map[string]string{}
	for k, v := range setAllBut {
		if k != "block_time" {
			set[k] = v
		}
	}
	bothPaths(t, func(t *testing.T) {
		tr, err := Load([]string{path}, LoadOptions{Set: set})
		if err != nil || tr.Time[0] != 1656592496 {
			t.Fatalf("integer milliseconds: %v", err)
		}
		tr, err = Load([]string{path}, LoadOptions{Set: set, Map: map[string]string{"block_time": "ts"}})
		if err != nil || tr.Time[0] != 130_000_000_000 {
			t.Fatalf("timestamp: %v %v", err, tr.Time)
		}
	})
}
