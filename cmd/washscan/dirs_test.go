package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestAnalyzeDirectory splits the fixture into two files of a hive partition
// directory that lacks the chain column: the metrics equal the single file's
// but for input.files, which lists the files read.
func TestAnalyzeDirectory(t *testing.T) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i, l := range lines { // drop the chain column (all ethereum)
		_, rest, _ := strings.Cut(l, ",")
		lines[i] = rest
	}
	dir := t.TempDir()
	part := filepath.Join(dir, "chain=ethereum")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	h, rows := lines[0], lines[1:]
	writeFile(t, part, "part-0.csv", h+"\n"+strings.Join(rows[:7], "\n")+"\n")
	writeFile(t, part, "part-1.csv", h+"\n"+strings.Join(rows[7:], "\n")+"\n")
	writeFile(t, part, "_SUCCESS", "")

	code, got, stderr := runCmd(t, "analyze", "--trades", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, want, _ := runCmd(t, "analyze", "--trades", fixture)
	var doc struct {
		Input struct{ Files []string } `json:"input"`
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(part, "part-0.csv"), filepath.Join(part, "part-1.csv")}
	if !reflect.DeepEqual(doc.Input.Files, files) {
		t.Errorf("input.files = %q, want %q", doc.Input.Files, files)
	}
	if mask(got, "input") != mask(want, "input") {
		t.Errorf("a partitioned directory gives other metrics than the file:\n%s", got)
	}
}

// TestDirectoryErrors: a directory without trade files is exit 66 naming it,
// an output inside an input directory a usage error, in every command.
func TestDirectoryErrors(t *testing.T) {
	empty := t.TempDir()
	writeFile(t, empty, "notes.txt", "x")
	full := t.TempDir()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, full, "m.csv", string(data))
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"analyze", "--trades", empty}, exitNoInput, empty},
		{[]string{"bench", "--trades", empty}, exitNoInput, empty},
		{[]string{"calibrate", "--trades", empty, "--out", filepath.Join(t.TempDir(), "w.json")}, exitNoInput, empty},
		{[]string{"analyze", "--trades", full, "--flags", filepath.Join(full, "flags.csv")}, exitUsage, "inside the input directory"},
		{[]string{"bench", "--trades", full, "--out", filepath.Join(full, "b.json")}, exitUsage, "inside the input directory"},
		{[]string{"calibrate", "--trades", full, "--out", filepath.Join(full, "w.json")}, exitUsage, "inside the input directory"},
	} {
		code, _, stderr := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d, %q; want exit %d naming %q", c.args, code, stderr, c.code, c.msg)
		}
	}
}
