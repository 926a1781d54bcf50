// Command washscan-beam runs washscan's analysis as an Apache Beam pipeline
// (README "Distributed"): analyze's input, detection and output flags, plus
// Beam's runner flags (--runner, --endpoint, --environment_type,
// --worker_binary, ...). With no --runner it runs on Beam's Prism runner, in
// process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/dist/beam/washbeam"
)

// version is washscan.version in the metrics: washscan's release, set at
// link time with -ldflags "-X main.version=…" as for washscan itself.
var version = "0.1.0-dev"

// signalError is the cause of a cancellation by a signal.
type signalError struct {
	msg  string
	code int
}

func (e *signalError) Error() string { return e.msg }
func (e *signalError) ExitCode() int { return e.code }

// exitCode is the process's exit status, set by run.
var exitCode int

func main() {
	run()
	os.Exit(exitCode)
}

func run() {
	var (
		j       washbeam.Job
		trades  analysis.ListFlag
		mapCols = analysis.KVFlag{}
		setCols = analysis.KVFlag{}
		params  analysis.ParamFlag
	)
	fs := flag.CommandLine // Beam's runner flags live there too
	fs.Var(&trades, "trades", "trades `FILE` or directory (CSV, Parquet, JSON Lines; .gz/.zst; hive key=value partitions); repeat for one dataset of several")
	fs.StringVar(&j.Funders, "funders", "", "first-funder CSV `FILE` (wallet,funder[,block_time])")
	fs.Var(mapCols, "map", "rename columns: `canonical=theirs[,...]` (repeatable)")
	fs.Var(setCols, "set", "constant for a missing column: `column=value[,...]` (repeatable)")
	fs.StringVar(&j.TimeFormat, "time-format", "", "Go time `LAYOUT` for block_time values the built-in forms do not read")
	fs.StringVar(&j.Allow, "allow", "", "`FILE` of addresses treated as unknown (escrows, aggregators, marketplace vaults)")
	fs.StringVar(&j.DenyFunders, "deny-funders", "", "`FILE` of funders that never link wallets (exchanges, bridges, mixers)")
	fs.BoolVar(&j.SkipBadRows, "skip-bad-rows", false, "keep going past bad rows, writing them to --rejects")
	fs.StringVar(&j.Rejects, "rejects", analysis.DefaultRejects, "`FILE` for rows rejected under --skip-bad-rows")
	fs.StringVar(&j.Config, "config", "", "JSON `FILE` of detector parameters {\"detector.name\": value}")
	fs.Var(&params, "param", "set a detector parameter: `detector.name=value[,...]` (repeatable; see washscan help analyze)")
	fs.StringVar(&j.Range, "range", "all", "metrics window: 24h, 7d, 30d, 90d or all")
	fs.StringVar(&j.AsOf, "as-of", "", "end of the window, a block_time `T` (default: the latest block_time)")
	fs.StringVar(&j.Out, "out", "-", "metrics JSON `FILE` (- for standard output)")
	fs.StringVar(&j.Flags, "flags", "", "per-trade flags `DIR`, written as Parquet part files part-SSSSS-NNNNN.parquet (slice, part)")
	fs.StringVar(&j.Preset, "preset", registry.Default.Name, "detector preset `NAME` (default, dune)")
	fs.Float64Var(&j.Threshold, "threshold", analysis.DefaultThreshold, "flag a trade whose score is ≥ `X` (0 to 1)")
	fs.StringVar(&j.Weights, "weights", "", "scoring weights JSON `FILE` (from washscan calibrate)")
	fs.IntVar(&j.Top, "top", 100, "list at most `N` wallets and nfts (0 = all)")
	fs.StringVar(&j.Staging, "staging", "", "`DIR` the workers write their outputs to before the launcher commits them; it must be shared by launcher and workers (default: a new temporary directory, enough for Prism)")
	fs.IntVar(&j.PartRows, "part-rows", washbeam.DefaultPartRows, "rows per flags part `N`")
	fs.Int64Var(&j.SliceRows, "slice-rows", washbeam.DefaultSliceRows, "rows a time slice owns, about `N` (when the preset has a finite horizon; else one slice)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: washscan-beam [--trades FILE|DIR]... [flags] [Beam runner flags]\n\n"+
			"Runs washscan analyze as an Apache Beam pipeline; with no --runner, on Prism in process.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	flag.Parse()
	beam.Init() // a worker started by a runner runs here and exits
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "washscan-beam: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		exitCode = washbeam.ExitUsage
		return
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50) // as washscan's main (cmd/washscan) while it loads
	}
	j.Trades, j.Map, j.Set, j.Params = trades, mapCols, setCols, params
	j.Version = version
	j.Runner = *runners.Runner
	if j.Runner == "" {
		j.Runner = "prism"
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			if s == syscall.SIGTERM {
				cancel(&signalError{"terminated", 143})
			} else {
				cancel(&signalError{"interrupted", 130})
			}
		}
	}()
	// WASHSCAN_CPUPROFILE=FILE writes a CPU profile of the run, workers
	// included on Prism (as for washscan; not part of the interface).
	if path := os.Getenv("WASHSCAN_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	err := washbeam.Run(ctx, j, beamx.Run, os.Stdout)
	signal.Stop(sigs)
	if err == nil {
		return
	}
	code := washbeam.ExitCode(err)
	fmt.Fprintf(os.Stderr, "washscan-beam: %v\n", err)
	var oe *analysis.OptionError
	if code == washbeam.ExitUsage && errors.As(err, &oe) {
		fmt.Fprintln(os.Stderr, "run 'washscan-beam -help' for usage")
	}
	exitCode = code
}
