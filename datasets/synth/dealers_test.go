package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// TestDealersMarket checks the dealers generator: the same config gives
// byte-identical files, every pattern and trap appears, is_wash agrees with
// the pattern, and funders are written for wallets that trade.
func TestDealersMarket(t *testing.T) {
	dir := t.TempDir()
	cfg := DealersConfig{Trades: 40000, Seed: 3}
	var files [2][]byte
	for i := range files {
		tp, fp := filepath.Join(dir, "m.csv"), filepath.Join(dir, "f.csv")
		n, wash, err := WriteDealers(context.Background(), cfg, tp, fp)
		if err != nil {
			t.Fatal(err)
		}
		if n < 30000 || wash < n/20 || wash > n/8 {
			t.Fatalf("%d rows, %d wash: want about 40000 and 8%%", n, wash)
		}
		files[i], _ = os.ReadFile(tp)
		if f, _ := os.ReadFile(fp); bytes.Count(f, []byte("\n")) < 100 {
			t.Fatalf("funders file has %d lines", bytes.Count(f, []byte("\n")))
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two runs differ")
	}
	recs, err := csv.NewReader(bytes.NewReader(files[0])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	last := ""
	for _, r := range recs[1:] {
		tag := r[17]
		seen[tag] = true
		if wash := tag[:2] == "w_"; (r[16] == "true") != wash {
			t.Fatalf("row %v: is_wash %s for pattern %s", r, r[16], tag)
		}
		if r[1] < last {
			t.Fatalf("rows out of time order at %v", r)
		}
		last = r[1]
	}
	for _, tag := range dealerTags {
		if !seen[tag] {
			t.Errorf("pattern %s never generated", tag)
		}
	}
	if _, _, err := WriteDealers(context.Background(), DealersConfig{Trades: 10}, filepath.Join(dir, "x.csv"), ""); err == nil {
		t.Error("10 trades accepted")
	}
}
