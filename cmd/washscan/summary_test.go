package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/analysis"
)

// TestWriteSummaryAfterRun checks the summary analyze prints on a terminal
// from what analysis.Run returns, which drops the detectors' Result once the
// scores are known: the fired counts come from the scores (the summary used
// to read the dropped Result and panicked).
func TestWriteSummaryAfterRun(t *testing.T) {
	dir := t.TempDir()
	opt := analysis.Options{
		Input: analysis.Input{Trades: []string{fixture}},
		Out:   filepath.Join(dir, "m.json"),
	}
	cfg, err := analysis.Resolve(analysis.ConfigSpec{Weights: "testdata/weights.json"})
	if err != nil {
		t.Fatal(err)
	}
	opt.Config = cfg
	res, err := analysis.Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Result != nil {
		t.Fatal("Run kept the detectors' Result; this test needs the dropped case")
	}
	var errb bytes.Buffer
	e := &env{ctx: context.Background(), stderr: &errb}
	if err := writeSummary(e, res, opt); err != nil {
		t.Fatal(err)
	}
	// Rows reported per detector, counted from the scores' findings.
	want := map[string]int{}
	for _, d := range cfg.Preset.Detectors {
		want[d.Name] = res.Scores.Fired(d)
	}
	if want["self_trade"] != 2 || want["back_and_forth"] == 0 {
		t.Fatalf("fired counts %v: want self_trade 2 and some back_and_forth (testdata/market.csv)", want)
	}
	line := ""
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.Contains(l, "detectors fired (rows):") {
			line = l
		}
	}
	if !strings.Contains(line, "self_trade 2") || !strings.Contains(line, "back_and_forth ") {
		t.Errorf("summary's detectors line %q, want self_trade 2 and back_and_forth; summary:\n%s", line, errb.String())
	}
}
