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
	maxMem := byteSize(physicalMemory() * 6 / 10)
	fs.Var(&maxMem, "max-memory", "memory `BYTES` (K, M, G suffixes) an analysis may take; a larger input is analyzed in time slices (default 60% of physical memory)")
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
		if sliced, err := runOutOfCore(e, opt, int64(maxMem)); sliced || err != nil {
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

// runOutOfCore runs opt slice by slice when its input will not fit in
// maxMem (analysis.EstimateMemory) and its preset can be sliced; it
// reports whether it did. A preset that cannot be sliced runs in memory
// with a notice.
func runOutOfCore(e *env, opt analysis.Options, maxMem int64) (bool, error) {
	if maxMem <= 0 || opt.State != "" || len(opt.Input.Trades) == 0 {
		return false, nil
	}
	files, err := datasets.ExpandInputs(opt.Input.Trades)
	if err != nil {
		return false, nil // the in-memory run reports it
	}
	need := analysis.EstimateMemory(files)
	if need <= maxMem {
		return false, nil
	}
	if _, err := opt.Config.Horizon(); err != nil {
		fmt.Fprintf(e.stderr, "washscan: the input needs about %.1f GB, more than --max-memory %.1f GB, but it cannot be sliced (%v): analyzing it in memory\n",
			float64(need)/1e9, float64(maxMem)/1e9, err)
		return false, nil
	}
	_, run, err := analysis.RunSliced(e.ctx, opt, int(maxMem/analysis.BytesPerRow))
	if run != nil {
		fmt.Fprintf(e.stderr, "washscan: the input needs about %.1f GB, more than --max-memory %.1f GB: analyzed in %d time slices with halos of %ds (largest %d rows)\n",
			float64(need)/1e9, float64(maxMem)/1e9, len(run.Slices), run.Horizon, run.MaxRows)
	}
	return true, err
}
