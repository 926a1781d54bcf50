package analysis

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/washscan/washscan/datasets"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// An encoding failure in any output commits none: the old files stay and no
// temporary file is left.
func TestOutputsFailureCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	a, b := writeFile(t, dir, "a.txt", "old a"), filepath.Join(dir, "b.txt")
	outs := NewOutputs(context.Background(), nil)
	if err := outs.Add("--a", a, writeString("new a")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := outs.Add("--b", b, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	}); err != nil {
		t.Fatal(err)
	}
	err := outs.Commit()
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "--b") {
		t.Errorf("commit: %v, want boom naming --b", err)
	}
	if got, _ := os.ReadFile(a); string(got) != "old a" {
		t.Errorf("a.txt = %q, want the old content", got)
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Errorf("dir holds %v, want only a.txt", got)
	}
}

// Add's encoders run one after another; AddBeside's starts at once, beside
// a chained encoder that has not finished, and a failure in it still commits
// nothing.
func TestOutputsAddBeside(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt"), filepath.Join(dir, "c.txt")
	outs := NewOutputs(context.Background(), nil)
	release, besideRan, chainedRan := make(chan struct{}), make(chan struct{}), make(chan struct{})
	if err := outs.Add("--a", a, func(w io.Writer) error {
		<-release // holds the chain until the beside encoder has run
		_, err := io.WriteString(w, "a")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// signal writes s after closing ran.
	signal := func(ran chan struct{}, s string) func(io.Writer) error {
		return func(w io.Writer) error {
			close(ran)
			return writeString(s)(w)
		}
	}
	if err := outs.AddBeside("--b", b, signal(besideRan, "b")); err != nil {
		t.Fatal(err)
	}
	if err := outs.Add("--c", c, signal(chainedRan, "c")); err != nil {
		t.Fatal(err)
	}
	<-besideRan // would block forever if AddBeside waited for --a
	select {
	case <-chainedRan:
		t.Fatal("--c ran before --a finished")
	default:
	}
	close(release)
	if err := outs.Commit(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{a: "a", b: "b", c: "c"} {
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s = %q, want %q", filepath.Base(path), got, want)
		}
	}

	// A failing beside encoder commits nothing.
	old := writeFile(t, dir, "d.txt", "old d")
	outs = NewOutputs(context.Background(), nil)
	if err := outs.Add("--d", old, writeString("new d")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := outs.AddBeside("--e", filepath.Join(dir, "e.txt"), func(io.Writer) error { return boom }); err != nil {
		t.Fatal(err)
	}
	if err := outs.Commit(); !errors.Is(err, boom) {
		t.Errorf("commit: %v, want boom", err)
	}
	if got, _ := os.ReadFile(old); string(got) != "old d" {
		t.Errorf("d.txt = %q, want the old content", got)
	}
}

// Regular files are replaced by rename; "-" and non-regular files (here a
// FIFO; devices take the same path) are written in place, never replaced.
// No test writes to a system device: were the code wrong, it would replace
// the device for everyone on the machine.
func TestOutputsNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	var stdout bytes.Buffer
	outs := NewOutputs(context.Background(), &stdout)
	reg := filepath.Join(dir, "r.txt")
	for _, o := range []struct{ path, data string }{{fifo, "to fifo"}, {"-", "to stdout"}, {reg, "to file"}} {
		if err := outs.Add("--x", o.path, writeString(o.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := outs.Commit(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "to fifo" {
		t.Errorf("fifo read %q", b)
	}
	if stdout.String() != "to stdout" {
		t.Errorf("stdout %q", stdout.String())
	}
	if st, err := os.Stat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
	if b, _ := os.ReadFile(reg); string(b) != "to file" {
		t.Errorf("r.txt = %q", b)
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("dir holds %v", got)
	}
}

func TestCheckPaths(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "x")
	inDir := filepath.Join(dir, "parts")
	if err := os.Mkdir(inDir, 0o755); err != nil {
		t.Fatal(err)
	}
	hard, soft := filepath.Join(dir, "hard.csv"), filepath.Join(dir, "soft.csv")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(in, soft); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "out.json")
	inputs := []string{in, inDir}
	for _, tc := range []struct {
		name string
		outs []Path
		msg  string // "" for no error
	}{
		{"fine", []Path{{"--out", ok, false}, {"--flags", filepath.Join(dir, "f.csv"), false}, {"--x", "-", false}}, ""},
		{"the input", []Path{{"--out", in, false}}, "is the input"},
		{"a hard link to the input", []Path{{"--flags", hard, false}}, "is the input"},
		{"a symbolic link to the input", []Path{{"--rejects", soft, false}}, "is the input"},
		{"the input spelled otherwise", []Path{{"--out", filepath.Join(dir, ".", "parts", "..", "in.csv"), false}}, "is the input"},
		{"inside an input directory", []Path{{"--out", filepath.Join(inDir, "m.json"), false}}, "inside the input directory"},
		{"twice", []Path{{"--out", ok, false}, {"--flags", filepath.Join(dir, "x", "..", "out.json"), false}}, "also the output of --out"},
		{"stdout twice", []Path{{"--out", "-", false}, {"--flags", "-", false}}, "also the output of --out"},
		{"a directory", []Path{{"--out", dir, false}}, "is a directory"},
		{"missing directory", []Path{{"--out", filepath.Join(dir, "nope", "m.json"), false}}, "does not exist"},
		{"parent is a file", []Path{{"--out", filepath.Join(in, "m.json"), false}}, "not a directory"},
		{"a new output directory", []Path{{"--state", filepath.Join(dir, "state"), true}}, ""},
		{"an output directory", []Path{{"--state", dir, true}}, ""},
		{"an output directory that is a file", []Path{{"--state", in, true}}, "not a directory"},
		{"an output directory inside an input directory", []Path{{"--state", filepath.Join(inDir, "s"), true}}, "inside the input directory"},
	} {
		err := CheckPaths(inputs, nil, tc.outs)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var oe *OptionError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err %v, want an OptionError saying %q", tc.name, err, tc.msg)
		}
	}
	if got := listDir(t, dir); len(got) != 4 {
		t.Errorf("CheckPaths left files: %v", got)
	}
}

// Run checks every output before any work: a bad path fails at once and
// names no temporary file; the default rejects.csv counts.
func TestRunChecksOutputsFirst(t *testing.T) {
	dir := t.TempDir()
	trades := filepath.Join(dir, "never-read.csv") // does not exist: a load would be exit 66
	for _, tc := range []struct {
		name string
		opt  Options
		msg  string
	}{
		{"out is the input", Options{Input: Input{Trades: []string{trades}}, Out: trades}, ""},
		{"out in a missing dir", Options{Input: Input{Trades: []string{trades}}, Out: filepath.Join(dir, "no", "m.json")}, "does not exist"},
		{"flags same as out", Options{Input: Input{Trades: []string{trades}}, Out: filepath.Join(dir, "m"), Flags: filepath.Join(dir, "m")}, "want a file ending in .csv"},
		{"flags same as out", Options{Input: Input{Trades: []string{trades}}, Out: filepath.Join(dir, "m.csv"), Flags: filepath.Join(dir, "m.csv")}, "also the output"},
		{"default rejects is out", Options{Input: Input{Trades: []string{trades}, Load: datasets.LoadOptions{SkipBadRows: true}}, Out: DefaultRejects}, "also the output"},
	} {
		_, err := Run(context.Background(), tc.opt)
		var oe *OptionError
		var fe *datasets.FileError
		if tc.msg == "" { // the input does not exist, so it cannot be the same file: the load fails
			if !errors.As(err, &fe) {
				t.Errorf("%s: %v, want a FileError", tc.name, err)
			}
			continue
		}
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("%s: %v, want an OptionError saying %q", tc.name, err, tc.msg)
		}
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("dir holds %v", got)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "c.json", `{"back_and_forth.window": "2d"}`)
	badCfg := writeFile(t, dir, "bad.json", `{"back_and_forth.window": [1]}`)
	w := writeFile(t, dir, "w.json", `{"bias": -1, "weights": {"cycle": 2}}`)
	missing := filepath.Join(dir, "none.json")
	c, err := Resolve(ConfigSpec{Config: cfg, Params: []string{"cycle.max_len=5"}, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	v := c.Params.Values(c.Preset.Detectors)
	if v["back_and_forth.window"] != "2d" || v["cycle.max_len"] != "5" || c.WeightsSource() != w {
		t.Errorf("resolved %v, weights %s", v, c.WeightsSource())
	}
	for _, tc := range []struct {
		spec ConfigSpec
		file bool // a FileError, else an OptionError
		msg  string
	}{
		{ConfigSpec{Preset: "nope"}, false, "--preset"},
		{ConfigSpec{Params: []string{"nope.x=1"}}, false, "nope.x"},
		{ConfigSpec{Params: []string{"back_and_forth.window=soon"}}, false, "back_and_forth.window"},
		{ConfigSpec{Params: []string{"window"}}, false, "detector.name=value"},
		{ConfigSpec{Config: missing}, true, "none.json"},
		{ConfigSpec{Config: badCfg}, false, "--config"},
		{ConfigSpec{Weights: missing}, true, "none.json"},
		{ConfigSpec{Preset: "dune", Weights: w}, false, `weight for "cycle"`},
		{ConfigSpec{Preset: "dune", Weights: w, WeightsOption: "--prior"}, false, "--prior"},
	} {
		_, err := Resolve(tc.spec)
		var fe *datasets.FileError
		var oe *OptionError
		if tc.file && !errors.As(err, &fe) || !tc.file && !errors.As(err, &oe) || err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%+v: err %v, want (file %v) saying %q", tc.spec, err, tc.file, tc.msg)
		}
	}
	// Several presets: a parameter of either is fine, weights go to one.
	cs, err := ResolveAll([]string{"default", "dune"}, ConfigSpec{Params: []string{"cycle.max_len=5"}, Weights: w, WeightsPreset: "default"})
	if err != nil || cs[0].Weights.Source != w || cs[1].WeightsSource() != "builtin" {
		t.Errorf("ResolveAll: %v", err)
	}
}

// Load with no output set commits the rejects file itself.
func TestLoadRejectsWithoutOutputs(t *testing.T) {
	dir := t.TempDir()
	hdr := "block_time,tx_hash,contract,token_id,seller,buyer,price\n"
	row := func(tx, price string) string {
		return "2022-06-30," + tx + ",0x" + strings.Repeat("c", 40) + ",1,0x" + strings.Repeat("a", 40) + ",0x" + strings.Repeat("b", 40) + "," + price + "\n"
	}
	trades := writeFile(t, dir, "t.csv", hdr+row("0x"+strings.Repeat("1", 64), "1")+row("0x"+strings.Repeat("2", 64), "-5"))
	rejects := filepath.Join(dir, "rej.csv")
	tr, err := Load(context.Background(), Input{Trades: []string{trades}, Load: datasets.LoadOptions{SkipBadRows: true}, Rejects: rejects}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(rejects)
	if err != nil || tr.Len() != 1 || !strings.HasPrefix(string(b), "file,line,column,reason,raw\n") || !strings.Contains(string(b), ":") {
		t.Errorf("rows %d, rejects %q, %v", tr.Len(), b, err)
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("dir holds %v", got)
	}
}
