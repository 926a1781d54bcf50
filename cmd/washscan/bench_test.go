package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func benchRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code := run(e, append([]string{"bench"}, args...))
	return code, out.String(), errb.String()
}

// benchMarket is a tiny labeled market: A and B trade token 1 back and forth
// (wash), then B sells it to C (organic).
func benchMarket(t *testing.T, dir string, labeled bool) string {
	t.Helper()
	a, b, c := "0x"+strings.Repeat("a", 40), "0x"+strings.Repeat("b", 40), "0x"+strings.Repeat("c", 40)
	k := "0x" + strings.Repeat("d", 40)
	lab := func(s string) string {
		if labeled {
			return s
		}
		return ""
	}
	rows := []string{"block_time,tx_hash,contract,token_id,seller,buyer,price,is_wash"}
	for i, r := range [][4]string{{a, b, "1", "true"}, {b, a, "1.1", "true"}, {a, b, "1", "true"}, {b, c, "3", "false"}, {c, a, "2", "false"}} {
		tx := "0x" + strings.Repeat(string(rune('1'+i)), 64)
		rows = append(rows, "2022-01-0"+string(rune('1'+i))+","+tx+","+k+",1,"+r[0]+","+r[1]+","+r[2]+","+lab(r[3]))
	}
	p := filepath.Join(dir, "market.csv")
	if err := os.WriteFile(p, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	trades := benchMarket(t, dir, true)
	out := filepath.Join(dir, "bench.json")
	plot := filepath.Join(dir, "pr.svg")
	code, stdout, stderr := benchRun(t, "--trades", trades, "--out", out, "--plot", plot, "--timing=false")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "| preset:dune |") || !strings.Contains(stdout, "Labeled rows 5 of 5 (3 wash)") {
		t.Errorf("stdout:\n%s", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Runs []struct {
			Name   string `json:"name"`
			Trades struct {
				TP, FP, FN, TN int
			} `json:"trades"`
		} `json:"runs"`
		Timing any `json:"timing"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Timing != nil {
		t.Error("--timing=false: timing present")
	}
	found := false
	for _, r := range rep.Runs {
		if r.Name == "preset:dune" {
			found = true
			// Dune filter 2 flags the three A↔B legs and nothing else.
			if r.Trades.TP != 3 || r.Trades.FP != 0 || r.Trades.FN != 0 || r.Trades.TN != 2 {
				t.Errorf("preset:dune trades = %+v", r.Trades)
			}
		}
	}
	if !found {
		t.Errorf("no preset:dune run in %s", data)
	}
	if b, err := os.ReadFile(plot); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("plot: %v", err)
	}
}

func TestBenchExitCodes(t *testing.T) {
	dir := t.TempDir()
	unlabeled := filepath.Join(t.TempDir(), "m.csv")
	os.Rename(benchMarket(t, dir, false), unlabeled)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no trades", nil, exitUsage, "--trades"},
		{"no labels", []string{"--trades", unlabeled}, exitBadData, "no labeled rows"},
		{"missing file", []string{"--trades", filepath.Join(dir, "nope.csv")}, exitNoInput, "nope.csv"},
		{"bad plot", []string{"--trades", unlabeled, "--plot", "x.jpg"}, exitUsage, ".png or .svg"},
		{"bad threshold", []string{"--trades", unlabeled, "--threshold", "0"}, exitUsage, "threshold"},
		{"bad preset", []string{"--trades", unlabeled, "--preset", "nope"}, exitUsage, "unknown preset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := benchRun(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}
