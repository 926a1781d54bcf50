package analysis

import (
	"context"
	"path/filepath"
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
	}
}
