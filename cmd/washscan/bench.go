package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/washscan/washscan/bench"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/registry"
)

// dataError is bad input data that is not one bad row (exit 65).
type dataError struct{ err error }

func (e *dataError) Error() string { return e.err.Error() }
func (e *dataError) Unwrap() error { return e.err }
func (e *dataError) ExitCode() int { return exitBadData }

var benchCmd = &command{
	name: "bench",
	usage: "--trades LABELED [--funders FILE] [--out FILE.json] [--plot FILE.png|.svg] [flags]\n\n" +
		"Runs every preset (or those named by --preset) on the labeled trades and reports, per preset, per\n" +
		"union of a preset's detectors and per detector alone: precision, recall and F1 at --threshold,\n" +
		"PR-AUC (average precision) and ROC-AUC, at trade, wallet and collection level, plus trades/s.\n" +
		"A Markdown table goes to standard output. Rows with an empty is_wash are left out; a file\n" +
		"without any is_wash label is bad input data (exit 65).",
	summary: "score every detector and preset against the is_wash labels",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		var lf loadFlags
		lf.register(fs)
		out := fs.String("out", "", "write the report as JSON to `FILE` (atomically)")
		plotPath := fs.String("plot", "", "draw the PR curves of the presets to `FILE` (.png or .svg)")
		threshold := fs.Float64("threshold", bench.DefaultThreshold, "score at or above which a row is flagged")
		cut := fs.Float64("collection-cut", bench.DefaultCollectionCut, "share of wash sales at or above which a collection counts as wash")
		var presets multiFlag
		fs.Var(&presets, "preset", "benchmark only preset `NAME` (repeatable; default: every preset)")
		config := fs.String("config", "", "detector parameters: JSON `FILE` of \"detector.param\": value")
		params := kvFlag{}
		fs.Var(params, "param", "set a detector parameter: `detector.param=value[,...]` (repeatable)")
		weights := fs.String("weights", "", "scoring weights `FILE` for the default preset (from washscan calibrate)")
		timing := fs.Bool("timing", true, "include wall times and trades/s (set false for byte-identical output)")
		return func(e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if len(lf.trades) == 0 {
				return usagef("bench needs labeled data: --trades FILE")
			}
			if !(*threshold > 0 && *threshold <= 1) {
				return usagef("--threshold %v: want a number in (0, 1]", *threshold)
			}
			if !(*cut > 0 && *cut <= 1) {
				return usagef("--collection-cut %v: want a number in (0, 1]", *cut)
			}
			if *plotPath != "" {
				if _, err := bench.PlotFormat(*plotPath); err != nil {
					return usagef("--plot: %v", err)
				}
			}
			if err := registry.Validate(); err != nil {
				return err
			}
			cfg := bench.Config{Threshold: *threshold, CollectionCut: *cut, Timing: *timing, Params: detect.NewParams()}
			if len(presets) == 0 {
				cfg.Presets = registry.Presets
			}
			for _, name := range presets {
				p, err := registry.Preset(name)
				if err != nil {
					return usagef("--preset: %v", err)
				}
				cfg.Presets = append(cfg.Presets, p)
			}
			if *config != "" {
				if err := cfg.Params.LoadConfig(*config); err != nil {
					return usagef("%v", err)
				}
			}
			for k, v := range params {
				cfg.Params.Set(k, v)
			}
			if *weights != "" {
				w, err := detect.ReadWeights(*weights)
				if err != nil {
					return usagef("%v", err)
				}
				cfg.Weights = map[string]*detect.Weights{registry.Default.Name: w}
			}
			in, _, err := lf.load(e, *out, *plotPath)
			if err != nil {
				if errors.Is(err, datasets.ErrBadOption) {
					return usagef("%v", err)
				}
				return err
			}
			rep, err := bench.Run(e.ctx, in.trades, in.funders, in.denyFunders, cfg)
			if errors.Is(err, bench.ErrNoLabels) {
				return &dataError{fmt.Errorf("%s: %w", strings.Join(lf.trades, ", "), err)}
			}
			if err != nil {
				return err
			}
			if *out != "" {
				a, err := datasets.CreateAtomic(*out)
				if err != nil {
					return err
				}
				if err := rep.WriteJSON(a); err != nil {
					a.Abort()
					return fmt.Errorf("write %s: %w", *out, err)
				}
				if err := a.Commit(); err != nil {
					return err
				}
			}
			if *plotPath != "" {
				if err := rep.Plot(*plotPath); err != nil {
					return err
				}
			}
			if *out == "-" {
				return nil // stdout holds the JSON
			}
			return rep.WriteMarkdown(e.stdout)
		}
	},
}
