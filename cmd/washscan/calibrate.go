package main

import (
	"errors"
	"flag"
)

// calibrateCmd is a placeholder until its owner lands it.
var calibrateCmd = &command{
	name:    "calibrate",
	usage:   "[flags]",
	summary: "not built yet",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		return func(*env, []string) error { return errors.New("calibrate: not built yet") }
	},
}
