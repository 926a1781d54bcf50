package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFootprint(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("block_time,tx_hash,contract,token_id,seller,buyer,price\n")
	for i := range 200 {
		fmt.Fprintf(&csv, "2024-01-01T00:00:%02dZ,0x%064x,0x%040x,%d,0x%040x,0x%040x,1.5\n", i%60, i+1, 7, i%13, i%17+1, i%19+100)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Load([]string{path}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int64{}
	for _, p := range tr.Footprint() {
		parts[p.Name] = p.Bytes
	}
	n := int64(tr.Len())
	if n != 200 {
		t.Fatalf("%d rows", n)
	}
	for name, per := range map[string]int64{"tx_hash": 32, "block_time": 8, "seller": 4, "is_wash": 1} {
		if got := parts[name]; got < n*per || got > 2*n*per+64*per {
			t.Errorf("%s: %d bytes for %d rows", name, got, n)
		}
	}
	if got := parts["origins"]; got != 16 {
		t.Errorf("origins of one clean file: %d bytes, want one run (16)", got)
	}
	if got := parts["addresses.index"]; got != 0 {
		t.Errorf("a loaded table keeps an address index of %d bytes", got)
	}
	if parts["assets.index"] == 0 {
		t.Error("a loaded table has no asset index: Lookup would write")
	}
	for i := range tr.Len() {
		a := tr.Asset[i]
		if id, ok := tr.Assets.Lookup(tr.Assets.Contract[a], tr.Assets.TokenID[a]); !ok || id != a {
			t.Fatalf("row %d: asset %d looked up as %d %v", i, a, id, ok)
		}
	}
	tab := FootprintTable(tr.Footprint(), tr.Len())
	if !strings.Contains(tab, "tx_hash ") || !strings.HasPrefix(tab[strings.LastIndex(strings.TrimSuffix(tab, "\n"), "\n")+1:], "total") {
		t.Errorf("table:\n%s", tab)
	}
}
