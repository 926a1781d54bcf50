package analysis

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listDir returns the names in dir, to find left-over temporary files.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func sampleOptions(dir string) Options {
	return Options{
		Settings: Settings{Threshold: DefaultThreshold, Metrics: metrics.Options{Range: metrics.Ranges[2], Top: 10}, Version: "test"},
		Out:      filepath.Join(dir, "m.json"),
		Flags:    filepath.Join(dir, "flags.csv"),
	}
}

// Run writes exactly what Analyze computes: the metrics JSON and the flags
// of the same table, and nothing else.
func TestRunWritesWhatAnalyzeComputes(t *testing.T) {
	dir := t.TempDir()
	opt := sampleOptions(dir)
	var stages []string
	opt.Stage = func(name string) { stages = append(stages, name) }
	res, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(stages, ","); got != "load,features,detect,market_tests,metrics,write" {
		t.Errorf("stages %s", got)
	}
	t2, err := Load(context.Background(), Input{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt.Stage = nil
	r2, err := Analyze(context.Background(), t2, opt.Settings)
	if err != nil {
		t.Fatal(err)
	}
	var wantM, wantF bytes.Buffer
	if err := r2.Metrics.WriteJSON(&wantM); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteTo(&wantF, "csv", t2, r2.Scores, report.Options{Threshold: opt.Threshold}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{opt.Out: wantM.Bytes(), opt.Flags: wantF.Bytes()} {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes (%v), want the %d bytes Analyze gives", path, len(got), err, len(want))
		}
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("dir holds %v, want only m.json and flags.csv", got)
	}
	flagged := 0
	for _, v := range res.Verdicts {
		if v {
			flagged++
		}
	}
	if flagged == 0 || flagged == len(res.Verdicts) {
		t.Errorf("%d of %d rows flagged", flagged, len(res.Verdicts))
	}
	if res.Config.Preset != registry.Default {
		t.Errorf("preset %s, want the default", res.Config.Preset.Name)
	}
	// Run frees the features and findings unless told to keep them.
	if res.Features != nil || res.Result != nil || res.Scores == nil || res.Metrics == nil {
		t.Errorf("Run kept features %v, findings %v; scores %v, metrics %v", res.Features != nil, res.Result != nil, res.Scores != nil, res.Metrics != nil)
	}
	opt.KeepAll = true
	if res, err = Run(context.Background(), opt); err != nil || res.Features == nil || res.Result == nil {
		t.Errorf("KeepAll: %v", err)
	}
}

// A cancelled run writes nothing, leaves the old files and no temporaries,
// and returns the context's cause.
func TestRunCancelled(t *testing.T) {
	dir := t.TempDir()
	opt := sampleOptions(dir)
	writeFile(t, dir, "m.json", "old")
	cause := errors.New("interrupted")
	ctx, cancel := context.WithCancelCause(context.Background())
	stage := ""
	opt.Stage = func(name string) {
		if name == stage {
			cancel(cause)
		}
	}
	for _, stage = range []string{"load", "detect", "metrics"} {
		if _, err := Run(ctx, opt); !errors.Is(err, cause) {
			t.Errorf("cancelled after %s: err %v, want the cause", stage, err)
		}
		if got := listDir(t, dir); len(got) != 1 || got[0] != "m.json" {
			t.Errorf("cancelled after %s: dir holds %v", stage, got)
		}
		if b, _ := os.ReadFile(opt.Out); string(b) != "old" {
			t.Errorf("cancelled after %s: m.json = %.20q", stage, b)
		}
		cancel(nil)
		ctx, cancel = context.WithCancelCause(context.Background())
	}
	cancel(nil)
}

// A cancellation that arrives while the outputs are renamed waits for them:
// everything is committed and Run returns the cause.
func TestRunCancelledDuringCommit(t *testing.T) {
	dir := t.TempDir()
	opt := sampleOptions(dir)
	cause := errors.New("terminated")
	ctx, cancel := context.WithCancelCause(context.Background())
	testHookRenaming = func() { cancel(cause) }
	defer func() { testHookRenaming = nil }()
	if _, err := Run(ctx, opt); !errors.Is(err, cause) {
		t.Fatalf("err %v, want the cause", err)
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("dir holds %v, want both outputs committed", got)
	}
	for _, p := range []string{opt.Out, opt.Flags} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// When one output fails to encode (here an extra output, as a report's
// would), none is committed: the old metrics stay, no flags file appears,
// and no temporary file is left.
func TestRunEncodingFailureCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	opt := sampleOptions(dir)
	writeFile(t, dir, "m.json", "old")
	boom := errors.New("boom")
	opt.Extra = []Output{{Option: "--html", Path: filepath.Join(dir, "r.html"), Encode: func(w io.Writer, r *Result) error {
		if r.Metrics == nil || r.Scores == nil {
			t.Error("the extra output sees no result")
		}
		io.WriteString(w, "<html>")
		return boom
	}}}
	if _, err := Run(context.Background(), opt); !errors.Is(err, boom) || !strings.Contains(err.Error(), "--html") {
		t.Fatalf("err %v, want boom naming --html", err)
	}
	if got := listDir(t, dir); len(got) != 1 || got[0] != "m.json" {
		t.Errorf("dir holds %v, want only the old m.json", got)
	}
	if b, _ := os.ReadFile(opt.Out); string(b) != "old" {
		t.Errorf("m.json = %.20q", b)
	}
}
