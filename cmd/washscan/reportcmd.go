package main

import (
	"flag"
	"strings"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
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
		out     = fs.String("out", "", "HTML report `FILE` to write")
		wf      windowFlags
	)
	wf.register(fs, "list at most `N` entries per list (0 = all)")
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
		opt, err := wf.options("")
		if err != nil {
			return err
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
