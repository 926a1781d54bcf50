package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/sample"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/markettest"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

var analyzeCmd = &command{
	name:    "analyze",
	usage:   "[--trades FILE]... [flags]",
	summary: "load trades, detect wash trading, write metrics JSON (and per-trade flags); with no --trades, the embedded sample market",
	flags:   analyzeFlags,
}

// paramFlag collects repeatable --param detector.name=value settings.
type paramFlag [][2]string

func (p *paramFlag) String() string { return "" }
func (p *paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || !strings.Contains(k, ".") {
		return fmt.Errorf("want detector.name=value, got %q", s)
	}
	*p = append(*p, [2]string{k, strings.TrimSpace(v)})
	return nil
}

func analyzeFlags(fs *flag.FlagSet) func(*env, []string) error {
	var (
		lf        loadFlags
		rng       = fs.String("range", "all", "metrics window: 24h, 7d, 30d, 90d or all")
		asOf      = fs.String("as-of", "", "end of the window, a block_time `T` (default: the latest block_time)")
		out       = fs.String("out", "-", "metrics JSON `FILE` (- for standard output)")
		flagsOut  = fs.String("flags", "", "per-trade flags `FILE` (.csv or .parquet)")
		preset    = fs.String("preset", "default", "detector preset `NAME` (default, dune)")
		threshold = fs.Float64("threshold", 0.5, "flag a trade whose score is ≥ `X` (0 to 1)")
		weights   = fs.String("weights", "", "scoring weights JSON `FILE` (from calibrate; default: the preset's)")
		top       = fs.Int("top", 100, "list at most `N` wallets and nfts (0 = all)")
		config    = fs.String("config", "", "JSON `FILE` of detector parameters {\"detector.name\": value}")
		params    paramFlag
	)
	lf.register(fs)
	fs.Var(&params, "param", "set a detector parameter: `detector.name=value` (repeatable); the parameters:"+paramList())
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return usagef("unexpected arguments: %s", strings.Join(args, " "))
		}
		if err := registry.Validate(); err != nil {
			return fmt.Errorf("detector registry: %w", err)
		}
		r, err := metrics.ParseRange(*rng)
		if err != nil {
			return usagef("--range: %v", err)
		}
		if math.IsNaN(*threshold) || *threshold < 0 || *threshold > 1 {
			return usagef("--threshold %v: want a number from 0 to 1", *threshold)
		}
		if *top < 0 {
			return usagef("--top %d: want 0 (all) or more", *top)
		}
		mopt := metrics.Options{Range: r, Top: *top}
		if *asOf != "" {
			t, err := datasets.ParseTime(*asOf, lf.timeFormat)
			if err != nil {
				return usagef("--as-of %q: %v", *asOf, err)
			}
			mopt.AsOf, mopt.HasAsOf = t, true
		}
		p, err := registry.Preset(*preset)
		if err != nil {
			return usagef("--preset: %v", err)
		}
		dp := detect.NewParams()
		if *config != "" {
			if err := dp.LoadConfig(*config); err != nil {
				return inputFileError(*config, err)
			}
		}
		for _, kv := range params {
			dp.Set(kv[0], kv[1])
		}
		if err := dp.Check(p.Detectors); err != nil {
			return usagef("%v", err)
		}
		w := &p.Weights
		if *weights != "" {
			if w, err = detect.ReadWeights(*weights); err != nil {
				return inputFileError(*weights, err)
			}
			for name := range w.Weights {
				if !presetHas(p, name) {
					return usagef("--weights %s: weight for %q, which preset %s does not run", *weights, name, p.Name)
				}
			}
		}
		if *flagsOut != "" {
			if ext := strings.ToLower(*flagsOut); !strings.HasSuffix(ext, ".csv") && !strings.HasSuffix(ext, ".parquet") {
				return usagef("--flags %s: want a .csv or .parquet file", *flagsOut)
			}
		}

		timer := newStageTimer(e.stderr)
		in, ok, err := lf.load(e)
		if err != nil {
			return err
		}
		if !ok { // no --trades: the embedded sample market and its funders
			t, f, err := sample.Load(datasets.LoadOptions{Stdin: e.stdin})
			if err != nil {
				return err
			}
			if in, err = lf.sideTables(t); err != nil {
				return err
			}
			if in.funders == nil {
				in.funders = f
			}
		}

		timer.lap("load")
		fset := features.Compute(in.trades)
		timer.lap("features")
		// The market tests read only the features: run them while the
		// detectors run.
		testsDone := make(chan *markettest.Report, 1)
		go func() {
			testsDone <- markettest.Run(fset, markettest.Options{Include: metrics.InWindow(fset, mopt)})
		}()
		res, err := pipeline.Run(e.ctx, &detect.Input{Features: fset, Funders: in.funders, DenyFunders: in.denyFunders, RewardPrograms: in.programs}, p, dp, w)
		if err != nil {
			<-testsDone
			return err
		}
		timer.lap("detect")
		// The metrics file is created (not yet committed) before the flags
		// file, so an unwritable --out leaves no flags file either.
		var outFile *datasets.AtomicFile
		if *out != "-" {
			if outFile, err = datasets.CreateAtomic(*out); err != nil {
				return err
			}
			defer outFile.Abort()
		}
		// The flags file is written while the metrics are computed.
		flagsDone := make(chan error, 1)
		if *flagsOut != "" {
			go func() { flagsDone <- report.Write(*flagsOut, in.trades, res.Scores, *threshold) }()
		} else {
			flagsDone <- nil
		}
		verdicts := report.Verdicts(res.Scores.Score, *threshold)
		mopt.Provenance = metrics.Provenance{
			Version:   version,
			Preset:    p.Name,
			Threshold: *threshold,
			Weights:   weightsSource(w),
			Params:    dp.Values(p.Detectors),
		}
		mopt.Tests = <-testsDone
		timer.lap("market_tests")
		rep := metrics.Compute(fset, verdicts, mopt)
		timer.lap("metrics")

		// The flags file is complete before the metrics are written; a
		// failure leaves neither.
		if err := <-flagsDone; err != nil {
			return err
		}
		timer.lap("flags")
		if outFile == nil {
			return rep.WriteJSON(e.stdout)
		}
		if err := rep.WriteJSON(outFile); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		return outFile.Commit()
	}
}

// inputFileError classifies an error reading a side file: unreadable is
// exit 66, unparseable a usage error.
func inputFileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &datasets.FileError{File: path, Err: pe.Err}
	}
	return usagef("%v", err)
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

func presetHas(p *detect.Preset, name string) bool {
	for _, d := range p.Detectors {
		if d.Name == name {
			return true
		}
	}
	return false
}

func weightsSource(w *detect.Weights) string {
	if w.Source == "" {
		return "builtin"
	}
	return w.Source
}
