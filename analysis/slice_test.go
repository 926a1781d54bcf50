package analysis

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/atomic"
	"github.com/washscan/washscan/detect/backforth"
	"github.com/washscan/washscan/detect/farming"
	"github.com/washscan/washscan/detect/funder"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/price"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/repeat"
	"github.com/washscan/washscan/detect/selftrade"
	"github.com/washscan/washscan/features"
)

// loadSample loads the embedded sample market with its funders.
func loadSample(t *testing.T) *datasets.Trades {
	t.Helper()
	outs := NewOutputs(context.Background(), nil)
	defer outs.Abort()
	tr, err := Load(context.Background(), Input{}, outs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// metricsJSON is r's JSON without its input block.
func metricsJSON(t *testing.T, r *metrics.Report) []byte {
	t.Helper()
	c := *r
	c.Input = metrics.InputInfo{}
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// analyzeWhole analyzes all of tr under s and returns the result and its
// metrics JSON (metricsJSON); it pins s's as-of time to the whole input's,
// so slices analyzed under s afterwards share the window.
func analyzeWhole(t *testing.T, tr *datasets.Trades, s *Settings) (*Result, []byte) {
	t.Helper()
	whole, err := Analyze(context.Background(), tr, *s)
	if err != nil {
		t.Fatal(err)
	}
	asOf, _, _ := metrics.Window(whole.Features, s.Metrics)
	s.Metrics.AsOf, s.Metrics.HasAsOf = asOf, true
	return whole, metricsJSON(t, whole.Metrics)
}

// cuts returns k−1 random cut times inside t's span, sorted, and the
// slices' bounds they give.
func cuts(rng *rand.Rand, t *datasets.Trades, k int) [][2]int64 {
	lo, hi := slices.Min(t.Time), slices.Max(t.Time)
	var cs []int64
	for range k - 1 {
		cs = append(cs, lo+rng.Int64N(hi-lo+1))
	}
	slices.Sort(cs)
	out := [][2]int64{}
	from := int64(Before)
	for _, c := range cs {
		out = append(out, [2]int64{from, c})
		from = c
	}
	return append(out, [2]int64{from, After})
}

// sliceRows returns the rows of t with from−h ≤ block_time < to+h, in
// input order.
func sliceRows(t *datasets.Trades, from, to, h int64) []int32 {
	var rows []int32
	for i, tm := range t.Time {
		if (from == Before || tm >= from-h) && (to == After || tm < to+h) {
			rows = append(rows, int32(i))
		}
	}
	return rows
}

// Merged partials of any cut give the whole run's metrics, every range,
// the verdicts being the whole run's (this tests the metrics, whatever the
// preset's horizon).
func TestPartialsMergeToWholeMetrics(t *testing.T) {
	tr := loadSample(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, r := range metrics.Ranges {
		s := Settings{Threshold: DefaultThreshold, Metrics: metrics.Options{Range: r, Top: 7}, Version: "test"}
		whole, want := analyzeWhole(t, tr, &s)
		for _, c := range []struct {
			k     int
			split bool
		}{{1, false}, {2, false}, {5, false}, {17, false}, {1, true}, {5, true}, {17, true}} {
			k := c.k
			newPartial := metrics.NewPartial
			if c.split {
				newPartial = metrics.NewSplitPartial
			}
			var parts []*metrics.Partial
			for _, b := range cuts(rng, tr, k) {
				rows := sliceRows(tr, b[0], b[1], 0)
				sub := tr.Subset(rows)
				own := make([]bool, len(rows))
				verdicts := make([]bool, len(rows))
				for j, r := range rows {
					own[j] = true
					verdicts[j] = whole.Verdicts[r]
				}
				p, err := newPartial(s.Metrics)
				if err != nil {
					t.Fatal(err)
				}
				p.Add(features.Compute(sub), verdicts, own)
				if k > 2 { // through the wire format, as a Beam combiner sends it
					b, err := p.MarshalBinary()
					if err != nil {
						t.Fatal(err)
					}
					p = new(metrics.Partial)
					if err := p.UnmarshalBinary(b); err != nil {
						t.Fatal(err)
					}
				}
				parts = append(parts, p)
			}
			merged := mergeShuffled(t, rng, parts)
			if c.split { // the totals, from tables cut elsewhere
				for _, b := range cuts(rng, tr, 3) {
					merged.AddTotals(features.Compute(tr.Subset(sliceRows(tr, b[0], b[1], 0))))
				}
			}
			rep, err := SliceReport(merged, s, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := metricsJSON(t, rep); !bytes.Equal(got, want) {
				t.Fatalf("range %s, %d slices (split %v): merged metrics differ\n%s", r.Name, k, c.split, firstDiff(got, want))
			}
			if rep.Input.RowsLoaded != int64(tr.Len()) {
				t.Errorf("rows_loaded %d, want %d", rep.Input.RowsLoaded, tr.Len())
			}
		}
	}
}

// mergeShuffled merges parts in a random order and grouping (a tree of
// random pairs), as a distributed combiner may.
func mergeShuffled(t *testing.T, rng *rand.Rand, parts []*metrics.Partial) *metrics.Partial {
	t.Helper()
	for len(parts) > 1 {
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		if err := parts[0].Merge(parts[1]); err != nil {
			t.Fatal(err)
		}
		parts = append(parts[:1], parts[2:]...)
	}
	return parts[0]
}

// firstDiff shows where two documents start to differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-300)
	return "got:  ..." + string(a[lo:min(len(a), i+200)]) + "\nwant: ..." + string(b[lo:min(len(b), i+200)])
}

// boundedPreset is the default preset's detectors of finite reach with
// the default weights: all but cycle and volume_matching, whose strength
// reads graph_partners (whole-input counts) until its window-local
// replacement.
func boundedPreset(t *testing.T) *Config {
	t.Helper()
	var ds []*detect.Detector
	for _, d := range registry.Default.Detectors {
		if _, bad := detect.Horizon([]*detect.Detector{d}, detect.NewParams()); len(bad) == 0 {
			ds = append(ds, d)
		}
	}
	for _, need := range []*detect.Detector{selftrade.Detector, atomic.Detector, backforth.Detector, repeat.Detector,
		funder.Detector, price.Detector, farming.Detector} {
		if !slices.Contains(ds, need) {
			t.Fatalf("%s has no finite reach", need.Name)
		}
	}
	w := detect.Weights{Bias: registry.Default.Weights.Bias, Weights: map[string]float64{}, Source: "builtin"}
	for _, d := range ds {
		w.Weights[d.Name] = registry.Default.Weights.Weights[d.Name]
	}
	return PresetConfig(&detect.Preset{Name: "bounded", Doc: "test", Detectors: ds, Weights: w})
}

// Slices cut anywhere, with halos of the horizon, give the whole run's
// scores row for row and, merged, its metrics.
func TestSlicesEqualWholeRun(t *testing.T) {
	t.Run("sample", func(t *testing.T) { testSlices(t, loadSample(t)) })
	t.Run("synth", func(t *testing.T) { testSlices(t, loadSynth(t, 20000)) })
}

// loadSynth loads a labeled synthetic market of n trades over a year with
// its funders.
func loadSynth(t *testing.T, n int) *datasets.Trades {
	t.Helper()
	dir := t.TempDir()
	tp, fp := filepath.Join(dir, "m.csv"), filepath.Join(dir, "f.csv")
	cfg := synth.Config{Trades: int64(n), Seed: 7}
	if _, err := synth.WriteFiles(context.Background(), cfg, tp, fp); err != nil {
		t.Fatal(err)
	}
	outs := NewOutputs(context.Background(), nil)
	defer outs.Abort()
	tr, err := Load(context.Background(), Input{Trades: []string{tp}, Load: datasets.LoadOptions{Funders: fp}}, outs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func testSlices(t *testing.T, tr *datasets.Trades) {
	c := boundedPreset(t)
	h, err := c.Horizon()
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Config: c, Threshold: DefaultThreshold, Metrics: metrics.Options{Range: metrics.Ranges[4], Top: 20}, Version: "test"}
	whole, want := analyzeWhole(t, tr, &s)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 3, 11} {
		var merged *metrics.Partial
		seen := 0
		for _, b := range cuts(rng, tr, k) {
			rows := sliceRows(tr, b[0], b[1], h)
			r, err := AnalyzeSlice(context.Background(), Slice{Trades: tr.Subset(rows), From: b[0], To: b[1]}, s)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range r.Own {
				g := rows[j]
				if r.Scores.Score[j] != whole.Scores.Score[g] || r.Scores.Reasons(int(j)) != whole.Scores.Reasons(int(g)) ||
					r.Scores.Evidence(int(j)) != whole.Scores.Evidence(int(g)) {
					t.Fatalf("%d slices: row %d scores %v %q %q, whole run %v %q %q", k, g,
						r.Scores.Score[j], r.Scores.Reasons(int(j)), r.Scores.Evidence(int(j)),
						whole.Scores.Score[g], whole.Scores.Reasons(int(g)), whole.Scores.Evidence(int(g)))
				}
			}
			seen += len(r.Own)
			if merged == nil {
				merged = r.Partial
			} else if err := merged.Merge(r.Partial); err != nil {
				t.Fatal(err)
			}
		}
		if seen != tr.Len() {
			t.Fatalf("%d slices own %d rows of %d", k, seen, tr.Len())
		}
		rep, err := SliceReport(merged, s, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := metricsJSON(t, rep); !bytes.Equal(got, want) {
			t.Fatalf("%d slices: merged metrics differ\n%s", k, firstDiff(got, want))
		}
	}
}

// The default preset's unbounded detectors are named when it is sliced.
func TestHorizonRefusesUnbounded(t *testing.T) {
	c := PresetConfig(registry.Dune)
	_, err := c.Horizon()
	var oe *OptionError
	if err == nil || !errors.As(err, &oe) {
		t.Fatalf("dune preset sliced: %v", err)
	}
	if !strings.Contains(err.Error(), registry.Dune.Detectors[0].Name) {
		t.Errorf("error %q does not name %s", err, registry.Dune.Detectors[0].Name)
	}
}
