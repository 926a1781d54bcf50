package main

import (
	"errors"
	"flag"
)

// benchCmd is a placeholder until its owner lands it.
var benchCmd = &command{
	name:    "bench",
	usage:   "[flags]",
	summary: "not built yet",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		return func(*env, []string) error { return errors.New("bench: not built yet") }
	},
}
