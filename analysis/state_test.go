package analysis

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/sample"
	"github.com/washscan/washscan/datasets/synth"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/features"
)

// weeklyPartitions writes a synthetic market of n trades as one CSV per
// week under dir/week=NN/ (in time order) with its funders, and returns the
// partition directories in order and the funders file.
func weeklyPartitions(t *testing.T, dir string, n int64) ([]string, string) {
	t.Helper()
	tp, fp := filepath.Join(dir, "all.csv"), filepath.Join(dir, "funders.csv")
	if _, err := synth.WriteFiles(context.Background(), synth.Config{Trades: n, Seed: 11}, tp, fp); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(tp)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	header := sc.Text()
	parts := map[string]*bytes.Buffer{}
	var order []string
	for sc.Scan() {
		line := sc.Text()
		tm, err := datasets.ParseTime(strings.Split(line, ",")[1], "")
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("week=%02d", (tm-1640995200)/(7*86400))
		b := parts[key]
		if b == nil {
			b = &bytes.Buffer{}
			b.WriteString(header + "\n")
			parts[key] = b
			order = append(order, key)
		}
		b.WriteString(line + "\n")
	}
	root := filepath.Join(dir, "market")
	var dirs []string
	for _, k := range order {
		d := filepath.Join(root, k)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "part-0.csv"), parts[k].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	os.Remove(tp)
	return dirs, fp
}

// sameRows fails t unless got and want (flags rows by key) hold the same
// rows; what and ref name the two sides in the message.
func sameRows(t *testing.T, got, want map[string]string, what, ref string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows %s, %s %d", len(got), what, ref, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("row %s: %s %q, %s %q", k, what, got[k], ref, v)
		}
	}
}

// readFlags returns the rows of a flags CSV by row identity (chain,
// tx_hash, log_index), each as its whole line.
func readFlags(t *testing.T, path string, into map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		into[rec[0]+"/"+rec[3]+"/"+rec[4]] = strings.Join(rec, ",")
	}
}

// stripInput removes the input block of a metrics document.
func stripInput(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(`  "input": {`))
	j := bytes.Index(b[i:], []byte("\n  },\n"))
	if i < 0 || j < 0 {
		t.Fatalf("%s: no input block", path)
	}
	return append(b[:i:i], b[i+j+len("\n  },\n"):]...)
}

// A series of incremental runs, each adding a few weekly partitions (and
// giving the earlier ones again, which are skipped), ends with the metrics
// of one run over every partition, byte for byte but the input block, and
// its flags read as upserts equal that run's flags.
func TestIncrementalEqualsFullRun(t *testing.T) {
	dir := t.TempDir()
	parts, funders := weeklyPartitions(t, dir, 8000)
	// Weeks 4 and 5 given in reverse (in the third run, with week 3): a
	// run's rows are not in time order.
	parts[4], parts[5] = parts[5], parts[4]
	// A last partition of two rows: a duplicate of a row of the last week
	// (dropped) and a row half a horizon before the latest (not late; it
	// changes earlier rows' evidence windows).
	extra := filepath.Join(dir, "market", "zz")
	os.MkdirAll(extra, 0o755)
	lastPart, _ := os.ReadFile(filepath.Join(parts[len(parts)-1], "part-0.csv"))
	ls := strings.Split(strings.TrimSpace(string(lastPart)), "\n")
	f := strings.Split(ls[len(ls)-1], ",")
	tm, err := datasets.ParseTime(f[1], "")
	if err != nil {
		t.Fatal(err)
	}
	f[1] = time.Unix(tm-30*86400, 0).UTC().Format(time.RFC3339)
	f[3] = "0x" + strings.Repeat("ab", 32)
	os.WriteFile(filepath.Join(extra, "part-0.csv"), []byte(ls[0]+"\n"+ls[len(ls)-1]+"\n"+strings.Join(f, ",")+"\n"), 0o644)
	parts = append(parts, extra)
	cfg := boundedPreset(t)
	for _, rng := range []metrics.Range{metrics.Ranges[3], metrics.Ranges[4]} {
		base := func(out, flags string, trades []string) Options {
			return Options{
				Input:    Input{Trades: trades, Load: datasets.LoadOptions{Funders: funders}},
				Settings: Settings{Config: cfg, Threshold: DefaultThreshold, Metrics: metrics.Options{Range: rng, Top: 25}, Version: "test"},
				Out:      out, Flags: flags,
			}
		}
		full := base(filepath.Join(dir, "full.json"), filepath.Join(dir, "full.csv"), parts)
		if _, err := Run(context.Background(), full); err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(dir, "state-"+rng.Name)
		upserts := map[string]string{}
		var notices bytes.Buffer
		var last string
		partial := false // a run detected fewer rows than the state holds
		for i, step := 0, 0; i < len(parts); step++ {
			j := min(len(parts), i+1+step%3)
			// Every run names all partitions so far: the known ones are skipped.
			o := base(filepath.Join(dir, fmt.Sprintf("m%d.json", step)), filepath.Join(dir, fmt.Sprintf("f%d.csv", step)), parts[:j])
			o.State, o.Notice = state, &notices
			r, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("%s: run %d: %v", rng.Name, step, err)
			}
			if in := r.Metrics.Input; r.Trades.Len() < int(in.RowsLoaded) {
				partial = true
			}
			readFlags(t, o.Flags, upserts)
			last, i = o.Out, j
		}
		if got, want := stripInput(t, last), stripInput(t, full.Out); !bytes.Equal(got, want) {
			t.Fatalf("%s: incremental metrics differ from the full run's\n%s", rng.Name, firstDiff(got, want))
		}
		want := map[string]string{}
		readFlags(t, full.Flags, want)
		sameRows(t, upserts, want, "upserted", "full run")
		if !strings.Contains(notices.String(), "skipped") {
			t.Error("no notice of skipped known files")
		}
		if !partial {
			t.Errorf("%s: every run detected every row again", rng.Name)
		}
		// A run with nothing new: the same metrics, no flags rows.
		o := base(filepath.Join(dir, "again.json"), filepath.Join(dir, "again.csv"), parts)
		o.State = state
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if got, want := stripInput(t, o.Out), stripInput(t, full.Out); !bytes.Equal(got, want) {
			t.Fatalf("%s: a run with no new files changed the metrics\n%s", rng.Name, firstDiff(got, want))
		}
		none := map[string]string{}
		if readFlags(t, o.Flags, none); len(none) != 0 {
			t.Fatalf("%s: a run with no new files flagged %d rows", rng.Name, len(none))
		}
	}
	state := filepath.Join(dir, "state-90d")
	base := func(out, flags string, trades []string) Options {
		return Options{
			Input:    Input{Trades: trades, Load: datasets.LoadOptions{Funders: funders}},
			Settings: Settings{Config: cfg, Threshold: DefaultThreshold, Metrics: metrics.Options{Range: metrics.Ranges[3], Top: 25}, Version: "test"},
			Out:      out,
		}
	}

	// A late row: before the latest block_time minus the horizon.
	late := filepath.Join(dir, "late.csv")
	b, _ := os.ReadFile(filepath.Join(parts[0], "part-0.csv"))
	lines := strings.SplitN(string(b), "\n", 3)
	fields := strings.Split(lines[1], ",")
	fields[4] = "9999" // another log_index: not a duplicate
	lines[1] = strings.Join(fields, ",")
	os.WriteFile(late, []byte(lines[0]+"\n"+lines[1]+"\n"), 0o644)
	o := base(filepath.Join(dir, "x.json"), "", []string{late})
	o.State = state
	_, err = Run(context.Background(), o)
	var re *datasets.RowError
	if !errors.As(err, &re) || re.File != late || !strings.Contains(err.Error(), "late row") {
		t.Fatalf("late row: %v", err)
	}
	// Other options: refused, saying what differs.
	o = base(filepath.Join(dir, "x.json"), "", parts)
	o.State, o.Threshold = state, 0.7
	var oe *OptionError
	if _, err := Run(context.Background(), o); !errors.As(err, &oe) || !strings.Contains(err.Error(), `threshold was "0.5", now "0.7"`) {
		t.Fatalf("other threshold: %v", err)
	}
	// Other reward programs (another --reward-programs file's content).
	o = base(filepath.Join(dir, "x.json"), "", parts)
	progs := *cfg
	progs.RewardPrograms = &detect.RewardPrograms{List: []detect.RewardProgram{{Chain: "ethereum", Platform: "blur", Start: 1, Rewarded: true, Source: "test"}}}
	o.State, o.Config = state, &progs
	if _, err := Run(context.Background(), o); !errors.As(err, &oe) || !strings.Contains(err.Error(), `reward_programs was "", now "sha256:`) {
		t.Fatalf("other reward programs: %v", err)
	}
	// A known path with other content.
	p0 := filepath.Join(parts[0], "part-0.csv")
	os.WriteFile(p0, append(b, b[len(lines[0])+1:]...), 0o644)
	o = base(filepath.Join(dir, "x.json"), "", parts[:1])
	o.State = state
	if _, err := Run(context.Background(), o); !errors.As(err, &oe) || !strings.Contains(err.Error(), "other content") {
		t.Fatalf("changed file: %v", err)
	}
	// A second run while one holds the lock.
	os.WriteFile(filepath.Join(state, lockFile), nil, 0o644)
	o = base(filepath.Join(dir, "x.json"), "", parts[1:2])
	o.State = state
	if _, err := Run(context.Background(), o); !errors.As(err, &oe) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("locked: %v", err)
	}
	// The dune preset, whose filters look at any time.
	o = base(filepath.Join(dir, "x.json"), "", parts[1:2])
	o.State, o.Config = filepath.Join(dir, "other"), PresetConfig(registry.Dune)
	if _, err := Run(context.Background(), o); !errors.As(err, &oe) || !strings.Contains(err.Error(), "dune") {
		t.Fatalf("dune: %v", err)
	}
	// A directory that is not a state.
	o = base(filepath.Join(dir, "x.json"), "", parts[1:2])
	o.State = filepath.Join(dir, "market")
	if _, err := Run(context.Background(), o); !errors.As(err, &oe) || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("not a state: %v", err)
	}
}

// A state of format 1 (a byte copy of every trade file, written by
// washscan before format 2) is migrated on its next run, which then goes on
// as usual; a format this washscan does not know is refused.
func TestStateMigratesFormat1(t *testing.T) {
	dir := t.TempDir()
	parts, funders := weeklyPartitions(t, dir, 3000)
	cfg := boundedPreset(t)
	base := func(out, flags string, trades []string) Options {
		return Options{
			Input:    Input{Trades: trades, Load: datasets.LoadOptions{Funders: funders}},
			Settings: Settings{Config: cfg, Threshold: DefaultThreshold, Metrics: metrics.Options{Range: metrics.Ranges[2], Top: 25}, Version: "test"},
			Out:      out, Flags: flags,
		}
	}
	full := base(filepath.Join(dir, "full.json"), filepath.Join(dir, "full.csv"), parts)
	if _, err := Run(context.Background(), full); err != nil {
		t.Fatal(err)
	}
	// The format-1 state of the first partitions, as the old code left it.
	k := len(parts) - 2
	first := base(filepath.Join(dir, "first.json"), filepath.Join(dir, "first.csv"), parts[:k])
	first.KeepAll = true
	r, err := Run(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(filepath.Join(state, filesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := datasets.ExpandInputs(parts[:k])
	if err != nil {
		t.Fatal(err)
	}
	doc := stateDoc{Format: 1, Version: "test", Scores: "scores-000001.bin", Run: 1, HasRows: true, Rows: r.Trades.Len()}
	for i, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum, size, err := hashFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		cp := fmt.Sprintf("000001-%03d.csv", i)
		os.WriteFile(filepath.Join(state, filesDir, cp), b, 0o644)
		doc.Files = append(doc.Files, stateFileDoc{Path: f.Path, Size: size, SHA256: sum, Copy: cp, Partition: f.Partition})
	}
	if doc.Options, err = stateOptions(&first); err != nil {
		t.Fatal(err)
	}
	if doc.Horizon, err = cfg.Horizon(); err != nil {
		t.Fatal(err)
	}
	scores := make([]byte, 16*r.Trades.Len())
	for i, tm := range r.Trades.Time {
		m := markOf(r.Scores, i)
		binary.LittleEndian.PutUint64(scores[16*i:], math.Float64bits(m.score))
		binary.LittleEndian.PutUint64(scores[16*i+8:], m.text)
		doc.Latest = max(doc.Latest, tm)
	}
	os.WriteFile(filepath.Join(state, doc.Scores), scores, 0o644)
	js, _ := json.Marshal(&doc)
	os.WriteFile(filepath.Join(state, stateFile), js, 0o644)

	next := base(filepath.Join(dir, "next.json"), filepath.Join(dir, "next.csv"), parts)
	next.State = state
	if _, err := Run(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if got, want := stripInput(t, next.Out), stripInput(t, full.Out); !bytes.Equal(got, want) {
		t.Fatalf("metrics after migration differ from the full run's\n%s", firstDiff(got, want))
	}
	upserts, want := map[string]string{}, map[string]string{}
	readFlags(t, first.Flags, upserts)
	readFlags(t, next.Flags, upserts)
	readFlags(t, full.Flags, want)
	sameRows(t, upserts, want, "upserted", "full run")
	var got stateDoc
	b, _ := os.ReadFile(filepath.Join(state, stateFile))
	if err := json.Unmarshal(b, &got); err != nil || got.Format != StateFormat || len(got.Segments) == 0 {
		t.Fatalf("state after migration: format %d, %d segments (%v)", got.Format, len(got.Segments), err)
	}
	if _, err := os.Stat(filepath.Join(state, filesDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the format-1 copies are still there: %v", err)
	}

	got.Format = StateFormat + 1
	js, _ = json.Marshal(&got)
	os.WriteFile(filepath.Join(state, stateFile), js, 0o644)
	var oe *OptionError
	if _, err := Run(context.Background(), next); !errors.As(err, &oe) || !strings.Contains(err.Error(), fmt.Sprintf("state format %d", StateFormat+1)) {
		t.Fatalf("a later format: %v", err)
	}
}

// A row's mark changes with anything its flags row shows: a finding's
// strength (in evidence_json) may change while the score, reasons and
// evidence text stay. The scores keep their own copy of the findings, so
// the changed strength is scored anew, with the row's score kept.
func TestMarkSeesStrengths(t *testing.T) {
	tr, err := sample.Load(datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := boundedPreset(t)
	d, err := c.Detect(context.Background(), tr, features.Compute(tr))
	if err != nil {
		t.Fatal(err)
	}
	for name, fs := range d.Result.Findings {
		if len(fs) == 0 {
			continue
		}
		row := int(fs[0].Row)
		before := markOf(d.Scores, row)
		fs[0].Strength /= 2
		sc := detect.Score(tr.Len(), d.Result, c.Preset.Detectors, c.Weights)
		sc.Score[row] = d.Scores.Score[row]
		after := markOf(sc, row)
		if before.score != after.score || before.text == after.text {
			t.Fatalf("%s: halving row %d's strength: mark %v, then %v", name, row, before, after)
		}
		return
	}
	t.Fatal("no finding on the sample")
}
