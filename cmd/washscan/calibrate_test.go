package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
	"github.com/washscan/washscan/detect"
)

func TestCalibrate(t *testing.T) {
	dir := t.TempDir()
	trades := filepath.Join(dir, "m.csv")
	funders := filepath.Join(dir, "f.csv")
	w, err := datasets.CreateWriter(trades)
	if err != nil {
		t.Fatal(err)
	}
	ff, err := os.Create(funders)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Generate(synth.Config{Trades: 20000, Seed: 3}, w, ff); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ff.Close()
	out := filepath.Join(dir, "w.json")

	code, stdout, stderr := runCmd(t, "calibrate", "--trades", trades, "--funders", funders, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"fitted weights", "common_funder", "weights written to " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	wt, err := detect.ReadWeights(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(wt.Weights) == 0 {
		t.Errorf("no weights in %s", out)
	}
	for k, v := range wt.Weights {
		if v < 0 {
			t.Errorf("%s: negative weight %v", k, v)
		}
	}
	// Same input, same file.
	out2 := filepath.Join(dir, "w2.json")
	runCmd(t, "calibrate", "--trades", trades, "--funders", funders, "--out", out2)
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(out2)
	if string(a) != string(b) {
		t.Error("two calibrations of the same data differ")
	}

	unlabeled := filepath.Join(dir, "u.csv")
	os.WriteFile(unlabeled, []byte("block_time,tx_hash,contract,token_id,seller,buyer,price\n"+
		"2022-01-01,0x"+strings.Repeat("a", 64)+",0x"+strings.Repeat("b", 40)+",1,0x"+strings.Repeat("c", 40)+",0x"+strings.Repeat("d", 40)+",1\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"calibrate", "--trades", trades}, exitUsage},                                // no --out
		{[]string{"calibrate", "--out", out}, exitUsage},                                      // no --trades
		{[]string{"calibrate", "--trades", trades, "--out", out, "--preset", "x"}, exitUsage}, // unknown preset
		{[]string{"calibrate", "--trades", trades, "--out", out, "--param", "nope.x=1"}, exitUsage},
		{[]string{"calibrate", "--trades", unlabeled, "--out", out}, exitBadData},
		{[]string{"calibrate", "--trades", filepath.Join(dir, "missing.csv"), "--out", out}, exitNoInput},
	} {
		if code, _, stderr := runCmd(t, c.args...); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, stderr)
		}
	}
}
