package main

import (
	"errors"
	"flag"
)

// synthCmd is a placeholder until its owner lands it.
var synthCmd = &command{
	name:    "synth",
	usage:   "[flags]",
	summary: "not built yet",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		return func(*env, []string) error { return errors.New("synth: not built yet") }
	},
}
