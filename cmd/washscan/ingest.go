package main

import (
	"errors"
	"flag"
)

// ingestCmd is a placeholder until its owner lands it.
var ingestCmd = &command{
	name:    "ingest",
	usage:   "[flags]",
	summary: "not built yet",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		return func(*env, []string) error { return errors.New("ingest: not built yet") }
	},
}
