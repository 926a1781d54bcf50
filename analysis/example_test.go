package analysis_test

import (
	"context"
	"fmt"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/detect/metrics"
)

// Analyze runs every stage after loading and writes nothing: here on the
// embedded sample market, with one detector parameter set as --param would.
func ExampleAnalyze() {
	ctx := context.Background()
	cfg, err := analysis.Resolve(analysis.ConfigSpec{Preset: "default", Params: []string{"back_and_forth.window=2d"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := analysis.Load(ctx, analysis.Input{}, nil) // no files: the sample
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := analysis.Analyze(ctx, t, analysis.Settings{
		Config:    cfg,
		Threshold: analysis.DefaultThreshold,
		Metrics:   metrics.Options{Range: metrics.Ranges[4]},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	flagged := 0
	for _, v := range r.Verdicts {
		if v {
			flagged++
		}
	}
	fmt.Println("rows:", r.Trades.Len(), "with funders:", r.Trades.Funders != nil)
	fmt.Println("preset:", r.Metrics.Washscan.Preset, "window param:", r.Metrics.Washscan.Params["back_and_forth.window"])
	fmt.Println("some rows flagged, not all:", flagged > 0 && flagged < r.Trades.Len())
	fmt.Println("suspect sales in the metrics:", r.Metrics.Market.WashtradeSuspectSales > 0)
	// Output:
	// rows: 3000 with funders: true
	// preset: default window param: 2d
	// some rows flagged, not all: true
	// suspect sales in the metrics: true
}

// Errors say which option is wrong: a usage error (exit 2) on the command line.
func ExampleResolve() {
	_, err := analysis.Resolve(analysis.ConfigSpec{Params: []string{"cycle.max_len=NaN"}})
	fmt.Println(err)
	// Output:
	// --param: parameter cycle.max_len: not a finite number: "NaN"
}
