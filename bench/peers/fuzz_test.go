package peers

import (
	"os"
	"strings"
	"testing"
)

// FuzzParseTimeV checks that no time -v report crashes the parser.
func FuzzParseTimeV(f *testing.F) {
	if b, err := os.ReadFile("testdata/time-v.txt"); err == nil {
		f.Add(string(b))
	}
	f.Add("Elapsed (wall clock) time (h:mm:ss or m:ss): 1:2:3:4\nMaximum resident set size (kbytes): x\n")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseTimeV(strings.NewReader(s))
		if err == nil && u.MaxRSSKB < 0 && !strings.Contains(s, "-") {
			t.Errorf("negative RSS from %q", s)
		}
	})
}

// FuzzReadFlags checks that no flags or DuckDB CSV crashes the readers.
func FuzzReadFlags(f *testing.F) {
	f.Add("tx_hash,log_index,contract,token_id,is_wash\n0xA1,0,0xC,007,true\n")
	f.Add("tx_hash,log_index,contract,token_id,filters\n0xa1,,0xc,,1|2\n\"x")
	f.Fuzz(func(t *testing.T, s string) {
		set, n, err := ReadFlags(strings.NewReader(s))
		if err == nil && len(set) > n {
			t.Errorf("%d flagged of %d rows", len(set), n)
		}
		if d, err := ReadDuckDB(strings.NewReader(s)); err == nil {
			for k := range d {
				if strings.ToLower(k.Tx) != k.Tx {
					t.Errorf("key not lower-cased: %v", k)
				}
			}
		}
	})
}
