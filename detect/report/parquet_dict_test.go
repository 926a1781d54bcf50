package report_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/report"
)

// dictMarket builds n rows whose string columns mix repeated values, empty
// values (NoAddr, ERC-20 token ids, no reasons) and values seen once:
// sellers and buyers come from a small pool, from fresh addresses or are
// missing; token ids repeat across collections.
func dictMarket(seed uint64, n int) (*datasets.Trades, *detect.Scores) {
	r := rand.New(rand.NewPCG(seed, 17))
	t := datasets.NewTrades()
	var sb scoresBuilder
	fresh := 0
	party := func() datasets.AddrID {
		switch k := r.IntN(10); {
		case k == 0:
			return datasets.NoAddr
		case k < 5:
			return t.Addrs.Intern(addr(1 + r.IntN(50))) // a pool of 50
		case k == 5:
			return t.Addrs.Intern(datasets.Address{}) // the zero address prints
		default:
			fresh++
			var a datasets.Address
			a[0], a[1], a[2], a[3] = 0xcd, byte(fresh), byte(fresh>>8), byte(fresh>>16)
			return t.Addrs.Intern(a)
		}
	}
	chains := []string{"ethereum", "polygon", "base"}
	evidence := [][]string{nil, nil, nil, {"self_trade", `seller = buyer, "q"`}, {"back_and_forth", "x\ny"}}
	for i := range n {
		t.Chain = append(t.Chain, t.Chains.Intern(chains[r.IntN(len(chains))]))
		t.Time = append(t.Time, 1656547200+int64(r.IntN(90*86400)))
		t.Block = append(t.Block, uint64(r.IntN(3)*1000))
		t.TxHash = append(t.TxHash, datasets.Hash{byte(r.IntN(256)), byte(i), byte(i >> 8), byte(i >> 16)})
		t.LogIndex = append(t.LogIndex, uint32(i))
		contract := datasets.NoAddr
		if r.IntN(20) > 0 {
			contract = t.Addrs.Intern(addr(1000 + r.IntN(40)))
		}
		tok, std := strconv.Itoa(r.IntN(300)), datasets.ERC721
		switch r.IntN(10) {
		case 0:
			tok, std = "", datasets.ERC20
		case 1:
			std = datasets.ERC1155
		case 2:
			tok = strconv.Itoa(i) + "000000000000000000000000" // long, fresh
		}
		t.Asset = append(t.Asset, t.Assets.Intern(contract, tok))
		t.Standard = append(t.Standard, std)
		t.Seller = append(t.Seller, party())
		t.Buyer = append(t.Buyer, party())
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, float64(r.IntN(4))/3)
		t.Currency = append(t.Currency, t.Currencies.Intern([]string{"", "WETH", "USDC"}[r.IntN(3)]))
		t.PriceUSD = append(t.PriceUSD, float64(r.IntN(100)))
		t.Platform = append(t.Platform, t.Platforms.Intern([]string{"", "opensea", "blur"}[r.IntN(3)]))
		t.TxFrom = append(t.TxFrom, 0)
		t.Label = append(t.Label, datasets.LabelNone)
		t.Origins.Append(0, int64(i+2))
		ev := evidence[r.IntN(len(evidence))]
		if r.IntN(50) == 0 {
			// Reasons and evidence seen once.
			ev = []string{"repeat_trade", fmt.Sprintf("unique evidence %d", i), "unique" + strconv.Itoa(i), ""}
		}
		sb.add(1, ev...)
	}
	t.Files = []string{"in.csv"}
	return t, sb.scores(&detect.Weights{Weights: map[string]float64{"self_trade": 2.2, "back_and_forth": 2.2}})
}

// TestParquetDictionaryColumns writes string columns as per-row-group
// dictionaries; the file must read back, through pqarrow, as the same plain
// strings the CSV flags file holds, row by row across several row groups,
// and each row group's min/max statistics must be those of its values
// (including "", which pqarrow leaves out of a dictionary's statistics).
//
// With small row groups, the builder's arenas are recycled many times.
func TestParquetDictionaryColumns(t *testing.T) {
	for _, rows := range []int{65536, 4096} {
		t.Run(strconv.Itoa(rows), func(t *testing.T) { testParquetDictionaryColumns(t, rows) })
	}
}

func testParquetDictionaryColumns(t *testing.T, rowGroupRows int) {
	defer report.SetRowGroupRows(rowGroupRows)() // the logic does not depend on the size
	n := 3*65536 + 1234
	if testing.Short() {
		n = 70000
	}
	tr, sc := dictMarket(5, n)
	dir := t.TempDir()
	pq, cs := filepath.Join(dir, "flags.parquet"), filepath.Join(dir, "flags.csv")
	for _, p := range []string{pq, cs} {
		if err := report.Write(p, tr, sc, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	want := readCSV(t, cs)[1:]

	rdr, err := file.OpenParquetFile(pq, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	tbl := readTable(t, rdr)
	defer tbl.Release()
	if int(tbl.NumRows()) != n {
		t.Fatalf("%d rows, want %d", tbl.NumRows(), n)
	}
	if rdr.NumRowGroups() < 2 {
		t.Fatalf("%d row groups", rdr.NumRowGroups())
	}
	for c, f := range report.Schema.Fields() {
		if f.Type.ID() != arrow.STRING {
			continue
		}
		if got := tbl.Schema().Field(c).Type; !arrow.TypeEqual(got, f.Type) {
			t.Fatalf("column %s reads back as %s, want %s", f.Name, got, f.Type)
		}
		row := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			s := chunk.(*array.String)
			for k := range s.Len() {
				if got := s.Value(k); got != want[row][c] {
					t.Fatalf("column %s row %d: %q, want %q", f.Name, row, got, want[row][c])
				}
				row++
			}
		}
	}

	// Statistics: per row group, min and max of the values written.
	md := rdr.MetaData()
	lo := 0
	for rg := range md.NumRowGroups() {
		rgm := md.RowGroup(rg)
		hi := lo + int(rgm.NumRows())
		for c, f := range report.Schema.Fields() {
			if f.Type.ID() != arrow.STRING {
				continue
			}
			cc, err := rgm.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil {
				t.Fatal(err)
			}
			if st == nil || !st.HasMinMax() {
				continue // statistics off for this column
			}
			minV, maxV := want[lo][c], want[lo][c]
			for _, r := range want[lo:hi] {
				minV, maxV = min(minV, r[c]), max(maxV, r[c])
			}
			if got := st.EncodeMin(); !bytes.Equal(got, []byte(minV)) {
				t.Errorf("row group %d column %s: min %q, want %q", rg, f.Name, got, minV)
			}
			if got := st.EncodeMax(); !bytes.Equal(got, []byte(maxV)) {
				t.Errorf("row group %d column %s: max %q, want %q", rg, f.Name, got, maxV)
			}
			if st.NullCount() != 0 || st.NumValues() != int64(hi-lo) {
				t.Errorf("row group %d column %s: %d nulls %d values", rg, f.Name, st.NullCount(), st.NumValues())
			}
		}
		lo = hi
	}
}

// TestParquetDirectDictionaries writes the same flags twice, with the
// direct dictionary paths (dictionaries handed to the encoder without
// hashing the indices; log_index, level, amount and score numbered by the
// builder) and with pqarrow's (which hashes every row): the files must be
// byte-identical, dictionaries, indices and statistics alike. (They are as
// long as a row group's indices fit one data page: with more, Parquet's
// hashing starts its first pages at the bit width of a dictionary still
// growing, the direct path at the final one.) One row group has log
// indices too large to number directly, so smallInts' fallback is covered
// too.
func TestParquetDirectDictionaries(t *testing.T) {
	defer report.SetRowGroupRows(65536)()
	n := 3*65536 + 1234
	if testing.Short() {
		n = 70000
	}
	tr, sc := dictMarket(9, n)
	for i := 65536; i < min(n, 2*65536); i += 7 {
		tr.LogIndex[i] = 1<<31 + uint32(i) // needs all 32 bits, unsigned
	}
	// Amounts: runs, a pool, fresh values, NaNs with different payloads;
	// 0 and −0 together in the first row group, −0 alone in the third.
	r := rand.New(rand.NewPCG(9, 10))
	negZero := math.Copysign(0, -1)
	for i := range tr.Amount {
		switch k := r.IntN(20); {
		case k < 10:
			// keep the previous row's amount (1 on the first row)
			if i > 0 {
				tr.Amount[i] = tr.Amount[i-1]
			}
		case k < 15:
			tr.Amount[i] = float64(r.IntN(30)) / 4
		case k < 18:
			tr.Amount[i] = r.Float64() * 1e6
		case k == 18:
			tr.Amount[i] = math.Float64frombits(0x7ff8000000000000 | uint64(r.IntN(4)))
		default:
			tr.Amount[i] = negZero
			if i < 65536 && r.IntN(2) == 0 {
				tr.Amount[i] = 0
			}
		}
	}
	for i := 2 * 65536; i < min(n, 3*65536); i++ {
		if tr.Amount[i] == 0 {
			tr.Amount[i] = negZero
		}
	}
	// Prices: a few values, but distinct in the second row group, which is
	// then written plain.
	for i := 65536; i < min(n, 2*65536); i++ {
		tr.Price[i] = float64(i) / 7
	}
	dir := t.TempDir()
	write := func(name string, direct bool) []byte {
		defer report.SetDirectDict(direct)()
		return writeParquetFile(t, filepath.Join(dir, name), tr, sc)
	}
	direct, hashed := write("direct.parquet", true), write("hashed.parquet", false)
	if !bytes.Equal(direct, hashed) {
		t.Fatalf("direct dictionaries give a different file (%d bytes) from pqarrow's (%d bytes)", len(direct), len(hashed))
	}

	// The prices read back, and only the second row group's are plain.
	rdr, err := file.OpenParquetFile(filepath.Join(dir, "direct.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	price := report.Schema.FieldIndices("price")[0]
	for rg := range rdr.NumRowGroups() {
		cc, err := rdr.MetaData().RowGroup(rg).ColumnChunk(price)
		if err != nil {
			t.Fatal(err)
		}
		if want := rg != 1; cc.HasDictionaryPage() != want {
			t.Errorf("row group %d: price dictionary page %v, want %v", rg, cc.HasDictionaryPage(), want)
		}
	}
	tbl := readTable(t, rdr)
	defer tbl.Release()
	row := 0
	for _, chunk := range tbl.Column(price).Data().Chunks() {
		for _, v := range chunk.(*array.Float64).Float64Values() {
			if v != tr.Price[row] {
				t.Fatalf("price row %d: %v, want %v", row, v, tr.Price[row])
			}
			row++
		}
	}
	if row != n {
		t.Fatalf("%d prices, want %d", row, n)
	}
}

// TestParquetStreamedColumns: the hex columns (tx_hash, seller, buyer),
// formatted and written in chunks of rows, give the file they give written
// whole, for chunks of any multiple of Parquet's write batch (1024 rows);
// a chunk of another size moves their page boundaries, which the
// comparison sees.
func TestParquetStreamedColumns(t *testing.T) {
	defer report.SetRowGroupRows(65536)()
	n := 2*65536 + 1234
	if testing.Short() {
		n = 70000
	}
	tr, sc := dictMarket(5, n)
	p := filepath.Join(t.TempDir(), "flags.parquet")
	write := func(chunk int) []byte {
		defer report.SetStreamChunkRows(chunk)()
		return writeParquetFile(t, p, tr, sc)
	}
	whole := write(1 << 30)
	for _, chunk := range []int{1024, 3 * 1024, 16 * 1024} {
		if got := write(chunk); !bytes.Equal(got, whole) {
			t.Errorf("chunks of %d rows: a different file (%d bytes) from whole columns (%d bytes)", chunk, len(got), len(whole))
		}
	}
	if got := write(1000); bytes.Equal(got, whole) {
		t.Errorf("chunks of 1000 rows give the same file: the comparison does not see page boundaries")
	}
}

// TestParquetEarlyClose: closing each column chunk as soon as it and the
// columns before it are encoded gives the file closing them all at the end
// of the row group gives, with and without the Dune columns, for row
// groups of several sizes (a last one short).
func TestParquetEarlyClose(t *testing.T) {
	n := 3*4096 + 777
	tr, sc := dictMarket(11, n)
	for _, rows := range []int{4096, 65536} {
		for _, dune := range []bool{false, true} {
			write := func(early bool) []byte {
				defer report.SetRowGroupRows(rows)()
				defer report.SetEarlyClose(early)()
				var b bytes.Buffer
				if err := report.WriteTo(&b, ".parquet", tr, sc, report.Options{Threshold: 0.5, Dune: dune}); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()
			}
			early, late := write(true), write(false)
			if !bytes.Equal(early, late) {
				t.Errorf("row groups of %d, dune %v: early closing gives a different file (%d bytes) from closing at the end (%d bytes)", rows, dune, len(early), len(late))
			}
		}
	}
}

// writeParquetFile writes the flags of tr as Parquet to p (threshold 0.5)
// and returns the file.
func writeParquetFile(t *testing.T, p string, tr *datasets.Trades, sc *detect.Scores) []byte {
	t.Helper()
	if err := report.Write(p, tr, sc, 0.5); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTable reads the whole Parquet file of rdr as an Arrow table.
func readTable(t *testing.T, rdr *file.Reader) arrow.Table {
	t.Helper()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}
