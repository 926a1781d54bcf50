package datasets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const (
	hdr  = "block_time,tx_hash,contract,token_id,seller,buyer,price\n"
	tx1  = "0x1111111111111111111111111111111111111111111111111111111111111111"
	tx2  = "0x2222222222222222222222222222222222222222222222222222222222222222"
	con  = "0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb"
	sA   = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	sB   = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	zero = "0x0000000000000000000000000000000000000000"
)

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadString(t testing.TB, name, content string, opt LoadOptions) (*Trades, error) {
	t.Helper()
	return Load([]string{writeFile(t, t.TempDir(), name, content)}, opt)
}

func TestLoadBadRows(t *testing.T) {
	good := "2022-06-30T00:00:00Z," + tx1 + "," + con + ",1," + sA + "," + sB + ",1.5"
	cases := []struct {
		name, body string
		line       int64
		col        string
		want       error
	}{
		{"bad hex", "2022-06-30," + tx1 + "," + con + ",1," + sA + ",0xzz" + sB[4:] + ",1", 2, "buyer", ErrBadHex},
		{"short address", "2022-06-30," + tx1 + "," + con + ",1," + sA[:40] + "," + sB + ",1", 2, "seller", ErrBadHex},
		{"bad tx", "2022-06-30,0x12," + con + ",1," + sA + "," + sB + ",1", 2, "tx_hash", ErrBadHex},
		{"bad number", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1.2.3", 2, "price", ErrBadNumber},
		{"nan", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",NaN", 2, "price", ErrBadNumber},
		{"inf", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1e999", 2, "price", ErrBadNumber},
		{"above 1e36", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1.7e308", 2, "price", ErrBadNumber},
		{"just above 1e36", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1000000000000000000000000000000000001e1", 2, "price", ErrBadNumber},
		{"hexfloat", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",0x1p3", 2, "price", ErrBadNumber},
		{"negative", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",-1", 2, "price", ErrNegative},
		{"bad time", "yesterday," + tx1 + "," + con + ",1," + sA + "," + sB + ",1", 2, "block_time", ErrBadTime},
		{"bad date", "2022-02-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1", 2, "block_time", ErrBadTime},
		{"long token", "2022-06-30," + tx1 + "," + con + "," + strings.Repeat("9", 79) + "," + sA + "," + sB + ",1", 2, "token_id", ErrTokenIDLength},
		{"token over 2^256", "2022-06-30," + tx1 + "," + con + "," + strings.Repeat("9", 78) + "," + sA + "," + sB + ",1", 2, "token_id", ErrBadNumber},
		{"token not decimal", "2022-06-30," + tx1 + "," + con + ",0x1," + sA + "," + sB + ",1", 2, "token_id", ErrBadNumber},
		{"missing price", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",", 2, "price", ErrMissing},
		{"missing token", "2022-06-30," + tx1 + "," + con + ",," + sA + "," + sB + ",1", 2, "token_id", ErrMissing},
		{"missing time", "," + tx1 + "," + con + ",1," + sA + "," + sB + ",1", 2, "block_time", ErrMissing},
		{"field count", "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB, 2, "", ErrFieldCount},
		{"bad quote", `"2022-06-30"x,` + tx1 + "," + con + ",1," + sA + "," + sB + ",1", 2, "", ErrBadValue},
		{"second line", good + "\n" + "2022-06-30," + tx2 + "," + con + ",1," + sA + "," + sB + ",-5", 3, "price", ErrNegative},
		{"after quoted newline", "\"2022-06-30\n\"," + tx1 + "," + con + ",1," + sA + "," + sB + ",1\n" +
			"2022-06-30," + tx2 + "," + con + ",1," + sA + "," + sB + ",x", 4, "price", ErrBadNumber},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadString(t, "x.csv", hdr+c.body+"\n", LoadOptions{})
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("err %v, want *RowError", err)
			}
			if re.Line != c.line || re.Column != c.col || !errors.Is(err, c.want) || !strings.HasSuffix(re.File, "x.csv") {
				t.Errorf("got %v (line %d col %q), want line %d col %q %v", err, re.Line, re.Column, c.line, c.col, c.want)
			}
			if re.Raw == "" {
				t.Error("empty Raw")
			}
			// Skipping: the good rows load, the bad row is handed over.
			var rej []*RowError
			tr, err := loadString(t, "x.csv", hdr+c.body+"\n", LoadOptions{SkipBadRows: true, OnReject: func(e *RowError) { rej = append(rej, e) }})
			if err != nil {
				t.Fatal(err)
			}
			s := tr.Stats
			if len(rej) != 1 || s.RowsRejected != 1 || s.RowsRead != s.RowsLoaded+s.RowsRejected+s.RowsDuplicate {
				t.Errorf("rejects %d stats %+v", len(rej), s)
			}
		})
	}
}

func TestConflictMessage(t *testing.T) {
	row := "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ","
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", hdr+row+"1\n")
	b := writeFile(t, dir, "b.csv", hdr+"\n"+row+"1\n"+row+"2\n")
	tr, err := Load([]string{a, b}, LoadOptions{SkipBadRows: true, OnReject: func(e *RowError) {
		want := b + ":4: column price: conflicts with " + a + ":2"
		if e.Error() != want {
			t.Errorf("got %q, want %q", e.Error(), want)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Stats; s != (LoadStats{RowsRead: 3, RowsLoaded: 1, RowsDuplicate: 1, RowsRejected: 1}) {
		t.Errorf("stats %+v", s)
	}
	if len(tr.Files) != 2 || tr.Files[1] != b {
		t.Errorf("files %v", tr.Files)
	}
}

func TestLoadValues(t *testing.T) {
	body := "\ufeff Block_Time ,TX_HASH,nft_contract_address,token_id,Seller,buyer,amount_original,blockchain,currency_symbol,project,evt_index,number_of_items,amount_usd,token_standard,is_wash,extra,tx_from\n" +
		"2022-06-30 12:34:56.789 UTC," + "0X" + tx1[2:] + "," + "0X" + strings.ToUpper(con[2:]) + ",007,," + zero + ",1e2,Polygon,weth,OpenSea,3,2,5.5,ERC1155,TRUE,whatever,\r\n" +
		"1656592496," + tx2 + "," + con + ",0," + sA + "," + sB + ",0,,,,,,,erc721,0,,\r\n" +
		"\n"
	tr, err := loadString(t, "v.csv", body, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 2 {
		t.Fatalf("%d rows", tr.Len())
	}
	r := tr.Row(0)
	if r.BlockTime != 1656592496 || r.TokenID != "7" || r.Chain != "polygon" || r.Currency != "WETH" || r.Platform != "opensea" ||
		r.LogIndex != 3 || r.Amount != "2" || r.Price != "100" || r.PriceUSD != "5.5" || r.Standard != ERC1155 || r.Label != LabelWash ||
		r.Contract.String() != con || r.TxFrom != nil {
		t.Errorf("row 0: %+v", r)
	}
	if tr.Seller[0] != NoAddr || !tr.Addrs.Unknown(tr.Buyer[0]) || tr.Buyer[0] == NoAddr {
		t.Errorf("unknown parties: seller %d buyer %d", tr.Seller[0], tr.Buyer[0])
	}
	r = tr.Row(1)
	if r.BlockTime != 1656592496 || r.TokenID != "0" || r.Chain != "ethereum" || r.Currency != "" || r.Amount != "1" ||
		r.Label != LabelOrganic || !math.IsNaN(tr.PriceUSD[1]) || tr.Origins.Line(1) != 3 {
		t.Errorf("row 1: %+v line %d", r, tr.Origins.Line(1))
	}
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in, layout string
		want       int64
		ok         bool
	}{
		{"2022-06-30T12:34:56Z", "", 1656592496, true},
		{"2022-06-30t12:34:56z", "", 1656592496, true},
		{"2022-06-30T14:34:56+02:00", "", 1656592496, true},
		{"2022-06-30T10:34:56-0200", "", 1656592496, true},
		{"2022-06-30T12:34:56.999999999Z", "", 1656592496, true},
		{"2022-06-30 12:34:56.000 UTC", "", 1656592496, true},
		{"2022-06-30 12:34:56 UTC", "", 1656592496, true},
		{"2022-06-30 12:34:56", "", 1656592496, true},
		{"2022-06-30", "", 1656547200, true},
		{"1656592496", "", 1656592496, true},
		{"0", "", 0, true},
		{"06/30/22", "01/02/06", 1656547200, true},
		{"06/30/22", "", 0, false},
		{"2022-13-01", "", 0, false},
		{"2022-06-30T24:00:00Z", "", 0, false},
		{"2022-06-30T12:34:60Z", "", 0, false},
		{"1969-12-31T23:59:59Z", "", 0, false},
		{"-1", "", 0, false},
		{"99999999999999", "", 99999999999, true}, // 14 digits: milliseconds
		{"999999999999999999", "", 0, false},      // milliseconds past 9999
		{"2022-06-30T12:34:56.Z", "", 0, false},
		{"", "", 0, false},
		{"2000-02-29", "", 951782400, true},
		{"1900-02-29", "", 0, false},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in, c.layout)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseTime(%q, %q) = %d, %v; want %d ok=%v", c.in, c.layout, got, err, c.want, c.ok)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	cases := []struct {
		name, body string
		opt        LoadOptions
		col        string
	}{
		{"no price", "block_time,tx_hash,contract,token_id,seller,buyer\n", LoadOptions{}, "price"},
		{"no token", "block_time,tx_hash,contract,seller,buyer,price\n", LoadOptions{}, "token_id"},
		{"no contract", "block_time,tx_hash,token_id,seller,buyer,price\n", LoadOptions{}, "contract"},
		{"no buyer", "block_time,tx_hash,contract,token_id,seller,price\n", LoadOptions{}, "buyer"},
	}
	for _, c := range cases {
		_, err := loadString(t, "h.csv", c.body, LoadOptions{SkipBadRows: true})
		var re *RowError
		if !errors.As(err, &re) || re.Column != c.col || re.Line != 1 || !errors.Is(err, ErrMissing) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// --set supplies the column; erc20 needs no token_id.
	tr, err := loadString(t, "h.csv", "block_time,tx_hash,seller,buyer,price\n2022-06-30,"+tx1+","+sA+","+sB+",1\n",
		LoadOptions{Set: map[string]string{"contract": con, "token_standard": "erc20"}})
	if err != nil || tr.Len() != 1 || tr.Standard[0] != ERC20 || tr.Assets.TokenID[tr.Asset[0]] != "" {
		t.Errorf("erc20 via --set: %v", err)
	}
	// Header only: empty dataset. Empty file: empty dataset.
	for _, body := range []string{hdr, hdr[:len(hdr)-1], "", "\ufeff"} {
		tr, err := loadString(t, "e.csv", body, LoadOptions{})
		if err != nil || tr.Len() != 0 || tr.Stats.RowsRead != 0 {
			t.Errorf("%q: %v", body, err)
		}
	}
	// Bad options.
	for _, opt := range []LoadOptions{
		{Map: map[string]string{"nonsense": "x"}},
		{Set: map[string]string{"nonsense": "x"}},
		{Set: map[string]string{"contract": "0x12"}},
	} {
		if _, err := loadString(t, "o.csv", hdr, opt); !errors.Is(err, ErrBadOption) {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(hdr))
	zw.Close()
	cases := map[string]string{
		"missing.csv":        "",
		"plain.csv.gz":       hdr,
		"plain.csv.zst":      hdr,
		"gzip.csv":           gz.String(),
		"trunc.csv.gz":       gz.String()[:gz.Len()-6],
		"notparquet.parquet": hdr,
		"text.jsonl":         hdr,
	}
	for name, body := range cases {
		path := filepath.Join(dir, name)
		if name != "missing.csv" {
			writeFile(t, dir, name, body)
		}
		_, err := Load([]string{path}, LoadOptions{})
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != path {
			t.Errorf("%s: %v, want *FileError", name, err)
		}
	}
	if _, err := Load([]string{dir}, LoadOptions{}); !errors.As(err, new(*FileError)) {
		t.Errorf("directory: %v", err)
	}
}

func TestStdinAndFS(t *testing.T) {
	body := hdr + "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1\n"
	tr, err := Load([]string{"-"}, LoadOptions{Stdin: strings.NewReader(body)})
	if err != nil || tr.Len() != 1 || tr.Files[0] != "-" {
		t.Fatalf("stdin: %v", err)
	}
	fsys := fstest.MapFS{
		"m/t.csv":   {Data: []byte(body)},
		"m/f.csv":   {Data: []byte("wallet,funder\n" + sA + "," + sB + "\n")},
		"m/l.txt":   {Data: []byte("# x\n" + sA + " # seller\n\n")},
		"m/t2.json": {Data: []byte(`{"block_time":"2022-06-30","tx_hash":"` + tx2 + `","contract":"` + con + `","token_id":5,"seller":null,"buyer":"` + sB + `","price":2}` + "\n")},
	}
	tr, err = LoadFS(fsys, []string{"m/t.csv", "m/t2.json"}, LoadOptions{})
	if err != nil || tr.Len() != 2 || tr.Origins.Source(1) != 1 || tr.Assets.TokenID[tr.Asset[1]] != "5" || tr.Seller[1] != NoAddr {
		t.Fatalf("LoadFS: %v", err)
	}
	f, err := LoadFundersFS(fsys, "m/f.csv", tr)
	a, _ := ParseAddress(sA)
	b, _ := ParseAddress(sB)
	ia, _ := tr.Addrs.Lookup(a)
	ib, _ := tr.Addrs.Lookup(b)
	if err != nil || f.Of(ia) != ib {
		t.Errorf("funders: %v", err)
	}
	l, err := ReadAddressListFS(fsys, "m/l.txt")
	if err != nil || len(l) != 1 || l[0] != a {
		t.Errorf("list: %v %v", l, err)
	}
	if _, err := LoadFS(fsys, []string{"m/none.csv"}, LoadOptions{}); !errors.As(err, new(*FileError)) {
		t.Errorf("missing in fs: %v", err)
	}
}

func TestDuplicates(t *testing.T) {
	row := "2022-06-30," + tx1 + "," + con + ",1," + sA + "," + sB + ",1.0\n"
	same := "2022-06-30T00:00:00Z," + tx1 + "," + "0X" + strings.ToUpper(con[2:]) + ",001," + sA + "," + sB + ",1\n"
	other := "2022-06-30," + tx1 + "," + con + ",2," + sA + "," + sB + ",1\n"
	tr, err := loadString(t, "d.csv", hdr+row+same+other+row, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Stats; s != (LoadStats{RowsRead: 4, RowsLoaded: 2, RowsDuplicate: 2}) || tr.Len() != 2 || tr.Origins.Line(1) != 4 {
		t.Errorf("stats %+v", tr.Stats)
	}
}

func TestCryptoPunksExcerpt(t *testing.T) {
	opt := LoadOptions{
		Map:        map[string]string{"buyer": "buyer_address", "seller": "seller_address", "price": "eth_price", "block_time": "day", "tx_hash": "transaction_hash"},
		Set:        map[string]string{"contract": con},
		TimeFormat: "01/02/06",
	}
	tr, err := Load([]string{"testdata/cryptopunks_excerpt.csv"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Stats
	if s.RowsRead != 46 || s.RowsRead != s.RowsLoaded+s.RowsRejected+s.RowsDuplicate || s.RowsRejected != 0 {
		t.Errorf("stats %+v", s)
	}
	empty, zeroB := 0, 0
	for i := 0; i < tr.Len(); i++ {
		if tr.Buyer[i] == NoAddr {
			empty++
		} else if tr.Addrs.Unknown(tr.Buyer[i]) {
			zeroB++
		}
	}
	if empty == 0 || zeroB == 0 {
		t.Errorf("empty buyers %d, zero buyers %d", empty, zeroB)
	}
	if r := tr.Row(0); r.BlockTime != 1642118400 || r.TokenID != "1139" || r.Price != "59.9" || r.Contract.String() != con {
		t.Errorf("row 0: %+v", r)
	}
}
