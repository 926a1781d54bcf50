package datasets

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"
)

// genRows generates n canonical trades with seed: about n/10 wallets and n/1000
// collections (the benchmark's 10M rows have 1M wallets and 10k collections).
func genRows(n int, seed uint64) func(i int, r *Row) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	wallets := max(n/10, 2)
	colls := max(n/1000, 1)
	return func(i int, r *Row) {
		*r = Row{Chain: "ethereum", Standard: ERC721, Label: LabelNone}
		r.BlockTime = 1600000000 + int64(i)*3
		r.BlockNumber = 11000000 + uint64(i/4)
		r.TxHash[0], r.TxHash[1], r.TxHash[2], r.TxHash[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		for j := 4; j < 32; j++ {
			r.TxHash[j] = byte(rng.Uint32())
		}
		c := rng.IntN(colls)
		r.Contract[0], r.Contract[1], r.Contract[19] = 0xc0, byte(c), byte(c>>8)
		r.TokenID = strconv.Itoa(rng.IntN(10000))
		s, b := rng.IntN(wallets), rng.IntN(wallets)
		r.Seller[0], r.Seller[1], r.Seller[2], r.Seller[3] = 0x5e, byte(s), byte(s>>8), byte(s>>16)
		r.Buyer[0], r.Buyer[1], r.Buyer[2], r.Buyer[3] = 0x5e, byte(b), byte(b>>8), byte(b>>16)
		r.Amount = "1"
		r.Price = strconv.FormatFloat(float64(rng.IntN(100000))/1000, 'f', -1, 64)
		r.Currency = "ETH"
		r.PriceUSD = strconv.FormatFloat(float64(rng.IntN(10000000))/100, 'f', -1, 64)
		r.Platform = []string{"opensea", "blur", "looksrare", "x2y2"}[rng.IntN(4)]
		if i%3 == 0 {
			r.Label = Label(rng.IntN(2))
		}
	}
}

// writeGenerated writes n generated rows to path.
func writeGenerated(tb testing.TB, path string, n int, seed uint64) {
	w, err := CreateWriter(path)
	if err != nil {
		tb.Fatal(err)
	}
	gen := genRows(n, seed)
	var r Row
	for i := 0; i < n; i++ {
		gen(i, &r)
		if err := w.Write(&r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestChunkedEqual checks that CSV and JSON Lines load identically whatever the
// chunk size, with quoted newlines across chunk boundaries.
func TestChunkedEqual(t *testing.T) {
	dir := t.TempDir()
	rows := testRows(2000)
	for i := range rows {
		if i%7 == 0 {
			rows[i].Platform = "multi\nline, \"quoted\""
		}
	}
	for _, name := range []string{"c.csv", "c.jsonl"} {
		path := filepath.Join(dir, name)
		writeRows(t, path, rows)
		want, err := Load([]string{path}, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		old := chunkSize
		for _, cs := range []int{64, 1000, 4096} {
			chunkSize = cs
			got, err := Load([]string{path}, LoadOptions{})
			chunkSize = old
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Origins, want.Origins) || !reflect.DeepEqual(got.TxHash, want.TxHash) ||
				!reflect.DeepEqual(got.Seller, want.Seller) || !reflect.DeepEqual(got.Platform, want.Platform) || got.Stats != want.Stats {
				t.Errorf("%s chunk %d: differs", name, cs)
			}
		}
		if want.Platforms.Value(want.Platform[0]) != "multi\nline, \"quoted\"" {
			t.Errorf("%s: platform %q", name, want.Platforms.Value(want.Platform[0]))
		}
	}
}

// benchRows is the default benchmark size; WASHSCAN_BENCH_ROWS overrides it
// (the 10M figures in the README come from WASHSCAN_BENCH_ROWS=10000000).
func benchRows() int {
	if s := os.Getenv("WASHSCAN_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return 200000
}

// loadGC is the hook washscan's main handed the loader (LoadOptions.OnLoad)
// until session 6: the collector at GOGC 10 while loading. The benchmark
// keeps it to compare with the earlier figures.
func loadGC() func() {
	old := debug.SetGCPercent(10)
	return func() { debug.SetGCPercent(old) }
}

// benchLoad times Load on generated rows in format ext, or on the file
// $WASHSCAN_BENCH_FILE when it is set and has extension ext (e.g. a market
// written by `washscan synth --trades 10000000 --collections 10000`).
func benchLoad(b *testing.B, ext string) {
	n := benchRows()
	dir := os.Getenv("WASHSCAN_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%d-seed1%s", n, ext))
	if p := os.Getenv("WASHSCAN_BENCH_FILE"); p != "" {
		if filepath.Ext(p) != ext {
			b.Skipf("$WASHSCAN_BENCH_FILE %s is not %s", p, ext)
		}
		path, n = p, -1
	} else if _, err := os.Stat(path); err != nil {
		writeGenerated(b, path, n, 1)
	}
	if os.Getenv("WASHSCAN_PARQUET_PATH") == "arrow" { // measure the pqarrow path (BENCHMARKS.md)
		parquetFastOff = true
		defer func() { parquetFastOff = false }()
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		t, err := Load([]string{path}, LoadOptions{OnLoad: loadGC})
		if err != nil {
			b.Fatal(err)
		}
		if n < 0 {
			n = t.Len()
		} else if t.Len() != n {
			b.Fatalf("%d rows, want %d", t.Len(), n)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.Sys)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
	b.ReportMetric(float64(peak)/(1<<20), "sys-MiB")
}

func BenchmarkLoadCSV(b *testing.B)     { benchLoad(b, ".csv") }
func BenchmarkLoadParquet(b *testing.B) { benchLoad(b, ".parquet") }
func BenchmarkLoadJSONL(b *testing.B)   { benchLoad(b, ".jsonl") }

func BenchmarkParseTime(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := ParseTime("2022-06-30 12:34:56.000 UTC", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSortAddrs renumbers a table of 10M rows over 1.5M random
// addresses (the 10M market's shape) into address order.
func BenchmarkSortAddrs(b *testing.B) {
	const rows, addrs = 10_000_000, 1_500_000
	rng := rand.New(rand.NewPCG(1, 2))
	base := NewTrades()
	for range addrs {
		var a Address
		for j := 0; j < len(a); j += 8 {
			v := rng.Uint64()
			for k := j; k < min(j+8, len(a)); k++ {
				a[k], v = byte(v), v>>8
			}
		}
		base.Addrs.Intern(a)
	}
	col := func() []AddrID {
		c := make([]AddrID, rows)
		for i := range c {
			c[i] = AddrID(1 + rng.IntN(addrs))
		}
		return c
	}
	seller, buyer := col(), col()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		t := NewTrades()
		t.Addrs = &Addresses{list: slices.Clone(base.Addrs.list), unknown: slices.Clone(base.Addrs.unknown)}
		t.Seller, t.Buyer, t.TxFrom = slices.Clone(seller), slices.Clone(buyer), slices.Clone(buyer)
		b.StartTimer()
		t.SortAddrs()
	}
}
