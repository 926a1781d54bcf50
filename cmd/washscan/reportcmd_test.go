package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var figRE = regexp.MustCompile(`<div class="fig" data-field="([a-z_]+)"><span>[a-z_]+</span><b>([^<]*)</b></div>`)

// marketFigures returns the market figures of an HTML report.
func marketFigures(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = s[strings.Index(s, `id="market"`):strings.Index(s, `id="marketplaces"`)]
	out := map[string]string{}
	for _, m := range figRE.FindAllStringSubmatch(s, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestHTMLReports: analyze --html and report --flags (Parquet and CSV) give
// pages whose market figures are the metrics JSON's; from a CSV flags file
// the method says "not recorded".
func TestHTMLReports(t *testing.T) {
	dir := t.TempDir()
	out, pq, csvf := filepath.Join(dir, "m.json"), filepath.Join(dir, "f.parquet"), filepath.Join(dir, "f.csv")
	h1, h2, h3 := filepath.Join(dir, "a.html"), filepath.Join(dir, "b.html"), filepath.Join(dir, "c.html")
	for _, args := range [][]string{
		{"analyze", "--trades", fixture, "--range", "30d", "--out", out, "--flags", pq, "--html", h1},
		{"analyze", "--trades", fixture, "--range", "30d", "--out", filepath.Join(dir, "m2.json"), "--flags", csvf},
		{"report", "--flags", pq, "--range", "30d", "--out", h2},
		{"report", "--flags", csvf, "--range", "30d", "--out", h3},
	} {
		if code, _, stderr := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	var doc struct{ Market map[string]json.RawMessage }
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{h1, h2, h3} {
		got := marketFigures(t, h)
		n := 0
		for k, v := range doc.Market {
			if v[0] == '[' {
				continue
			}
			n++
			if got[k] != string(v) {
				t.Errorf("%s: market %s = %q, metrics JSON %s", filepath.Base(h), k, got[k], v)
			}
		}
		if len(got) != n {
			t.Errorf("%s: %d market figures, want %d", filepath.Base(h), len(got), n)
		}
	}
	c, _ := os.ReadFile(h3)
	if !strings.Contains(string(c), "not recorded") {
		t.Error("the report of a CSV flags file does not say what is not recorded")
	}
	a, _ := os.ReadFile(h2)
	if strings.Contains(string(a), "Preset, threshold and weights: not recorded") || !strings.Contains(string(a), "self_trade") {
		t.Error("the report of a Parquet flags file lacks its recorded method")
	}
}

func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"report", "--out", "x.html"},
		{"report", "--flags", "x.txt", "--out", "x.html"},
		{"report", "--flags", "x.csv", "--out", "x.html", "--range", "2d"},
	} {
		if code, _, _ := runCmd(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := runCmd(t, "report", "--flags", filepath.Join(t.TempDir(), "none.csv"), "--out", filepath.Join(t.TempDir(), "x.html")); code != exitNoInput {
		t.Errorf("a missing flags file: exit %d, want %d", code, exitNoInput)
	}
	// An output path in a missing directory is exit 2 before any work.
	if code, _, stderr := runCmd(t, "report", "--flags", "testdata/market.csv", "--out", filepath.Join(t.TempDir(), "no", "x.html")); code != exitUsage {
		t.Errorf("--out in a missing directory: exit %d, want %d (%s)", code, exitUsage, stderr)
	}
}
