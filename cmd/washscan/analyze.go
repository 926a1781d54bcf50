package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/detect/report/htmlreport"
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
		wf        windowFlags
		out       = fs.String("out", "-", "metrics JSON `FILE` (- for standard output)")
		flagsOut  = fs.String("flags", "", "per-trade flags `FILE` (.csv, .csv.gz, .csv.zst, .jsonl, .parquet)")
		htmlOut   = fs.String("html", "", "HTML report `FILE` of the run (self-contained; README \"HTML report\")")
		quiet     = fs.Bool("quiet", false, "no summary and no progress bars on standard error (shown when it is a terminal)")
		preset    = fs.String("preset", registry.Default.Name, "detector preset `NAME` (default, dune)")
		threshold = fs.Float64("threshold", analysis.DefaultThreshold, "flag a trade whose score is ≥ `X` (0 to 1)")
		weights   = fs.String("weights", "", "scoring weights JSON `FILE` (from calibrate; default: the preset's)")
		stateDir  = fs.String("state", "", "incremental run: state `DIR` (created when missing) holding the files read so far; --flags then holds the new and the changed rows")
	)
	maxMem := byteSize(physicalMemory() * 6 / 10)
	fs.Var(&maxMem, "max-memory", "memory `BYTES` (K, M, G suffixes) an analysis may take; a larger input is analyzed in time slices (default 60% of physical memory)")
	wf.register(fs, "list at most `N` wallets and nfts (0 = all)")
	lf.register(fs)
	cf.register(fs)
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return usagef("unexpected arguments: %s", strings.Join(args, " "))
		}
		mopt, err := wf.options(lf.timeFormat)
		if err != nil {
			return err
		}
		opt := analysis.Options{
			Input: lf.input(e),
			Settings: analysis.Settings{
				Threshold: *threshold,
				Metrics:   mopt,
				Version:   version,
				Stage:     newStageTimer(e.stderr).lap,
			},
			Out:    *out,
			Flags:  *flagsOut,
			Stdout: e.stdout,
			State:  *stateDir,
			Notice: e.stderr,
		}
		if opt.Config, err = analysis.Resolve(cf.spec(*preset, *weights, "--weights")); err != nil {
			return err
		}
		if *quiet {
			opt.Input.Load.Progress = nil
		}
		if !*quiet && isTerminal(e.stderr) {
			prog := newAnalyzeProgress(e.stderr)
			defer prog.Close()
			lap := opt.Stage
			opt.Stage = func(name string) { lap(name); prog.Stage(name) }
			opt.Loaded = func(t *datasets.Trades) { prog.Loaded(t.Len()) }
		}
		if *htmlOut != "" {
			opt.Extra = append(opt.Extra, analysis.Output{Option: "--html", Path: *htmlOut, Encode: htmlEncoder(opt.Metrics)})
		}
		if sliced, err := runOutOfCore(e, opt, int64(maxMem)); sliced || err != nil {
			return err
		}
		res, err := analysis.Run(e.ctx, opt)
		if res != nil {
			lf.reportRejects(e, res.Trades)
		}
		if err == nil && !*quiet && isTerminal(e.stderr) {
			err = writeSummary(e, res, opt)
		}
		return err
	}
}

// htmlEncoder returns the encoder of analyze's --html output.
func htmlEncoder(mopt metrics.Options) func(w io.Writer, r *analysis.Result) error {
	return func(w io.Writer, r *analysis.Result) error {
		return htmlreport.Write(w, &htmlreport.Source{
			Report: r.Metrics, Features: r.Features, Window: metrics.InWindow(r.Features, mopt),
			Flagged: r.Verdicts, Score: r.Scores.Score, Reasons: r.Scores.Reasons, Evidence: r.Scores.Evidence,
			Detectors: r.Config.Preset.Detectors, Weights: r.Config.Weights, Recorded: true, Top: mopt.Top,
			Origin: "washscan analyze",
		})
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeSummary writes the run's summary (report.WriteSummary) to stderr.
func writeSummary(e *env, res *analysis.Result, opt analysis.Options) error {
	var fired []report.Fired
	for _, d := range res.Config.Preset.Detectors {
		// The scores hold the findings: Run drops the Result (Detection.Result).
		fired = append(fired, report.Fired{Detector: d.Name, Rows: res.Scores.Fired(d)})
	}
	var outs []report.Output
	if opt.Out != "" && opt.Out != "-" {
		outs = append(outs, report.Output{What: "metrics", Path: opt.Out})
	} else if opt.Out == "-" {
		outs = append(outs, report.Output{What: "metrics", Path: "standard output"})
	}
	if opt.Flags != "" {
		outs = append(outs, report.Output{What: "flags", Path: opt.Flags})
	}
	for _, x := range opt.Extra {
		outs = append(outs, report.Output{What: strings.TrimPrefix(x.Option, "--"), Path: x.Path})
	}
	return report.WriteSummary(e.stderr, res.Metrics, fired, outs)
}

// paramList describes every detector parameter, one per line, for -help.
func paramList() string {
	var b strings.Builder
	for _, d := range registry.All {
		for _, q := range d.Params {
			fmt.Fprintf(&b, "\n  %s.%s %s", d.Name, q.Name, q.Help())
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
	var extra []string
	for _, o := range opt.Extra {
		extra = append(extra, o.Option)
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
	if len(extra) > 0 {
		fmt.Fprintf(e.stderr, "washscan: the input needs about %.1f GB, more than --max-memory %.1f GB, but %s needs the whole run: analyzing it in memory\n",
			float64(need)/1e9, float64(maxMem)/1e9, strings.Join(extra, ", "))
		return false, nil
	}
	// Between slices the collector frees the last slice's tables and
	// returns their pages, so the next slice starts from the merged metrics
	// alone. Collecting alone (runtime.GC) let the resident set creep up by
	// 1 to 3 GB a slice on the 50M year: the merged metrics, allocated in
	// every slice, scatter long-lived objects through the heap, the next
	// slice's large columns find no free run and take new pages while the
	// freed ones stay resident until the background scavenger returns them
	// (BENCHMARKS.md "Slices and 50M"). Returning them cut the peak of a
	// 10M year in 8 slices from 3,419 to 3,061 MiB (not yet measured at
	// 50M); faulting the pages in again costs about 1 s a GB.
	opt.AfterSlice = debug.FreeOSMemory
	fmt.Fprintf(e.stderr, "washscan: the input needs about %.1f GB, more than --max-memory %.1f GB: analyzing it in time slices\n",
		float64(need)/1e9, float64(maxMem)/1e9)
	_, run, err := analysis.RunSliced(e.ctx, opt, int(maxMem/analysis.BytesPerRow))
	if run != nil {
		if est := int64(run.MaxRows) * analysis.BytesPerRow; est > maxMem {
			fmt.Fprintf(e.stderr, "washscan: the largest slice with its halos needs about %.1f GB, more than --max-memory: the halos (twice the horizon) span too much of the input for slices to fit\n",
				float64(est)/1e9)
		}
	}
	return true, err
}
