package main

import (
	"flag"
	"strings"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/detect/report/htmlreport"
)

var reportCmd = &command{
	name:    "report",
	usage:   "--flags FLAGS [--funders FILE] [--range R] [--as-of T] [--top N] --out FILE.html",
	summary: "write the HTML report of a flags file, without detecting again (metrics recomputed from it)",
	flags:   reportFlags,
}

func reportFlags(fs *flag.FlagSet) func(*env, []string) error {
	var (
		flagsIn = fs.String("flags", "", "flags `FILE` written by analyze --flags (.csv, .csv.gz, .csv.zst, .jsonl, .parquet)")
		funders = fs.String("funders", "", "funders CSV `FILE`: show each listed wallet's first funder")
		rng     = fs.String("range", "all", "metrics window: 24h, 7d, 30d, 90d or all")
		asOf    = fs.String("as-of", "", "end of the window, a block_time `T` (default: the latest block_time)")
		top     = fs.Int("top", 100, "list at most `N` entries per list (0 = all)")
		out     = fs.String("out", "", "HTML report `FILE` to write")
	)
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return usagef("unexpected arguments: %s", strings.Join(args, " "))
		}
		if *flagsIn == "" || *out == "" {
			return usagef("--flags and --out are required")
		}
		if err := report.CheckName(*flagsIn); err != nil {
			return usagef("--flags: %v", err)
		}
		r, err := metrics.ParseRange(*rng)
		if err != nil {
			return usagef("--range: %v", err)
		}
		if *top < 0 {
			return usagef("--top %d: want 0 (all) or more", *top)
		}
		opt := metrics.Options{Range: r, Top: *top}
		if *asOf != "" {
			t, err := datasets.ParseTime(*asOf, "")
			if err != nil {
				return usagef("--as-of %q: %v", *asOf, err)
			}
			opt.AsOf, opt.HasAsOf = t, true
		}
		// The output is checked before any work (not a directory, writable,
		// not one of the inputs).
		ins := []string{*flagsIn}
		if *funders != "" {
			ins = append(ins, *funders)
		}
		if err := analysis.CheckPaths(ins, e.stdin, []analysis.Path{{Option: "--out", Name: *out}}); err != nil {
			return err
		}
		src, err := htmlreport.FromFlags(*flagsIn, *funders, opt, datasets.LoadOptions{})
		if err != nil {
			return err
		}
		// A Parquet flags file names its preset: document its detectors,
		// and their weights when they were the builtin ones.
		if src.Recorded {
			if p, err := registry.Preset(src.Report.Washscan.Preset); err == nil {
				src.Detectors = p.Detectors
				if src.Report.Washscan.Weights == "builtin" {
					src.Weights = &p.Weights
				}
			}
		}
		return htmlreport.WriteFile(*out, src)
	}
}
