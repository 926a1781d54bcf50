package datasets

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unsafe"
)

// The fast paths of the CSV loader (plain decimals and integers, the
// one-pass record splitter) are checked here against the plain
// algorithms they replace, on adversarial and random strings.

// checkDecimal compares parseDecimal with its general path and checks that
// the fast path, when it applies, agrees with strconv.
func checkDecimal(t *testing.T, s string) {
	t.Helper()
	got, errG := parseDecimal(s)
	want, errW := parseDecimalSlow(s)
	if fmt.Sprint(errG) != fmt.Sprint(errW) || strconv.FormatFloat(got, 'g', -1, 64) != strconv.FormatFloat(want, 'g', -1, 64) {
		t.Fatalf("parseDecimal(%q) = %v, %v; general path %v, %v", s, got, errG, want, errW)
	}
	if v, ok := parsePlainDecimal(s); ok {
		if f, err := strconv.ParseFloat(s, 64); err != nil || f != v {
			t.Fatalf("parsePlainDecimal(%q) = %v, strconv %v %v", s, v, f, err)
		}
	}
}

func TestParseDecimalFast(t *testing.T) {
	for _, s := range []string{"", ".", "0", "00", "-0", "+1", "1.", ".5", "0.1", "1..2", "1.2.3", "9007199254740991",
		"9007199254740992", "9007199254740993", "0.9007199254740993", "1234567890123456789", "12345678901234567890",
		"0.0000000000000000001", "00000000000000000001", "1e5", "1_0", " 1", "1 ", "0x10", "NaN", "inf",
		"3.14159265358979323846", "0.30000000000000004", "123456.789012345678"} {
		checkDecimal(t, s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const alpha = "0123456789012345678901234567890123456789..e-+x_ "
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+rng.IntN(22))
		for j := range b {
			if rng.IntN(8) == 0 {
				b[j] = alpha[rng.IntN(len(alpha))]
			} else {
				b[j] = '0' + byte(rng.IntN(10))
			}
		}
		if rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = '.'
		}
		checkDecimal(t, string(b))
	}
	// Random float64s in their shortest and fixed forms.
	for i := 0; i < 100000; i++ {
		v := rng.Float64() * float64(uint64(1)<<rng.IntN(60))
		checkDecimal(t, strconv.FormatFloat(v, 'f', -1, 64))
		checkDecimal(t, strconv.FormatFloat(v, 'f', rng.IntN(12), 64))
	}
}

func FuzzParseDecimalFast(f *testing.F) {
	for _, s := range []string{"0", "1.5", "9007199254740993", "0.1", "1234567890.123456789", "1.", ".1", "..", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkDecimal(t, s) })
}

func checkUint(t *testing.T, s string) {
	t.Helper()
	for _, bits := range []int{32, 64} {
		got, errG := parseUint(s, bits)
		want, errW := parseUintSlow(s, bits)
		if got != want || fmt.Sprint(errG) != fmt.Sprint(errW) {
			t.Fatalf("parseUint(%q, %d) = %v, %v; want %v, %v", s, bits, got, errG, want, errW)
		}
	}
}

func TestParseUintFast(t *testing.T) {
	for _, s := range []string{"", "0", "007", "-1", "+1", "4294967295", "4294967296", "18446744073709551615",
		"18446744073709551616", "9999999999999999999", "0000000000000000000001", "1_0", "1 ", "a", "/", ":"} {
		checkUint(t, s)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+rng.IntN(22))
		for j := range b {
			b[j] = '0' + byte(rng.IntN(10))
			if rng.IntN(30) == 0 {
				b[j] = byte(rng.IntN(256))
			}
		}
		checkUint(t, string(b))
	}
}

func FuzzParseUint(f *testing.F) {
	for _, s := range []string{"0", "4294967296", "18446744073709551616", "+5", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkUint(t, s) })
}

// checkSplit compares the one-pass splitter with recordEnd and splitFields,
// the general path, on every record start of text.
func checkSplit(t *testing.T, text string) {
	t.Helper()
	for pos := 0; pos < len(text); pos++ {
		got, end, ok := splitPlain(text, pos, nil)
		if !ok {
			if q := strings.IndexByte(text[pos:], '"'); q < 0 || strings.Contains(text[pos:pos+q], "\n") {
				t.Fatalf("splitPlain(%q, %d) gave up before a quote", text, pos)
			}
			continue
		}
		wend, _, _ := recordEnd(text, pos)
		want, err := splitFields(text[pos:wend], nil)
		if end != wend || err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("splitPlain(%q, %d) = %q %d, want %q %d %v", text, pos, got, end, want, wend, err)
		}
	}
}

func TestSplitPlain(t *testing.T) {
	for _, s := range []string{"", ",", "\n", "a", "a,b", "a,b\nc", "a,\"b\"\n", "abcdefghij,klmnopqrstu\nv,w,,\r\n",
		"\"q\"", ",,,,,,,,,,,,,,,,,", "0123456789abcdef,0123456789abcdef\"", "\xff\x80,\x0a\x2c\x22"} {
		checkSplit(t, s)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const alpha = "abc,,\n\"\r \x00\x80\xff+,"
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(40))
		for j := range b {
			if rng.IntN(3) == 0 {
				b[j] = alpha[rng.IntN(len(alpha))]
			} else {
				b[j] = byte(rng.IntN(256))
			}
		}
		checkSplit(t, string(b))
	}
}

func FuzzSplitPlain(f *testing.F) {
	for _, s := range []string{"a,b\nc", "0123456789,\"x\"\n", ",,\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkSplit(t, s) })
}

// loadBoth loads data as CSV with the one-pass splitter and with the general
// splitter, at several chunk sizes, and fails on any difference in rows,
// stats, rejects or the error.
func loadBoth(t *testing.T, data []byte) {
	t.Helper()
	run := func(general bool, cs int) string {
		oldG, oldC := generalSplit, chunkSize
		generalSplit, chunkSize = general, cs
		defer func() { generalSplit, chunkSize = oldG, oldC }()
		var sb strings.Builder
		fsys := fstest.MapFS{"f.csv": {Data: data}}
		for _, skip := range []bool{true, false} {
			tr, err := LoadFS(fsys, []string{"f.csv"}, LoadOptions{SkipBadRows: skip, OnReject: func(e *RowError) {
				fmt.Fprintf(&sb, "reject %s:%d %s %q %v\n", e.File, e.Line, e.Column, e.Raw, e)
			}})
			dumpLoad(&sb, tr, err)
		}
		return sb.String()
	}
	want := run(true, 4<<20)
	for _, cs := range []int{4 << 20, 97} {
		if got := run(false, cs); got != want {
			t.Fatalf("chunk %d: one-pass split differs from the general split on %q:\n%s\nwant\n%s", cs, data, got, want)
		}
	}
}

// csvMutations builds CSV documents from valid rows by random edits: CRLF
// line ends, blank lines, quoted fields (with newlines, commas and doubled
// quotes), stray quotes, extra or missing fields and bad values.
func csvMutations(rng *rand.Rand, n int) []byte {
	const h = "chain,block_time,block_number,tx_hash,log_index,contract,token_id,token_standard,seller,buyer,amount,price,currency,price_usd,platform,tx_from,is_wash"
	var sb strings.Builder
	sb.WriteString(h + "\n")
	for i := 0; i < n; i++ {
		f := []string{"ethereum", "2022-01-01 00:00:0" + strconv.Itoa(i%10), strconv.Itoa(13916166 + i), fmt.Sprintf("0x%064x", rng.IntN(40)),
			strconv.Itoa(rng.IntN(3)), fmt.Sprintf("0x%040x", rng.IntN(3)), strconv.Itoa(rng.IntN(5)), "erc721",
			fmt.Sprintf("0x%040X", rng.IntN(9)), fmt.Sprintf("0x%040x", rng.IntN(9)), "1", strconv.FormatFloat(rng.Float64()*10, 'f', rng.IntN(6), 64),
			"WETH", "925.74", "blur", fmt.Sprintf("0x%040x", rng.IntN(9)), []string{"true", "false", ""}[rng.IntN(3)]}
		switch k := rng.IntN(16); k {
		case 0:
			f[rng.IntN(len(f))] = `"` + f[rng.IntN(len(f))] + `"`
		case 1:
			f[14] = "\"multi\nline, \"\"q\"\"\""
		case 2:
			f[rng.IntN(len(f))] += `"`
		case 3:
			f = append(f, "x")
		case 4:
			f = f[:len(f)-1]
		case 5:
			f[rng.IntN(len(f))] = []string{"", " ", "x", "-1", "1e999", "0x", "4294967296", "1.5.5", "9007199254740993"}[rng.IntN(9)]
		case 6:
			f[rng.IntN(len(f))] = " " + f[rng.IntN(len(f))] + "\t"
		}
		sb.WriteString(strings.Join(f, ","))
		switch rng.IntN(8) {
		case 0:
			sb.WriteString("\r\n")
		case 1:
			sb.WriteString("\n\n")
		case 2:
			sb.WriteString("\r\n\r\n")
		default:
			sb.WriteString("\n")
		}
	}
	s := sb.String()
	if rng.IntN(2) == 0 {
		s = strings.TrimRight(s, "\r\n")
	}
	return []byte(s)
}

func TestSplitPlainLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 60; i++ {
		loadBoth(t, csvMutations(rng, 1+rng.IntN(60)))
	}
}

func FuzzLoadCSVSplit(f *testing.F) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 4; i++ {
		f.Add(csvMutations(rng, 5))
	}
	f.Add([]byte(hdr + "\"2022-06-30\n\"," + tx1 + "," + con + ",1," + sA + "," + sB + ",1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) { loadBoth(t, data) })
}

// TestPipelineStopNoHang loads many small chunks with a bad row early and no
// --skip-bad-rows: the load must end with the row's error. (Stage A used to
// wait forever for a chunk the producer had queued but not handed to a
// worker when stage B stopped the pipeline.)
func TestPipelineStopNoHang(t *testing.T) {
	good := "2022-06-30T00:00:00Z," + tx1 + "," + con + ",1," + sA + "," + sB + ",1.5\n"
	data := []byte(hdr + good + "bad,row\n" + strings.Repeat(good, 300))
	old := chunkSize
	chunkSize = 64
	defer func() { chunkSize = old }()
	for i := 0; i < 2000; i++ {
		done := make(chan error, 1)
		go func() {
			_, err := LoadFS(fstest.MapFS{"f.csv": {Data: data}}, []string{"f.csv"}, LoadOptions{})
			done <- err
		}()
		select {
		case err := <-done:
			var re *RowError
			if !errors.As(err, &re) || re.Line != 3 {
				t.Fatalf("got %v, want the error of line 3", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the load hangs after a bad row")
		}
	}
}

// TestRecycledChunkText: chunk buffers are reused once merged, so nothing a
// load hands out (rejects kept by OnReject, the table's strings) may point
// into them: kept rejects read at the end as they did when handed out, and
// the table is the one a single-chunk load gives.
func TestRecycledChunkText(t *testing.T) {
	old := chunkSize
	chunkSize = 97
	defer func() { chunkSize = old }()
	rng := rand.New(rand.NewPCG(4, 4))
	for range 20 {
		data := csvMutations(rng, 300)
		type kept struct {
			e        *RowError
			msg, raw string
		}
		var ks []kept
		tr, err := LoadFS(fstest.MapFS{"f.csv": {Data: data}}, []string{"f.csv"}, LoadOptions{SkipBadRows: true, OnReject: func(e *RowError) {
			ks = append(ks, kept{e, e.Error(), strings.Clone(e.Raw)}) // copies: a string shares its bytes
		}})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if k.e.Error() != k.msg || k.e.Raw != k.raw {
				t.Fatalf("a kept reject changed after the load: %q / %q, was %q / %q", k.e.Error(), k.e.Raw, k.msg, k.raw)
			}
		}
		// The table matches a load in one chunk, whose buffer is never reused.
		chunkSize = 4 << 20
		ref, err := LoadFS(fstest.MapFS{"f.csv": {Data: data}}, []string{"f.csv"}, LoadOptions{SkipBadRows: true})
		chunkSize = 97
		if err != nil {
			t.Fatal(err)
		}
		if tr.Len() != ref.Len() {
			t.Fatalf("%d rows, want %d", tr.Len(), ref.Len())
		}
		for i := 0; i < tr.Len(); i++ {
			if got, want := fmt.Sprintf("%+v", tr.Row(i)), fmt.Sprintf("%+v", ref.Row(i)); got != want {
				t.Fatalf("row %d: %s, want %s", i, got, want)
			}
		}
	}
}

// TestStrCacheStable checks that a string cache keeps a caller's string
// only when told the strings are stable: a CSV row's string lies in a
// chunk buffer that is recycled, and a slot keeping it would later match
// other text by its pointer.
func TestStrCacheStable(t *testing.T) {
	keeps := func(c *strCache, s string) bool {
		for _, e := range c.slots {
			if len(e.s) > 0 && unsafe.StringData(e.s) == unsafe.StringData(s) {
				return true
			}
		}
		return false
	}
	d := NewDict()
	var c strCache
	buf := []byte("ETH")
	s := unsafe.String(&buf[0], len(buf))
	eth := c.intern(d, s)
	if c.intern(d, s) != eth || keeps(&c, s) {
		t.Fatal("an unstable cache kept the caller's string")
	}
	copy(buf, "USD")
	if got, want := c.intern(d, s), d.Intern("USD"); got != want || got == eth {
		t.Fatalf("after the buffer changed to USD: id %d, want %d (ETH is %d)", got, want, eth)
	}
	c.stable = true
	row := strings.Clone("ETH")
	if got := c.intern(d, row); got != eth || !keeps(&c, row) {
		t.Fatalf("stable ETH: id %d, want %d, kept %v", got, eth, keeps(&c, row))
	}
	if got := c.intern(d, row); got != eth {
		t.Fatalf("stable ETH again: id %d, want %d", got, eth)
	}
}

// dumpLoad writes what a load returned to sb, one line each: the error, the
// stats and every row with its line, for comparing two loads as text.
func dumpLoad(sb *strings.Builder, tr *Trades, err error) {
	fmt.Fprintf(sb, "err %v\n", err)
	if tr != nil {
		fmt.Fprintf(sb, "stats %+v\n", tr.Stats)
		for i := 0; i < tr.Len(); i++ {
			fmt.Fprintf(sb, "%d %+v\n", tr.Origins.Line(i), tr.Row(i))
		}
	}
}
