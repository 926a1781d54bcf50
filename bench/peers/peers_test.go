package peers

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

const tx1 = "0xAA00000000000000000000000000000000000000000000000000000000000001"
const c1 = "0xB47E3CD837DDF8E4C57F05D70AB865DE6E193BBB"

func TestNormKey(t *testing.T) {
	tests := []struct {
		tx, log, contract, token string
		want                     Key
		err                      bool
	}{
		{tx1, "", c1, "007", Key{strings.ToLower(tx1), 0, strings.ToLower(c1), "7"}, false},
		{tx1, "3", c1, "0", Key{strings.ToLower(tx1), 3, strings.ToLower(c1), "0"}, false},
		{tx1, " 12 ", c1, "", Key{strings.ToLower(tx1), 12, strings.ToLower(c1), ""}, false},
		{tx1, "x", c1, "1", Key{}, true},
	}
	for _, tc := range tests {
		got, err := NormKey(tc.tx, tc.log, tc.contract, tc.token)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("NormKey(%q,%q,%q,%q) = %v, %v; want %v (error %v)", tc.tx, tc.log, tc.contract, tc.token, got, err, tc.want, tc.err)
		}
	}
}

func TestReadAndJaccard(t *testing.T) {
	duck := "tx_hash,log_index,contract,token_id,filters\n" +
		"0xa1,0,0xc,1,2\n" +
		"0xa2,0,0xc,01,3\n" +
		"0xa3,1,0xc,2,1|2\n"
	flags := "chain,tx_hash,log_index,contract,token_id,is_wash,score\n" +
		"ethereum,0xA1,0,0xC,1,true,0.73\n" +
		"ethereum,0xa2,,0xc,1,TRUE,0.73\n" +
		"ethereum,0xa4,0,0xc,3,true,0.73\n" +
		"ethereum,0xa5,0,0xc,3,false,0\n"
	d, err := ReadDuckDB(strings.NewReader(duck))
	if err != nil {
		t.Fatal(err)
	}
	w, n, err := ReadFlags(strings.NewReader(flags))
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 3 || len(w) != 3 || n != 4 {
		t.Fatalf("read %d duckdb, %d washscan of %d rows", len(d), len(w), n)
	}
	j, onlyD, onlyW := Jaccard(d, w)
	if j != 0.5 || len(onlyD) != 1 || onlyD[0].Tx != "0xa3" || len(onlyW) != 1 || onlyW[0].Tx != "0xa4" {
		t.Errorf("Jaccard = %v, %v, %v", j, onlyD, onlyW)
	}
	if j, _, _ := Jaccard(map[Key]bool{}, map[Key]bool{}); j != 1 {
		t.Errorf("Jaccard of empty sets = %v, want 1", j)
	}
	if _, _, err := ReadFlags(strings.NewReader("tx_hash,log_index,contract,token_id\n")); err == nil {
		t.Error("flags without is_wash: want an error")
	}
	if _, _, err := ReadFlags(strings.NewReader("tx_hash,log_index,contract,token_id,is_wash\n0x1,0,0xc,1,maybe\n")); err == nil {
		t.Error("is_wash maybe: want an error")
	}
}

func TestScore(t *testing.T) {
	k := func(s string) Key { return Key{Tx: s} }
	labels := map[Key]bool{k("a"): true, k("b"): true, k("c"): false, k("d"): false}
	flagged := map[Key]bool{k("a"): true, k("c"): true, k("x"): true}
	c := Score(flagged, labels)
	if c.TP != 1 || c.FP != 1 || c.FN != 1 || c.TN != 1 || math.Abs(c.F1-0.5) > 1e-12 {
		t.Errorf("Score = %+v", c)
	}
}

func TestParseTimeV(t *testing.T) {
	f, err := os.Open("testdata/time-v.txt") // a real GNU time -v report of dune.mjs
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := ParseTimeV(f)
	if err != nil {
		t.Fatal(err)
	}
	if u.Wall != 360*time.Millisecond || u.MaxRSSKB != 170548 || u.UserSec != 0.41 || u.SysSec != 0.12 {
		t.Errorf("ParseTimeV = %+v", u)
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{{"1:02:03.5", time.Hour + 2*time.Minute + 3500*time.Millisecond}, {"2:05", 125 * time.Second}} {
		got, err := parseClock(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseClock(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseTimeV(strings.NewReader("nothing here\n")); err == nil {
		t.Error("empty report: want an error")
	}
}
