package bench

import (
	"context"
	"fmt"
	"github.com/washscan/washscan/analysis"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/features"
)

// synthetic is a labeled market written once per size and seed.
type synthetic struct {
	trades, funders string
	t               *datasets.Trades
}

var (
	synthMu    sync.Mutex
	synthCache = map[int64]*synthetic{}
	synthDir   string
)

// market returns the seed-1 synthetic market of n trades, generated, written
// to CSV and loaded on first use.
func market(tb testing.TB, n int64) *synthetic {
	tb.Helper()
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[n]; ok {
		return s
	}
	if synthDir == "" {
		d, err := os.MkdirTemp("", "washscan-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		synthDir = d
	}
	s := &synthetic{
		trades:  filepath.Join(synthDir, fmt.Sprintf("synth-%d.csv", n)),
		funders: filepath.Join(synthDir, fmt.Sprintf("synth-%d-funders.csv", n)),
	}
	w, err := datasets.CreateWriter(s.trades)
	if err != nil {
		tb.Fatal(err)
	}
	ff, err := os.Create(s.funders)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := synth.Generate(synth.Config{Trades: n, Seed: 1}, w, ff); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := ff.Close(); err != nil {
		tb.Fatal(err)
	}
	if s.t, err = datasets.Load([]string{s.trades}, datasets.LoadOptions{Funders: s.funders}); err != nil {
		tb.Fatal(err)
	}
	synthCache[n] = s
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if synthDir != "" {
		os.RemoveAll(synthDir)
	}
	os.Exit(code)
}

// BenchmarkPipeline measures features + detectors + scoring of each preset
// on seeded synthetic markets (the path analyze and bench share).
func BenchmarkPipeline(b *testing.B) {
	for _, n := range []int64{10_000, 100_000} {
		for _, p := range registry.Presets {
			b.Run(fmt.Sprintf("%s/%d", p.Name, n), func(b *testing.B) {
				benchMarket(b, n, func(s *synthetic) error {
					_, err := analysis.PresetConfig(p).Detect(context.Background(), s.t, features.Compute(s.t))
					return err
				})
			})
		}
	}
}

// BenchmarkEndToEnd measures load (CSV) + features + default preset on a
// seeded 100k-trade market.
func BenchmarkEndToEnd(b *testing.B) {
	benchMarket(b, 100_000, func(s *synthetic) error {
		t, err := datasets.Load([]string{s.trades}, datasets.LoadOptions{Funders: s.funders})
		if err != nil {
			return err
		}
		_, err = analysis.PresetConfig(registry.Default).Detect(context.Background(), t, features.Compute(t))
		return err
	})
}

// BenchmarkBench measures a whole benchmark (every preset, every metric).
func BenchmarkBench(b *testing.B) {
	benchMarket(b, 100_000, func(s *synthetic) error {
		_, err := Run(context.Background(), s.t, Config{Configs: configs(registry.Presets...)})
		return err
	})
}

// benchMarket times run b.N times on the seeded market of n trades and
// reports trades/s.
func benchMarket(b *testing.B, n int64, run func(s *synthetic) error) {
	s := market(b, n)
	b.ResetTimer()
	for range b.N {
		if err := run(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

// TestSyntheticEndToEnd runs the real presets on a small seeded market and
// checks what must hold whatever the detectors' tuning: every preset and
// detector is reported, the dune preset's flagged rows are the union of its
// filters', and the report is deterministic.
func TestSyntheticEndToEnd(t *testing.T) {
	if err := registry.Validate(); err != nil {
		t.Fatal(err)
	}
	s := market(t, 5000)
	cfg := Config{Configs: configs(registry.Presets...)}
	rep, err := Run(context.Background(), s.t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Dataset.Labeled != 5000 || rep.Dataset.Wash == 0 {
		t.Fatalf("dataset = %+v", rep.Dataset)
	}
	runs := map[string]*RunResult{}
	for _, r := range rep.Runs {
		runs[r.Name] = r
		if c := r.Trades; c.TP+c.FP+c.FN+c.TN != 5000 {
			t.Errorf("%s: counts %+v do not add up", r.Name, c)
		}
	}
	for _, p := range registry.Presets {
		if runs["preset:"+p.Name] == nil || runs["union:"+p.Name] == nil {
			t.Errorf("preset %s missing from runs", p.Name)
		}
		for _, d := range p.Detectors {
			if runs["detector:"+d.Name] == nil {
				t.Errorf("detector %s missing from runs", d.Name)
			}
		}
	}
	if d, u := runs["preset:dune"], runs["union:dune"]; d != nil && u != nil && d.Flagged != u.Flagged {
		t.Errorf("dune preset flags %d rows, the union of its filters %d", d.Flagged, u.Flagged)
	}
	rep2, err := Run(context.Background(), s.t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var a, b2 strings.Builder
	if err := rep.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := rep2.WriteJSON(&b2); err != nil {
		t.Fatal(err)
	}
	if a.String() != b2.String() {
		t.Error("two runs on the same market gave different JSON")
	}
}
