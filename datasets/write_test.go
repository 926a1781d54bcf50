package datasets

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testRows returns n varied canonical rows (deterministic).
func testRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		r := &rows[i]
		r.Chain = []string{"ethereum", "polygon", "base"}[i%3]
		r.BlockTime = 1656547200 + int64(i)*37
		if i%4 != 0 {
			r.BlockNumber = 15000000 + uint64(i)
		}
		r.TxHash[0], r.TxHash[31] = byte(i), byte(i>>8)
		r.TxHash[5] = 0xab
		r.LogIndex = uint32(i % 7)
		r.Contract[19] = byte(i % 5)
		r.Contract[0] = 0xb4
		r.Standard = Standard(i % 3)
		if r.Standard != ERC20 {
			r.TokenID = []string{"0", "1", "7804", "115792089237316195423570985008687907853269984665640564039457584007913129639935"}[i%4]
		}
		r.Seller[0], r.Seller[19] = 0x11, byte(i%13)
		if i%9 != 5 {
			r.Buyer[0], r.Buyer[19] = 0x22, byte(i%11)
		}
		r.Amount = []string{"1", "2", "0.5", "1000000000000000000000"}[i%4]
		r.Price = []string{"0", "1.25", "59.9", "1e-9", "12345.678"}[i%5]
		r.Currency = []string{"", "ETH", "WETH", "USDC"}[i%4]
		if i%3 != 1 {
			r.PriceUSD = []string{"0", "2000.5", "194171.84"}[i%3]
		}
		r.Platform = []string{"", "opensea", "blur", "looksrare, inc \"x\""}[i%4]
		if i%2 == 0 {
			a := r.Seller
			a[1] = 0x33
			r.TxFrom = &a
		}
		r.Label = Label(i%3 - 1)
	}
	return rows
}

// canonicalRow is r as it reads back (numbers in shortest float form).
func canonicalRow(r Row) Row {
	norm := func(s string) string {
		if s == "" {
			return s
		}
		v, err := parseDecimal(s)
		if err != nil {
			panic(err)
		}
		return formatFloat(v)
	}
	r.Amount, r.Price, r.PriceUSD = norm(r.Amount), norm(r.Price), norm(r.PriceUSD)
	r.Currency = strings.ToUpper(r.Currency)
	r.Platform = strings.ToLower(r.Platform)
	return r
}

func writeRows(t testing.TB, path string, rows []Row) {
	t.Helper()
	writeRowsOptions(t, path, rows, WriterOptions{})
}

func writeRowsOptions(t testing.TB, path string, rows []Row, opt WriterOptions) {
	t.Helper()
	w, err := CreateWriterOptions(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	rows := testRows(300)
	dir := t.TempDir()
	for _, name := range []string{"t.csv", "t.csv.gz", "t.csv.zst", "t.parquet", "t.jsonl", "t.ndjson.gz", "t.jsonl.zst", "T.CSV"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			writeRows(t, path, rows)
			tr, err := Load([]string{path}, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Len() != len(rows) || tr.Stats.RowsRead != int64(len(rows)) || tr.Stats.RowsLoaded != int64(len(rows)) {
				t.Fatalf("len %d stats %+v, want %d rows", tr.Len(), tr.Stats, len(rows))
			}
			for i := range rows {
				want := canonicalRow(rows[i])
				if got := tr.Row(i); !reflect.DeepEqual(got, want) {
					t.Fatalf("row %d:\n got %+v\nwant %+v", i, got, want)
				}
				if tr.Origins.Source(i) != 0 {
					t.Fatalf("row %d: source %d", i, tr.Origins.Source(i))
				}
			}
			wantLine := int64(2)
			if strings.Contains(name, "parquet") || strings.Contains(name, "json") {
				wantLine = 1
			}
			if tr.Origins.Line(0) != wantLine || tr.Origins.Line(len(rows)-1) != wantLine+int64(len(rows))-1 {
				t.Errorf("lines %d..%d, want from %d", tr.Origins.Line(0), tr.Origins.Line(len(rows)-1), wantLine)
			}
		})
	}
}

func TestWriterCSVText(t *testing.T) {
	r := Row{Chain: "ethereum", BlockTime: 1656592496, Amount: "1", Price: "0.5", Label: LabelNone}
	r.TxHash[31] = 1
	path := filepath.Join(t.TempDir(), "x.csv")
	writeRows(t, path, []Row{r})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(CanonicalColumns, ",") + "\n" +
		"ethereum,2022-06-30T12:34:56Z,,0x" + strings.Repeat("0", 62) + "01,0,0x" + strings.Repeat("0", 40) +
		",,erc721,0x" + strings.Repeat("0", 40) + ",0x" + strings.Repeat("0", 40) + ",1,0.5,,,,,\n"
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

func TestWriterAbortAndErrors(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.csv", "a.parquet", "a.jsonl.gz"} {
		path := filepath.Join(dir, name)
		w, err := CreateWriter(path)
		if err != nil {
			t.Fatal(err)
		}
		rows := testRows(3)
		if err := w.Write(&rows[0]); err != nil {
			t.Fatal(err)
		}
		w.Abort()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: exists after Abort (%v)", name, err)
		}
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	for _, name := range []string{"a.txt", "a.parquet.gz", "a"} {
		if _, err := CreateWriter(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	w, _ := CreateWriter(filepath.Join(dir, "b.parquet"))
	bad := testRows(1)[0]
	bad.Price = "abc"
	if err := w.Write(&bad); err == nil {
		t.Error("bad price: no error")
	}
	w.Abort()
}

// TestAppendHex compares AppendHex with hex.AppendEncode on random bytes
// of every length up to 40, appended to prefixes with and without room.
func TestAppendHex(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 41 {
		for range 200 {
			p := make([]byte, n)
			for i := range p {
				p[i] = byte(r.Uint32())
			}
			prefix := []byte("ab")
			if r.IntN(2) == 0 {
				prefix = append(make([]byte, 0, 200), prefix...)
			}
			want := hex.AppendEncode([]byte("ab0x"), p)
			if got := AppendHex(prefix, p); string(got) != string(want) {
				t.Fatalf("AppendHex(%x) = %s, want %s", p, got, want)
			}
		}
	}
}
