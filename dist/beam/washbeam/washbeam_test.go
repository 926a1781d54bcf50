package washbeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/dist/beam/internal/partsynth"
)

func TestMain(m *testing.M) {
	registry.Presets = append(registry.Presets, boundedPreset())
	beam.Init()
	os.Exit(m.Run())
}

// boundedPreset is the default preset's detectors of finite reach (today
// all of them), with their default weights: a preset that slices whatever
// the default preset becomes. Prism runs the workers in this process, so
// they find it in the registry too.
func boundedPreset() *detect.Preset {
	var ds []*detect.Detector
	for _, d := range registry.Default.Detectors {
		if _, bad := detect.Horizon([]*detect.Detector{d}, detect.NewParams()); len(bad) == 0 {
			ds = append(ds, d)
		}
	}
	w := detect.Weights{Bias: registry.Default.Weights.Bias, Weights: map[string]float64{}, Source: "builtin"}
	for _, d := range ds {
		w.Weights[d.Name] = registry.Default.Weights.Weights[d.Name]
	}
	return &detect.Preset{Name: "bounded", Doc: "test: the default preset's detectors of finite reach", Detectors: ds, Weights: w}
}

// onPrism runs a pipeline on Prism in process.
func onPrism(ctx context.Context, p *beam.Pipeline) error {
	_, err := prism.Execute(ctx, p)
	return err
}

const testVersion = "test"

// market writes a small labeled market as daily Parquet partitions with
// one CSV day among them, and its funders.
func market(t *testing.T) (dir, funders string) {
	return marketOf(t, synth.Config{Trades: 6000, Seed: 7, Days: 12, Start: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)})
}

func marketOf(t *testing.T, cfg synth.Config) (dir, funders string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "trades")
	funders = filepath.Join(root, "funders.csv")
	f, err := os.Create(funders)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := partsynth.Write(cfg, dir, ".parquet", f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// One day as CSV: both loaders run on the workers.
	day := filepath.Join(dir, "block_date=2023-03-05")
	csvDay(t, filepath.Join(day, "part-0.parquet"), filepath.Join(day, "part-0.csv"))
	return dir, funders
}

// csvDay rewrites a Parquet partition file as CSV.
func csvDay(t *testing.T, from, to string) {
	t.Helper()
	tr, err := datasets.Load([]string{from}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := datasets.CreateWriter(to)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.Len() {
		r := tr.Row(i)
		if err := w.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(from); err != nil {
		t.Fatal(err)
	}
}

// analyze is washscan analyze on j's inputs and settings, writing its
// metrics and a Parquet flags file into dir.
func analyze(t *testing.T, j Job, dir string) (metricsJSON []byte, flags string, err error) {
	t.Helper()
	s, err := j.settings()
	if err != nil {
		t.Fatal(err)
	}
	opt := analysis.Options{
		Input:    analysis.Input{Trades: j.Trades, Load: j.loadOptions(j.Funders, j.Allow, j.DenyFunders), Rejects: filepath.Join(dir, "rejects.csv")},
		Settings: s,
		Out:      filepath.Join(dir, "metrics.json"),
		Flags:    filepath.Join(dir, "flags.parquet"),
	}
	if _, err := analysis.Run(context.Background(), opt); err != nil {
		return nil, "", err
	}
	m, err := os.ReadFile(opt.Out)
	if err != nil {
		t.Fatal(err)
	}
	return m, opt.Flags, nil
}

func baseJob(dir, funders string) Job {
	return Job{
		Trades: []string{dir}, Funders: funders, Preset: "default", Threshold: analysis.DefaultThreshold,
		Range: "all", Top: 100, Version: testVersion, Runner: "prism",
	}
}

// TestMatchesAnalyze: the pipeline on Prism writes analyze's metrics (but
// washscan.runner) and the same flags rows, over daily partitions.
func TestMatchesAnalyze(t *testing.T) {
	dir, funders := market(t)
	out := t.TempDir()
	for _, tc := range []struct {
		name string
		edit func(*Job)
	}{
		{"default", func(*Job) {}},
		// The default preset has a finite horizon: cut into time slices.
		{"default_sliced", func(j *Job) { j.SliceRows = 1000 }},
		{"dune_7d", func(j *Job) { j.Preset, j.Range, j.Top = "dune", "7d", 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := baseJob(dir, funders)
			tc.edit(&j)
			j.Out = filepath.Join(out, tc.name+".json")
			j.Flags = filepath.Join(out, tc.name+"-flags")
			j.PartRows = 1000 // several parts
			if err := Run(context.Background(), j, onPrism, nil); err != nil {
				t.Fatal(err)
			}
			want, wantFlags, err := analyze(t, j, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(j.Out)
			if err != nil {
				t.Fatal(err)
			}
			line := "    \"runner\": \"prism\",\n"
			if !bytes.Contains(got, []byte(`"runner": "prism"`)) {
				t.Fatalf("no washscan.runner in\n%s", got[:min(len(got), 600)])
			}
			got0 := got
			got = withoutRunner(got)
			if !bytes.Equal(got, want) {
				t.Errorf("metrics differ from analyze's (%d vs %d bytes; runner line %q removed)\n%s", len(got), len(want), line, firstDiff(got, want))
			}
			parts, _ := filepath.Glob(filepath.Join(j.Flags, "part-*.parquet"))
			if len(parts) < 2 {
				t.Errorf("%d flags parts, want several", len(parts))
			}
			sort.Strings(parts)
			compareFlags(t, readParquet(t, wantFlags), readParquet(t, parts...))
			// Each part carries the run's washscan and input blocks as
			// key-value metadata, as analyze's flags Parquet does.
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(got0, &doc); err != nil {
				t.Fatal(err)
			}
			for _, p := range parts {
				kv := partMetadata(t, p)
				for _, key := range []string{"washscan", "input"} {
					if !sameJSON(t, []byte(kv[key]), doc[key]) {
						t.Errorf("%s: metadata %s = %s, want the metrics' %s", filepath.Base(p), key, kv[key], doc[key])
					}
				}
			}
		})
	}
}

// withoutRunner drops the washscan.runner entry the pipeline adds.
func withoutRunner(b []byte) []byte {
	var out []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), `"runner":`) {
			// the entry before it loses the comma that separated them
			if n := len(out); n > 0 && !strings.HasSuffix(strings.TrimSpace(l), ",") {
				out[n-1] = strings.TrimSuffix(strings.TrimSuffix(out[n-1], "\n"), ",") + "\n"
			}
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, ""))
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "pipeline: ..." + string(a[lo:min(len(a), i+200)]) + "\nanalyze: ..." + string(b[lo:min(len(b), i+200)])
}

// readParquet reads Parquet files into one record per column, concatenated
// in the order given.
func readParquet(t *testing.T, paths ...string) []arrow.Array {
	t.Helper()
	var cols [][]arrow.Array
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := file.NewParquetReader(f)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if cols == nil {
			cols = make([][]arrow.Array, tbl.NumCols())
		}
		for c := range int(tbl.NumCols()) {
			cols[c] = append(cols[c], tbl.Column(c).Data().Chunks()...)
		}
		f.Close()
	}
	out := make([]arrow.Array, len(cols))
	for c, chunks := range cols {
		a, err := array.Concatenate(chunks, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		out[c] = a
	}
	return out
}

// compareFlags compares the rows of two flags files as sets: a sliced run
// writes its slices in time order, each in input order.
func compareFlags(t *testing.T, want, got []arrow.Array) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("flags: %d columns, want %d", len(got), len(want))
	}
	rows := func(cols []arrow.Array) []string {
		out := make([]string, cols[0].Len())
		for i := range out {
			var b strings.Builder
			for _, c := range cols {
				b.WriteString(c.ValueStr(i))
				b.WriteByte(0)
			}
			out[i] = b.String()
		}
		sort.Strings(out)
		return out
	}
	w, g := rows(want), rows(got)
	if len(w) == 0 {
		t.Fatal("flags: no rows")
	}
	if len(w) != len(g) {
		t.Fatalf("flags: %d rows, want %d", len(g), len(w))
	}
	bad := 0
	for i := range w {
		if w[i] != g[i] {
			if bad++; bad <= 3 {
				t.Errorf("flags row differs:\n got %q\nwant %q", g[i], w[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d flags rows differ", bad, len(w))
	}
}

// TestSliced: a preset of finite reach is cut into time slices with halos;
// the merged partials give analyze's metrics, the slices its flags.
func TestSliced(t *testing.T) {
	dir, funders := marketOf(t, synth.Config{Trades: 8000, Seed: 3, Days: 200, Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)})
	out := t.TempDir()
	j := baseJob(dir, funders)
	j.Preset, j.Range = "bounded", "30d"
	j.Out = filepath.Join(out, "m.json")
	j.Flags = filepath.Join(out, "flags")
	j.SliceRows = 1000
	if err := Run(context.Background(), j, onPrism, nil); err != nil {
		t.Fatal(err)
	}
	parts, _ := filepath.Glob(filepath.Join(j.Flags, "part-*.parquet"))
	sort.Strings(parts)
	slices := map[string]bool{}
	for _, p := range parts {
		slices[filepath.Base(p)[:10]] = true
	}
	if len(slices) < 4 {
		t.Errorf("%d slices wrote flags, want about 8", len(slices))
	}
	want, wantFlags, err := analyze(t, j, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(j.Out)
	if got = withoutRunner(got); !bytes.Equal(got, want) {
		t.Errorf("sliced metrics differ from analyze's\n%s", firstDiff(got, want))
	}
	compareFlags(t, readParquet(t, wantFlags), readParquet(t, parts...))
}

// TestBadRows: a bad row on a worker gives analyze's message and exit code;
// under --skip-bad-rows the rejects and metrics are analyze's.
func TestBadRows(t *testing.T) {
	dir, funders := market(t)
	bad := filepath.Join(dir, "block_date=2023-03-09", "part-9.csv")
	good, err := os.ReadFile(filepath.Join(dir, "block_date=2023-03-05", "part-0.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A header and one bad row: no row repeats another file's.
	lines := strings.SplitAfter(string(good), "\n")
	if err := os.WriteFile(bad, []byte(lines[0]+strings.Replace(lines[3], ",0x", ",0xZZ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, preset := range []string{"default", "bounded"} { // one slice; sliced
		t.Run(preset, func(t *testing.T) { badRows(t, dir, funders, preset) })
	}
}

func badRows(t *testing.T, dir, funders, preset string) {
	j := baseJob(dir, funders)
	j.Preset, j.SliceRows = preset, 2000
	out := t.TempDir()
	j.Out = filepath.Join(out, "m.json")
	err := Run(context.Background(), j, onPrism, nil)
	_, _, want := analyze(t, j, t.TempDir())
	if want == nil || err == nil {
		t.Fatalf("errors: pipeline %v, analyze %v", err, want)
	}
	if err.Error() != want.Error() || ExitCode(err) != ExitCode(want) || ExitCode(err) != ExitBadData {
		t.Errorf("pipeline: %v (exit %d)\nanalyze:  %v (exit %d)", err, ExitCode(err), want, ExitCode(want))
	}
	var we *WorkerError
	if !errors.As(err, &we) {
		t.Errorf("%T, want a *WorkerError", err)
	}
	if _, err := os.Stat(j.Out); err == nil {
		t.Error("metrics written despite the error")
	}

	// An unreadable file: found on a worker, exit 66.
	jm := j
	jm.Trades = []string{filepath.Join(dir, "..", "missing.parquet"), dir}
	err = Run(context.Background(), jm, onPrism, nil)
	_, _, want = analyze(t, jm, t.TempDir())
	if err == nil || want == nil || err.Error() != want.Error() || ExitCode(err) != ExitNoInput || ExitCode(want) != ExitNoInput {
		t.Errorf("missing file: pipeline %v (exit %d), analyze %v", err, ExitCode(err), want)
	}

	j.SkipBadRows = true
	j.Rejects = filepath.Join(out, "rejects.csv")
	if err := Run(context.Background(), j, onPrism, nil); err != nil {
		t.Fatal(err)
	}
	ref := t.TempDir()
	wantM, _, err := analyze(t, j, ref)
	if err != nil {
		t.Fatal(err)
	}
	gotM, _ := os.ReadFile(j.Out)
	if !bytes.Equal(withoutRunner(gotM), wantM) {
		t.Errorf("metrics under --skip-bad-rows differ\n%s", firstDiff(withoutRunner(gotM), wantM))
	}
	gotR, _ := os.ReadFile(j.Rejects)
	wantR, _ := os.ReadFile(filepath.Join(ref, "rejects.csv"))
	if !bytes.Equal(gotR, wantR) || !bytes.Contains(gotR, []byte("part-9.csv")) || bytes.Count(gotR, []byte("\n")) != 2 {
		t.Errorf("rejects:\n%s\nwant:\n%s", gotR, wantR)
	}
}

// TestUsage: bad options fail before the pipeline, with analyze's codes.
func TestUsage(t *testing.T) {
	dir, funders := market(t)
	for _, tc := range []struct {
		edit func(*Job)
		code int
		msg  string
	}{
		{func(j *Job) { j.Range = "3d" }, ExitUsage, "--range"},
		{func(j *Job) { j.Params = []string{"nosuch.x=1"} }, ExitUsage, "--param"},
		{func(j *Job) { j.Flags = filepath.Join(dir, "flags") }, ExitUsage, "inside the input directory"},
		{func(j *Job) { j.Flags = "x.parquet" }, ExitUsage, "name a directory"},
		{func(j *Job) { j.Trades = []string{"-"} }, ExitUsage, "standard input"},
	} {
		j := baseJob(dir, funders)
		j.Out = filepath.Join(t.TempDir(), "m.json")
		tc.edit(&j)
		ran := false
		err := Run(context.Background(), j, func(context.Context, *beam.Pipeline) error { ran = true; return nil }, nil)
		if err == nil || ExitCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) || ran {
			t.Errorf("%v (exit %d, pipeline ran %v), want exit %d naming %q", err, ExitCode(err), ran, tc.code, tc.msg)
		}
	}
}

// partMetadata is the key-value metadata of a Parquet file.
func partMetadata(t *testing.T, path string) map[string]string {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	kv := map[string]string{}
	md := rdr.MetaData().KeyValueMetadata()
	for i, k := range md.Keys() {
		kv[k] = md.Values()[i]
	}
	return kv
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
