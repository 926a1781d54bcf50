package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	const csv = `block_time,tx_hash,contract,token_id,seller,buyer,price
2024-01-01,0x0000000000000000000000000000000000000000000000000000000000000001,0x0000000000000000000000000000000000000009,1,0x0000000000000000000000000000000000000001,0x0000000000000000000000000000000000000002,2
2024-01-02,0x0000000000000000000000000000000000000000000000000000000000000002,0x0000000000000000000000000000000000000009,1,0x0000000000000000000000000000000000000002,0x0000000000000000000000000000000000000001,3
`
	path := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{path}, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"rows 2 ", "\ntx_hash ", "\norigins ", "\ntotal "} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if err := run(nil, &out); err == nil {
		t.Error("no error without files")
	}
}
