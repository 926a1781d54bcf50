package main

import (
	"errors"
	"flag"
)

// fundersCmd is a placeholder until its owner lands it.
var fundersCmd = &command{
	name:    "funders",
	usage:   "[flags]",
	summary: "not built yet",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		return func(*env, []string) error { return errors.New("funders: not built yet") }
	},
}
