package main

import (
	"errors"
	"flag"
)

// analyzeCmd is a placeholder until its owner lands it.
var analyzeCmd = &command{
	name:    "analyze",
	usage:   "[flags]",
	summary: "not built yet",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		return func(*env, []string) error { return errors.New("analyze: not built yet") }
	},
}
