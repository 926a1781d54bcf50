package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readFlags returns the is_wash column of a flags CSV, in row order.
func readFlags(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "is_wash" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s: no is_wash column", path)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[col])
	}
	return out
}

// TestAllowListedFunderLinksNobody: an --allow address is unknown everywhere
// (docs/contract.md §1.3: never a wallet, node or link), also when it appears only in the
// --funders file and in no trade. Row 1's parties share an allow-listed
// funder; row 2's share an ordinary one.
func TestAllowListedFunderLinksNobody(t *testing.T) {
	dir := t.TempDir()
	trades := writeFile(t, dir, "t.csv", `block_time,tx_hash,contract,token_id,seller,buyer,price
2022-06-01T00:00:00Z,0x0000000000000000000000000000000000000000000000000000000000000001,0x1111111111111111111111111111111111111111,1,0x00000000000000000000000000000000000000a1,0x00000000000000000000000000000000000000a2,1
2022-06-02T00:00:00Z,0x0000000000000000000000000000000000000000000000000000000000000002,0x1111111111111111111111111111111111111111,2,0x00000000000000000000000000000000000000b1,0x00000000000000000000000000000000000000b2,1
`)
	funders := writeFile(t, dir, "f.csv", `wallet,funder
0x00000000000000000000000000000000000000a1,0x00000000000000000000000000000000000000ee
0x00000000000000000000000000000000000000a2,0x00000000000000000000000000000000000000ee
0x00000000000000000000000000000000000000b1,0x00000000000000000000000000000000000000ff
0x00000000000000000000000000000000000000b2,0x00000000000000000000000000000000000000ff
`)
	allow := writeFile(t, dir, "allow.txt", "# escrow\n0x00000000000000000000000000000000000000EE\n")
	for _, preset := range []string{"dune", "default"} {
		flags := filepath.Join(dir, preset+".csv")
		args := []string{"analyze", "--trades", trades, "--funders", funders, "--allow", allow,
			"--preset", preset, "--flags", flags, "--out", filepath.Join(dir, "m.json")}
		if code, _, stderr := runCmd(t, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", preset, code, stderr)
		}
		got := strings.Join(readFlags(t, flags), ",")
		if preset == "dune" && got != "false,true" {
			t.Errorf("preset dune: is_wash %s, want false,true (allow-listed funder links nobody)", got)
		}
		if preset == "default" && strings.HasPrefix(got, "true") {
			t.Errorf("preset default: is_wash %s, want row 1 not flagged (allow-listed funder links nobody)", got)
		}
	}
}
