package analysis

import (
	"context"
	"errors"
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
)

// An out-of-core run forced into many slices gives the in-memory run's
// metrics (but the input block) and the same flags rows.
func TestSlicedEqualsInMemory(t *testing.T) {
	dir := t.TempDir()
	parts, funders := weeklyPartitions(t, dir, 8000)
	root := filepath.Dir(parts[0])
	for _, rng := range []metrics.Range{metrics.Ranges[4], metrics.Ranges[1]} {
		opt := func(out, flags string) Options {
			return Options{
				Input:    Input{Trades: []string{root}, Load: datasets.LoadOptions{Funders: funders}},
				Settings: Settings{Config: boundedPreset(t), Threshold: DefaultThreshold, Metrics: metrics.Options{Range: rng, Top: 30}, Version: "test"},
				Out:      out, Flags: flags,
			}
		}
		full := opt(filepath.Join(dir, "full.json"), filepath.Join(dir, "full.csv"))
		if _, err := Run(context.Background(), full); err != nil {
			t.Fatal(err)
		}
		sl := opt(filepath.Join(dir, "sliced.json"), filepath.Join(dir, "sliced.csv"))
		_, run, err := RunSliced(context.Background(), sl, 4000)
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Slices) < 4 || run.MaxRows > 4000 {
			t.Fatalf("%d slices, largest %d rows: not forced to slice", len(run.Slices), run.MaxRows)
		}
		if got, want := stripInput(t, sl.Out), stripInput(t, full.Out); string(got) != string(want) {
			t.Fatalf("range %s: sliced metrics differ\n%s", rng.Name, firstDiff(got, want))
		}
		got, want := map[string]string{}, map[string]string{}
		readFlags(t, sl.Flags, got)
		readFlags(t, full.Flags, want)
		sameRows(t, got, want, "in the flags file", "in-memory")
		// Parquet flags, written slice by slice: the same rows.
		pq := opt(filepath.Join(dir, "sliced-pq.json"), filepath.Join(dir, "sliced.parquet"))
		if _, _, err := RunSliced(context.Background(), pq, 4000); err != nil {
			t.Fatal(err)
		}
		seed := maphash.MakeSeed()
		if a, b := flagsPrint(t, pq.Flags, seed), flagsPrint(t, full.Flags, seed); a != b || a.Rows != 8000 {
			t.Errorf("range %s: sliced Parquet flags %+v, in-memory CSV flags %+v", rng.Name, a, b)
		}
	}
}

// TestCutSlicesHalosDominate: daily files over a year with H = 60d cannot
// be cut into slices of a few days' rows (each would carry 120 days of
// halos); cutSlices stops doubling once a doubling saves less than a
// quarter of the largest slice instead of reading the year hundreds of
// times over.
func TestCutSlicesHalosDominate(t *testing.T) {
	const day = int64(86400)
	var spans []fileSpan
	for d := int64(0); d < 347; d++ {
		spans = append(spans, fileSpan{lo: d * day, hi: d*day + day - 1, rows: 1000})
	}
	cuts, worst := cutSlices(spans, 60*day, 10_000)
	if len(cuts) > 4 {
		t.Fatalf("%d slices: want at most 4 when the halos dominate", len(cuts))
	}
	// Reference: the largest slice of these cuts, counted directly.
	ref := 0
	for _, c := range cuts {
		n := 0
		for _, sp := range spans {
			if sp.hi >= sat(c[0], -60*day) && sp.lo < sat(c[1], 60*day) {
				n += int(sp.rows)
			}
		}
		ref = max(ref, n)
	}
	if worst != ref || worst >= 347_000 {
		t.Fatalf("largest slice %d rows, counted %d; want fewer than the whole 347000", worst, ref)
	}
	// A budget the slices can meet is met.
	cuts, worst = cutSlices(spans, day, 60_000)
	if worst > 60_000 || len(cuts) < 8 {
		t.Fatalf("H = 1d, budget 60000: %d slices, largest %d", len(cuts), worst)
	}
}

// A cancelled context stops an out-of-core run between and within slices:
// RunSliced returns the cause, runs no further slice and leaves no output
// (the outputs, old content kept, and no temporary file).
func TestSlicedCancel(t *testing.T) {
	dir := t.TempDir()
	parts, funders := weeklyPartitions(t, dir, 8000)
	root := filepath.Dir(parts[0])
	cause := errors.New("stop")
	for _, at := range []string{"load", "slice 1/", "detect"} {
		out, flags := filepath.Join(dir, "m.json"), filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		var stages []string
		opt := Options{
			Input: Input{Trades: []string{root}, Load: datasets.LoadOptions{Funders: funders}},
			Settings: Settings{Config: boundedPreset(t), Threshold: DefaultThreshold, Metrics: metrics.Options{Range: metrics.Ranges[4]}, Version: "test",
				Stage: func(name string) {
					stages = append(stages, name)
					if strings.HasPrefix(name, at) {
						cancel(cause)
					}
				}},
			Out: out, Flags: flags,
		}
		_, _, err := RunSliced(ctx, opt, 2000)
		if !errors.Is(err, cause) {
			t.Fatalf("cancelled at %q: err %v, want the cause", at, err)
		}
		if last := stages[len(stages)-1]; !strings.HasPrefix(last, at) {
			t.Errorf("cancelled at %q: went on to %q (stages %q)", at, last, stages)
		}
		if b, _ := os.ReadFile(out); string(b) != "old" {
			t.Errorf("cancelled at %q: m.json = %.20q", at, b)
		}
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if n := e.Name(); n != "m.json" && n != "market" && n != "funders.csv" {
				t.Errorf("cancelled at %q: %s left behind", at, n)
			}
		}
	}
}

// LoadSlice stops at once on a cancelled context, returning its cause.
func TestLoadSliceCancel(t *testing.T) {
	parts, _ := weeklyPartitions(t, t.TempDir(), 2000)
	files, err := datasets.ExpandInputs(parts)
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	if _, err := LoadSlice(ctx, files, datasets.LoadOptions{}, [2]int64{Before, After}, 0); !errors.Is(err, cause) {
		t.Fatalf("err %v, want the cause", err)
	}
	if tr, err := LoadSlice(context.Background(), files, datasets.LoadOptions{}, [2]int64{Before, After}, 0); err != nil || tr.Len() != 2000 {
		t.Fatalf("not cancelled: %v", err)
	}
}

// Under SkipBadRows an out-of-core run, whose first pass loads two files
// at a time, writes the rejects file of the in-memory run: the same rows
// in input order.
func TestSlicedRejects(t *testing.T) {
	dir := t.TempDir()
	parts, funders := weeklyPartitions(t, dir, 6000)
	for _, k := range []int{1, 2, 5, 6} { // a bad price in four files
		path := filepath.Join(parts[k], "part-0.csv")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 4)
		f := strings.Split(lines[2], ",")
		for i := range f {
			if strings.HasPrefix(f[i], "0x") && len(f[i]) == 66 {
				f[i] = "0xbad"
			}
		}
		lines[2] = strings.Join(f, ",")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Dir(parts[0])
	opt := func(name string) Options {
		return Options{
			Input: Input{Trades: []string{root}, Rejects: filepath.Join(dir, name+"-rejects.csv"),
				Load: datasets.LoadOptions{Funders: funders, SkipBadRows: true}},
			Settings: Settings{Config: boundedPreset(t), Threshold: DefaultThreshold, Metrics: metrics.Options{Range: metrics.Ranges[4]}, Version: "test"},
			Out:      filepath.Join(dir, name+".json"),
		}
	}
	if _, err := Run(context.Background(), opt("full")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := RunSliced(context.Background(), opt("sliced"), 3000); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "full-rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "sliced-rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(want), "\n"); n != 5 {
		t.Fatalf("in-memory rejects: %d lines, want a header and 4 rows:\n%s", n, want)
	}
	if string(got) != string(want) {
		t.Errorf("rejects differ:\n%s\nin memory:\n%s", got, want)
	}
	if got, want := stripInput(t, filepath.Join(dir, "sliced.json")), stripInput(t, filepath.Join(dir, "full.json")); string(got) != string(want) {
		t.Errorf("metrics differ\n%s", firstDiff(got, want))
	}
}
