package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/calibrate"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/features"
)

var calibrateCmd = &command{
	name: "calibrate",
	usage: "--trades LABELED [--funders FILE] --out WEIGHTS.json [--preset NAME] [flags]\n\n" +
		"Runs the preset's detectors on the labeled trades and fits the scoring bias and weights by\n" +
		"L2-regularised logistic regression (L-BFGS) on the labeled rows that some detector reported;\n" +
		"rows no detector reports score 0 under any weights and stay out of the fit. The penalty\n" +
		"shrinks each weight toward the preset's own (or --prior's), so a detector that never fires on\n" +
		"the data keeps its weight. Writes the weights JSON atomically (read it with analyze --weights)\n" +
		"and prints them with the in-sample precision, recall and F1 at --threshold before and after.",
	summary: "fit the scoring weights on labeled data",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		var lf loadFlags
		lf.register(fs)
		out := fs.String("out", "", "write the fitted weights to `FILE` (JSON, atomically); required")
		presetName := fs.String("preset", registry.Default.Name, "preset whose detectors are weighted: `NAME`")
		threshold := fs.Float64("threshold", 0.5, "score at or above which a row is flagged, for the printed metrics")
		lambda := fs.Float64("lambda", calibrate.DefaultLambda, "L2 penalty λ on the distance of the weights from the prior (0 for none)")
		prior := fs.String("prior", "", "weights `FILE` to start from and shrink toward (default: the preset's)")
		config := fs.String("config", "", "detector parameters: JSON `FILE` of \"detector.param\": value")
		params := kvFlag{}
		fs.Var(params, "param", "set a detector parameter: `detector.param=value[,...]` (repeatable)")
		return func(e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if len(lf.trades) == 0 {
				return usagef("calibrate needs labeled data: --trades FILE")
			}
			if *out == "" {
				return usagef("calibrate needs --out FILE")
			}
			if !(*threshold > 0 && *threshold <= 1) {
				return usagef("--threshold %v: want a number in (0, 1]", *threshold)
			}
			if !(*lambda >= 0) {
				return usagef("--lambda %v: want a number ≥ 0", *lambda)
			}
			if err := registry.Validate(); err != nil {
				return err
			}
			preset, err := registry.Preset(*presetName)
			if err != nil {
				return usagef("--preset: %v", err)
			}
			pw := &preset.Weights
			if *prior != "" {
				if pw, err = detect.ReadWeights(*prior); err != nil {
					return usagef("%v", err)
				}
			}
			ps := detect.NewParams()
			if *config != "" {
				if err := ps.LoadConfig(*config); err != nil {
					return usagef("%v", err)
				}
			}
			for k, v := range params {
				ps.Set(k, v)
			}
			if err := ps.Check(preset.Detectors); err != nil {
				return usagef("%v", err)
			}
			in, _, err := lf.load(e)
			if err != nil {
				if errors.Is(err, datasets.ErrBadOption) {
					return usagef("%v", err)
				}
				return err
			}
			labeled := 0
			for _, l := range in.trades.Label {
				if l != datasets.LabelNone {
					labeled++
				}
			}
			if labeled == 0 {
				return &dataError{fmt.Errorf("%s: no row has an is_wash label", strings.Join(lf.trades, ", "))}
			}
			dIn := &detect.Input{Features: features.Compute(in.trades), Funders: in.funders, DenyFunders: in.denyFunders, RewardPrograms: in.programs}
			o, err := pipeline.Run(e.ctx, dIn, preset, ps, pw)
			if err != nil {
				return err
			}
			lam := *lambda
			if lam == 0 {
				lam = -1 // Options: negative means no penalty
			}
			fit, err := calibrate.Fit(in.trades.Len(), o.Result, preset.Detectors, in.trades.Label,
				calibrate.Options{Lambda: lam, Prior: pw, Threshold: *threshold})
			if errors.Is(err, calibrate.ErrNoRows) {
				return &dataError{fmt.Errorf("%s: %w", strings.Join(lf.trades, ", "), err)}
			}
			if err != nil {
				return err
			}
			if err := calibrate.WriteFile(*out, fit.Weights); err != nil {
				return err
			}
			printFit(e.stdout, preset.Name, pw, labeled, fit, *out)
			return nil
		}
	},
}

// printFit prints the fitted weights and the in-sample metrics.
func printFit(w io.Writer, preset string, prior *detect.Weights, labeled int, fit *calibrate.Result, out string) {
	fmt.Fprintf(w, "preset %s: %d labeled rows, %d reported by a detector (%d wash) entered the fit\n",
		preset, labeled, fit.Rows, fit.Wash)
	fmt.Fprintf(w, "\n%-24s %10s %10s\n", "", "prior", "fitted")
	fmt.Fprintf(w, "%-24s %10.4f %10.4f\n", "bias", prior.Bias, fit.Weights.Bias)
	names := make([]string, 0, len(fit.Weights.Weights))
	for k := range fit.Weights.Weights {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "%-24s %10.4f %10.4f\n", k, prior.Weights[k], fit.Weights.Weights[k])
	}
	fmt.Fprintf(w, "\nin-sample at threshold %g:  precision  recall      F1    TP    FP    FN\n", fit.After.Threshold)
	for _, r := range []struct {
		name string
		m    calibrate.Metrics
	}{{"prior weights", fit.Before}, {"fitted weights", fit.After}} {
		fmt.Fprintf(w, "  %-26s %9.4f %7.4f %7.4f %5d %5d %5d\n", r.name, r.m.Precision, r.m.Recall, r.m.F1, r.m.TP, r.m.FP, r.m.FN)
	}
	fmt.Fprintf(w, "\nweights written to %s\n", out)
}
