// Package analysis is washscan's analysis as a library call: the one path
// from trade files to metrics and flags that the analyze, bench and calibrate
// commands, the benchmarks and the report code share.
//
// [Run] owns a whole run: it checks the output paths, loads the trades with
// their side tables, computes the features, runs the preset's detectors and
// the market tests, scores every row, computes the metrics and commits the
// outputs (metrics JSON, flags file, rejects, and any extra [Output])
// together, atomically, stopping when its context is cancelled. Its stages are
// exported for callers that need only part of it:
//
//   - [Resolve] turns a preset name, a --config file, --param settings and a
//     weights file into a checked [Config];
//   - [Load] reads the trades (or the embedded sample market) into a finished
//     table, side tables applied;
//   - [Config.Detect] runs detectors and scoring over computed features;
//   - [Analyze] runs everything after loading, writing nothing;
//   - [Outputs] and [CheckPaths] are the commit step, for commands that write
//     other files (bench's report, calibrate's weights).
//
// The package never changes process-wide settings (GC, signals): the command
// does, and hands in a context that signals cancel.
package analysis

import (
	"context"
	"errors"
	"io"
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

// DefaultThreshold is the score from which a row is flagged unless the
// caller says otherwise (analyze's --threshold).
const DefaultThreshold = 0.5

// DefaultRejects is where rejected rows go under SkipBadRows when no
// rejects file is named.
const DefaultRejects = "rejects.csv"

// Input is what to load.
type Input struct {
	// Trades names the trade files; empty loads the embedded sample market
	// (with its own funders unless Load.Funders names others).
	Trades []string
	// Load are the loader's options, side tables (Funders, Allow,
	// DenyFunders) included.
	Load datasets.LoadOptions
	// Files, when not nil, are the trade files to read instead of the
	// expansion of Trades (analyze --state: the state's copies, then the
	// new files), each with its partition columns.
	Files []datasets.InputFile
	// Rejects is the file for rows rejected under Load.SkipBadRows;
	// "" means DefaultRejects. Load sets Load.OnReject itself.
	Rejects string
}

// rejectsPath is the rejects output, "" when rows are not skipped.
func (in *Input) rejectsPath() string {
	if !in.Load.SkipBadRows {
		return ""
	}
	if in.Rejects == "" {
		return DefaultRejects
	}
	return in.Rejects
}

// paths lists every input file, side files included.
func (in *Input) paths() []string {
	p := append([]string(nil), in.Trades...)
	for _, s := range []string{in.Load.Allow, in.Load.DenyFunders} {
		if s != "" {
			p = append(p, s)
		}
	}
	if in.Load.Funders != "" && in.Load.FundersFS == nil {
		p = append(p, in.Load.Funders)
	}
	return p
}

// OutputPaths lists the outputs in and the given ones name, for
// CheckPaths: the rejects file first.
func (in *Input) OutputPaths(more ...Path) []Path {
	var ps []Path
	if r := in.rejectsPath(); r != "" {
		ps = append(ps, Path{Option: "--rejects", Name: r})
	}
	return append(ps, more...)
}

// CheckPaths checks the outputs against in's inputs, as the package-level
// CheckPaths does.
func (in *Input) CheckPaths(outputs []Path) error {
	return CheckPaths(in.paths(), in.Load.Stdin, outputs)
}

// Load reads in into a finished table: trades, then funders, allow and deny
// lists (datasets.LoadOptions). Rejected rows under SkipBadRows are written
// to the rejects file through outs, to be committed with the caller's other
// outputs; with outs nil, Load commits the rejects file itself. A side file
// that was read but is not valid is an *OptionError; one that cannot be read
// a *datasets.FileError.
func Load(ctx context.Context, in Input, outs *Outputs) (*datasets.Trades, error) {
	if outs == nil && in.rejectsPath() != "" {
		outs = NewOutputs(ctx, nil)
		defer outs.Abort()
		t, err := Load(ctx, in, outs)
		if err == nil {
			err = outs.Commit()
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	opt := in.Load
	if opt.Context == nil {
		opt.Context = ctx // Ctrl-C stops a load too
	}
	var rej *datasets.RejectsWriter
	if path := in.rejectsPath(); path != "" {
		w, err := outs.Create("--rejects", path)
		if err != nil {
			return nil, err
		}
		rej = datasets.NewRejectsWriter(w)
		opt.OnReject = rej.Add
	}
	var t *datasets.Trades
	var err error
	switch {
	case in.Files != nil:
		t, err = datasets.LoadInputs(in.Files, opt)
	case len(in.Trades) == 0:
		t, err = sample.Load(opt)
	default:
		t, err = datasets.Load(in.Trades, opt)
	}
	if err == nil && rej != nil {
		err = rej.Flush()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, sideError(&opt, err)
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return t, nil
}

// sideError makes a bad row of a side file a usage error.
func sideError(opt *datasets.LoadOptions, err error) error {
	var re *datasets.RowError
	if errors.As(err, &re) {
		for _, s := range []struct{ option, path string }{
			{"--funders", opt.Funders}, {"--allow", opt.Allow}, {"--deny-funders", opt.DenyFunders},
		} {
			if s.path != "" && re.File == s.path && opt.FundersFS == nil {
				return &OptionError{Option: s.option, Err: err}
			}
		}
	}
	if errors.Is(err, datasets.ErrBadOption) {
		return &OptionError{Err: err}
	}
	return err
}

// Detection is what detection found over one table under one Config.
type Detection struct {
	Result *detect.Result // findings, per-detector results and wall times
	Scores *detect.Scores // per row
}

// Detect runs c's detectors over fs and scores every row with c's weights.
// It is what bench and calibrate run per preset.
func (c *Config) Detect(ctx context.Context, t *datasets.Trades, fs *features.Set) (*Detection, error) {
	out, err := pipeline.Run(ctx, &detect.Input{Features: fs, Funders: t.Funders, DenyFunders: t.DenyFunders, RewardPrograms: c.RewardPrograms}, c.Preset, c.Params, c.Weights)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	return &Detection{Result: out.Result, Scores: out.Scores}, nil
}

// Settings are the choices of an analysis after loading.
type Settings struct {
	// Config is the detection configuration; nil is the default preset with
	// its defaults.
	Config *Config
	// Threshold flags a row whose score is ≥ Threshold (0 to 1); analyze's
	// default is DefaultThreshold.
	Threshold float64
	// Metrics are the window and list options (Range, AsOf, HasAsOf, Top);
	// Run fills in Provenance and Tests.
	Metrics metrics.Options
	// Version is washscan.version in the metrics.
	Version string
	// Stage, when non-nil, is called as each stage ends ("load",
	// "features", "detect", "market_tests", "metrics", "write"), e.g. for
	// timings.
	Stage func(name string)
	// Loaded, when non-nil, is called by Run with the loaded table before
	// the "load" stage ends (e.g. to size a progress bar).
	Loaded func(t *datasets.Trades)
}

func (s *Settings) stage(name string) {
	if s.Stage != nil {
		s.Stage(name)
	}
}

// Result is the outcome of an analysis. Analyze fills every field; Run's
// result lacks Features and Detection.Result unless Options.KeepAll is set
// or there are Extra outputs (whose Encode always sees them).
type Result struct {
	Trades   *datasets.Trades
	Features *features.Set
	Config   *Config
	*Detection
	Verdicts []bool // per row: score ≥ threshold
	Tests    *markettest.Report
	Metrics  *metrics.Report
}

// Analyze runs every stage after loading over t: features, detectors and
// market tests, scores, verdicts and metrics. It writes nothing.
func Analyze(ctx context.Context, t *datasets.Trades, s Settings) (*Result, error) {
	return analyze(ctx, t, s, nil, true)
}

// analyze is Analyze calling afterMetrics, when not nil, once the metrics
// are known (Run starts writing the flags there). Unless keep is set it
// drops the detectors' findings and results once the scores are known, and
// the features once the metrics are: they are most of the memory of a run.
// The flags are encoded after the metrics, not beside them, so that the
// metrics' scratch, the features and the flags writer's row groups are
// never live at the same time (BENCHMARKS.md "peak (session 7)").
func analyze(ctx context.Context, t *datasets.Trades, s Settings, afterMetrics func(*Result) error, keep bool) (*Result, error) {
	if err := checkSettings(&s); err != nil {
		return nil, err
	}
	r := &Result{Trades: t, Config: s.Config}
	r.Features = features.Compute(t)
	s.stage("features")
	mopt := s.Metrics
	// The market tests read only the features: run them while the detectors
	// run.
	testsDone := make(chan *markettest.Report, 1)
	go func() {
		testsDone <- markettest.Run(r.Features, markettest.Options{Include: metrics.InWindow(r.Features, mopt)})
	}()
	d, err := s.Config.Detect(ctx, t, r.Features)
	if err != nil {
		<-testsDone
		return nil, err
	}
	r.Detection = d
	s.stage("detect")
	r.Verdicts = report.Verdicts(d.Scores.Score, s.Threshold)
	if !keep {
		r.Detection = &Detection{Scores: d.Scores}
	}
	mopt.Provenance = s.provenance()
	r.Tests = <-testsDone
	mopt.Tests = r.Tests
	s.stage("market_tests")
	r.Metrics = metrics.Compute(r.Features, r.Verdicts, mopt)
	s.stage("metrics")
	if !keep {
		r.Features = nil
	}
	if afterMetrics != nil {
		if err := afterMetrics(r); err != nil {
			return nil, err
		}
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return r, nil
}

// provenance is the metrics' washscan block for s (its Config resolved).
func (s *Settings) provenance() metrics.Provenance {
	return metrics.Provenance{
		Version:   s.Version,
		Preset:    s.Config.Preset.Name,
		Threshold: s.Threshold,
		Weights:   s.Config.WeightsSource(),
		Params:    s.Config.Params.Values(s.Config.Preset.Detectors),
	}
}

// Provenance is the metrics' washscan block of s (a nil Config: the
// default preset's), e.g. for the key-value metadata of flags written
// apart from Run (washscan-beam's Parquet parts).
func (s Settings) Provenance() (metrics.Provenance, error) {
	if err := checkSettings(&s); err != nil {
		return metrics.Provenance{}, err
	}
	return s.provenance(), nil
}

// Check checks s as Analyze and Run do before any work (a nil Config
// becomes the default preset's), for callers that check a command line
// before handing s to workers (washscan-beam).
func (s *Settings) Check() error { return checkSettings(s) }

func checkSettings(s *Settings) error {
	if s.Config == nil {
		c, err := Resolve(ConfigSpec{})
		if err != nil {
			return err
		}
		s.Config = c
	}
	if !(s.Threshold >= 0 && s.Threshold <= 1) {
		return optionErr("--threshold", "%v: want a number from 0 to 1", s.Threshold)
	}
	if s.Metrics.Top < 0 {
		return optionErr("--top", "%d: want 0 (all) or more", s.Metrics.Top)
	}
	return nil
}

// Output is an extra output of a run (an HTML report, a state directory's
// files), encoded from the result and committed with the others.
type Output struct {
	Option string // the flag naming it, for messages
	Path   string
	Encode func(w io.Writer, r *Result) error
}

// Options are everything one run needs.
type Options struct {
	Input
	Settings
	// Out is the metrics JSON file, "-" for Stdout; "" writes none.
	Out string
	// Flags is the per-trade flags file (one of report.Formats); "" writes none.
	Flags string
	// Extra outputs, encoded from the whole result and committed after the
	// flags and metrics.
	Extra []Output
	// KeepAll keeps Features and Detection.Result in the returned Result.
	// Without it, and without Extra outputs, Run drops the findings once
	// the scores are known and the features once the metrics are, to keep
	// its peak memory down; Scores, Verdicts, Tests and Metrics are always
	// kept.
	KeepAll bool
	// Stdout receives the output named "-" (nil: os.Stdout).
	Stdout io.Writer
	// State is the state directory of an incremental run (analyze --state,
	// see state.go); "" runs alone. Flags then holds the new rows and the
	// earlier rows whose score changed.
	State string
	// Notice receives notices such as a known file skipped (nil: none).
	Notice io.Writer
	// AfterSlice, when set, is called by RunSliced after each slice, once
	// the slice's tables are garbage: the program's hook to collect them
	// and return their memory (washscan's main: debug.FreeOSMemory), so
	// that the next slice does not grow on top of them. The library never
	// collects by itself.
	AfterSlice func()
}

// commitOutputs adds the metrics (unless outAdded: the caller added them)
// and the extra outputs of r to outs and commits them all.
func (opt *Options) commitOutputs(outs *Outputs, r *Result, outAdded bool) error {
	if opt.Out != "" && !outAdded {
		if err := outs.Add("--out", opt.Out, r.Metrics.WriteJSON); err != nil {
			return err
		}
	}
	for _, x := range opt.Extra {
		if err := outs.Add(x.Option, x.Path, func(w io.Writer) error { return x.Encode(w, r) }); err != nil {
			return err
		}
	}
	return outs.Commit()
}

// Run checks the options and output paths, loads, analyzes and commits the
// outputs. When ctx is cancelled it stops, removes every temporary file and
// returns context.Cause(ctx); a cancellation that arrives once the outputs
// are being renamed into place waits for them, and Run then returns the
// cause with every output committed.
func Run(ctx context.Context, opt Options) (*Result, error) {
	if err := checkSettings(&opt.Settings); err != nil {
		return nil, err
	}
	if f := opt.Flags; f != "" && report.FormatOf(f) == "" {
		return nil, optionErr("--flags", "%s: want a file ending in %s", f, strings.Join(report.Formats, ", "))
	}
	var named []Path
	if opt.Flags != "" {
		named = append(named, Path{Option: "--flags", Name: opt.Flags})
	}
	if opt.Out != "" {
		named = append(named, Path{Option: "--out", Name: opt.Out})
	}
	for _, x := range opt.Extra {
		named = append(named, Path{Option: x.Option, Name: x.Path})
	}
	if opt.State != "" {
		named = append(named, Path{Option: "--state", Name: opt.State, Dir: true})
	}
	if err := opt.Input.CheckPaths(opt.Input.OutputPaths(named...)); err != nil {
		return nil, err
	}
	if opt.State != "" {
		st, err := openState(&opt, opt.Notice)
		if err != nil {
			return nil, err
		}
		defer st.unlock()
		return runState(ctx, opt, st)
	}
	outs := NewOutputs(ctx, opt.Stdout)
	defer outs.Abort()
	t, err := Load(ctx, opt.Input, outs)
	if err != nil {
		return nil, err
	}
	if opt.Loaded != nil {
		opt.Loaded(t)
	}
	opt.stage("load")
	keep := opt.KeepAll || len(opt.Extra) > 0
	outAdded := false
	r, err := analyze(ctx, t, opt.Settings, func(r *Result) error {
		if opt.Flags == "" {
			return nil
		}
		ft, fsc := r.Trades, r.Scores
		path := opt.Flags
		fopt := report.Options{
			Threshold: opt.Threshold,
			Dune:      r.Config.Preset.Name == registry.Dune.Name,
			Metadata:  metrics.FlagsMetadata(opt.provenance(), metrics.InputOf(r.Trades, opt.Metrics.Files)),
		}
		err := outs.Add("--flags", path, func(w io.Writer) error {
			return report.WriteTo(w, report.FormatOf(path), ft, fsc, fopt)
		})
		if err != nil || opt.Out == "" {
			return err
		}
		// The metrics JSON, known by now and small, is encoded beside the
		// flags file (whose pipeline leaves a core idle while it builds its
		// first row group and closes its last) instead of after it. It is
		// added after the flags, so the renames keep their order.
		outAdded = true
		return outs.AddBeside("--out", opt.Out, r.Metrics.WriteJSON)
	}, keep)
	if err != nil {
		return nil, err
	}
	if err := opt.commitOutputs(outs, r, outAdded); err != nil {
		return nil, err
	}
	opt.stage("write")
	if ctx.Err() != nil { // arrived while the outputs were renamed into place
		return r, context.Cause(ctx)
	}
	return r, nil
}
