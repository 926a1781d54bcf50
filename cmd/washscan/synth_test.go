package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
)

func synthRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code := run(e, append([]string{"synth"}, args...))
	return code, errb.String()
}

func TestSynthCommand(t *testing.T) {
	dir := t.TempDir()
	trades := filepath.Join(dir, "m.csv")
	funders := filepath.Join(dir, "f.csv.gz")
	code, stderr := synthRun(t, "--out", trades, "--funders", funders, "--trades", "2000", "--seed", "3", "--wash-share", "0.1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "2000 rows") {
		t.Errorf("summary %q does not count the rows", stderr)
	}
	tr, err := datasets.Load([]string{trades}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Stats.RowsLoaded != 2000 || tr.Stats.RowsRejected != 0 || tr.Stats.RowsDuplicate != 0 {
		t.Errorf("load stats %+v", tr.Stats)
	}
	if _, err := datasets.LoadFunders(funders, tr); err != nil {
		t.Error(err)
	}
	first, _ := os.ReadFile(trades)
	if code, stderr := synthRun(t, "--out", trades, "--trades", "2000", "--seed", "3", "--wash-share", "0.1", "--quiet"); code != exitOK || stderr != "" {
		t.Fatalf("second run: exit %d, stderr %q", code, stderr)
	}
	if second, _ := os.ReadFile(trades); !bytes.Equal(first, second) {
		t.Error("same flags gave different files")
	}
}

func TestSynthUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"--out", filepath.Join(dir, "x.csv"), "--trades", "0"},
		{"--out", filepath.Join(dir, "x.csv"), "--wash-share", "2"},
		{"--out", filepath.Join(dir, "x.csv"), "--start", "yesterday"},
		{"--out", filepath.Join(dir, "x.csv"), "--funders", filepath.Join(dir, "x.csv")},
		{"--out", filepath.Join(dir, "x.csv"), "extra"},
		{"--out", filepath.Join(dir, "no", "x.csv")},
		{"--out", dir},
		{"--out", filepath.Join(dir, "x.csv"), "--funders", filepath.Join(dir, "no", "f.csv")},
	} {
		if code, _ := synthRun(t, args...); code != exitUsage {
			t.Errorf("synth %q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _ := synthRun(t, "--out", filepath.Join(dir, "x.txt")); code == exitOK {
		t.Error("unknown output format accepted")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("failed runs left %v", m)
	}
}
