package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/washscan/washscan/analysis"
	"io"
	"strings"

	"github.com/washscan/washscan/bench"
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
		var cf configFlags
		cf.register(fs)
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
			if len(presets) == 0 {
				for _, p := range registry.Presets {
					presets = append(presets, p.Name)
				}
			}
			cfg := bench.Config{Threshold: *threshold, CollectionCut: *cut, Timing: *timing}
			spec := cf.spec("", *weights, "--weights")
			spec.WeightsPreset = registry.Default.Name
			var err error
			if cfg.Configs, err = analysis.ResolveAll(presets, spec); err != nil {
				return err
			}
			in := lf.input(e)
			var outPaths []analysis.Path
			if *out != "" {
				outPaths = append(outPaths, analysis.Path{Option: "--out", Name: *out})
			}
			if *plotPath != "" {
				outPaths = append(outPaths, analysis.Path{Option: "--plot", Name: *plotPath})
			}
			if err := in.CheckPaths(in.OutputPaths(outPaths...)); err != nil {
				return err
			}
			outs := analysis.NewOutputs(e.ctx, e.stdout)
			defer outs.Abort()
			t, err := analysis.Load(e.ctx, in, outs)
			if err != nil {
				return err
			}
			rep, err := bench.Run(e.ctx, t, cfg)
			if errors.Is(err, bench.ErrNoLabels) {
				return &dataError{fmt.Errorf("%s: %w", strings.Join(lf.trades, ", "), err)}
			}
			if err != nil {
				return err
			}
			if *out != "" {
				if err := outs.Add("--out", *out, rep.WriteJSON); err != nil {
					return err
				}
			}
			if *plotPath != "" {
				if err := outs.Add("--plot", *plotPath, func(w io.Writer) error { return rep.Plot(w, *plotPath) }); err != nil {
					return err
				}
			}
			if err := outs.Commit(); err != nil {
				return err
			}
			lf.reportRejects(e, t)
			if err := e.ctx.Err(); err != nil {
				return context.Cause(e.ctx)
			}
			if *out == "-" {
				return nil // stdout holds the JSON
			}
			return rep.WriteMarkdown(e.stdout)
		}
	},
}
