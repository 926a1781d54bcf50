package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
)

var analyzeCmd = &command{
	name:    "analyze",
	usage:   "[--trades FILE]... [flags]",
	summary: "load trades, detect wash trading, write metrics JSON (and per-trade flags); with no --trades, the embedded sample market",
	flags:   analyzeFlags,
}

func analyzeFlags(fs *flag.FlagSet) func(*env, []string) error {
	var (
		lf        loadFlags
		cf        configFlags
		rng       = fs.String("range", "all", "metrics window: 24h, 7d, 30d, 90d or all")
		asOf      = fs.String("as-of", "", "end of the window, a block_time `T` (default: the latest block_time)")
		out       = fs.String("out", "-", "metrics JSON `FILE` (- for standard output)")
		flagsOut  = fs.String("flags", "", "per-trade flags `FILE` (.csv or .parquet)")
		preset    = fs.String("preset", registry.Default.Name, "detector preset `NAME` (default, dune)")
		threshold = fs.Float64("threshold", analysis.DefaultThreshold, "flag a trade whose score is ≥ `X` (0 to 1)")
		weights   = fs.String("weights", "", "scoring weights JSON `FILE` (from calibrate; default: the preset's)")
		top       = fs.Int("top", 100, "list at most `N` wallets and nfts (0 = all)")
		stateDir  = fs.String("state", "", "incremental run: state `DIR` (created when missing) holding the files read so far; --flags then holds the new and the changed rows")
	)
	lf.register(fs)
	cf.register(fs)
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return usagef("unexpected arguments: %s", strings.Join(args, " "))
		}
		r, err := metrics.ParseRange(*rng)
		if err != nil {
			return usagef("--range: %v", err)
		}
		opt := analysis.Options{
			Input: lf.input(e),
			Settings: analysis.Settings{
				Threshold: *threshold,
				Metrics:   metrics.Options{Range: r, Top: *top},
				Version:   version,
				Stage:     newStageTimer(e.stderr).lap,
			},
			Out:    *out,
			Flags:  *flagsOut,
			Stdout: e.stdout,
			State:  *stateDir,
			Notice: e.stderr,
		}
		if *asOf != "" {
			t, err := datasets.ParseTime(*asOf, lf.timeFormat)
			if err != nil {
				return usagef("--as-of %q: %v", *asOf, err)
			}
			opt.Metrics.AsOf, opt.Metrics.HasAsOf = t, true
		}
		if opt.Config, err = analysis.Resolve(cf.spec(*preset, *weights, "--weights")); err != nil {
			return err
		}
		res, err := analysis.Run(e.ctx, opt)
		if res != nil {
			lf.reportRejects(e, res.Trades)
		}
		return err
	}
}

// paramList describes every detector parameter, one per line, for -help.
func paramList() string {
	var b strings.Builder
	for _, d := range registry.All {
		for _, q := range d.Params {
			fmt.Fprintf(&b, "\n  %s.%s (default %s): %s", d.Name, q.Name, q.Default, q.Doc)
		}
	}
	return b.String()
}
