package main

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
)

// loadFlags are the input flags shared by analyze, bench and calibrate.
type loadFlags struct {
	trades      multiFlag
	funders     string
	mapCols     kvFlag
	setCols     kvFlag
	timeFormat  string
	allow       string
	denyFunders string
	skipBad     bool
	rejects     string
}

func (l *loadFlags) register(fs *flag.FlagSet) {
	l.mapCols = kvFlag{}
	l.setCols = kvFlag{}
	fs.Var(&l.trades, "trades", "trades `FILE` (CSV, Parquet, JSON Lines; .gz/.zst; - for CSV on stdin); repeat for one dataset of several files")
	fs.StringVar(&l.funders, "funders", "", "first-funder CSV `FILE` (wallet,funder[,block_time])")
	fs.Var(l.mapCols, "map", "rename columns: `canonical=theirs[,...]` (repeatable)")
	fs.Var(l.setCols, "set", "constant for a missing column: `column=value[,...]` (repeatable)")
	fs.StringVar(&l.timeFormat, "time-format", "", "Go time `LAYOUT` for block_time values the built-in forms do not read (e.g. 01/02/06)")
	fs.StringVar(&l.allow, "allow", "", "`FILE` of addresses treated as unknown (escrows, aggregators, marketplace vaults)")
	fs.StringVar(&l.denyFunders, "deny-funders", "", "`FILE` of funders that never link wallets (exchanges, bridges, mixers)")
	fs.BoolVar(&l.skipBad, "skip-bad-rows", false, "keep going past bad rows, writing them to --rejects")
	fs.StringVar(&l.rejects, "rejects", analysis.DefaultRejects, "`FILE` for rows rejected under --skip-bad-rows")
}

// input returns what the flags ask to load.
func (l *loadFlags) input(e *env) analysis.Input {
	in := analysis.Input{
		Trades: l.trades,
		Load: datasets.LoadOptions{
			Map:         l.mapCols,
			Set:         l.setCols,
			TimeFormat:  l.timeFormat,
			SkipBadRows: l.skipBad,
			Stdin:       e.stdin,
			Funders:     l.funders,
			Allow:       l.allow,
			DenyFunders: l.denyFunders,
			OnLoad:      e.onLoad,
		},
		Rejects: l.rejects,
	}
	if f, isFile := e.stderr.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
		in.Load.Progress = e.stderr
	}
	return in
}

// reportRejects tells how many bad rows were skipped, and where they went.
func (l *loadFlags) reportRejects(e *env, t *datasets.Trades) {
	if t != nil && l.skipBad && t.Stats.RowsRejected > 0 {
		fmt.Fprintf(e.stderr, "washscan: %d bad rows skipped, listed in %s\n", t.Stats.RowsRejected, l.rejects)
	}
}

// configFlags are the detection flags shared by analyze, bench and
// calibrate: one syntax for each, resolved by analysis.Resolve.
type configFlags struct {
	config string
	params paramFlag
	// reward programs (detect/farming): files added to the built-in list,
	// or replacing it under noDefaultPrograms.
	programs          multiFlag
	noDefaultPrograms bool
}

func (c *configFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "JSON `FILE` of detector parameters {\"detector.name\": value}")
	fs.Var(&c.params, "param", "set a detector parameter: `detector.name=value[,...]` (repeatable); the parameters:"+paramList())
	fs.Var(&c.programs, "reward-programs", "CSV `FILE` of marketplace trading-reward programs (chain,platform,start,end,rewarded,source) added to the built-in list (repeatable)")
	fs.BoolVar(&c.noDefaultPrograms, "no-default-reward-programs", false, "start from an empty reward program list instead of the built-in one")
}

// spec returns the resolver's input for preset and weights file.
func (c *configFlags) spec(preset, weights, weightsOption string) analysis.ConfigSpec {
	return analysis.ConfigSpec{Preset: preset, Config: c.config, Params: c.params, Weights: weights, WeightsOption: weightsOption,
		RewardPrograms: c.programs, NoDefaultRewardPrograms: c.noDefaultPrograms}
}

// paramFlag collects --param settings (analysis.ParamFlag).
type paramFlag = analysis.ParamFlag

// windowFlags are the metrics window of analyze and report: --range,
// --as-of and --top.
type windowFlags struct {
	rng, asOf string
	top       int
}

func (w *windowFlags) register(fs *flag.FlagSet, topDoc string) {
	fs.StringVar(&w.rng, "range", "all", "metrics window: 24h, 7d, 30d, 90d or all")
	fs.StringVar(&w.asOf, "as-of", "", "end of the window, a block_time `T` (default: the latest block_time)")
	fs.IntVar(&w.top, "top", 100, topDoc)
}

// options parses the window flags; --as-of reads as block_time does under
// timeFormat (--time-format).
func (w *windowFlags) options(timeFormat string) (metrics.Options, error) {
	r, err := metrics.ParseRange(w.rng)
	if err != nil {
		return metrics.Options{}, usagef("--range: %v", err)
	}
	if w.top < 0 {
		return metrics.Options{}, usagef("--top %d: want 0 (all) or more", w.top)
	}
	opt := metrics.Options{Range: r, Top: w.top}
	if w.asOf != "" {
		t, err := datasets.ParseTime(w.asOf, timeFormat)
		if err != nil {
			return metrics.Options{}, usagef("--as-of %q: %v", w.asOf, err)
		}
		opt.AsOf, opt.HasAsOf = t, true
	}
	return opt, nil
}
