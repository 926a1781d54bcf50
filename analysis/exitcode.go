package analysis

import (
	"context"
	"errors"

	"github.com/washscan/washscan/datasets"
)

// Exit codes of docs/contract.md §4.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	ExitBadData = 65
	ExitNoInput = 66
	ExitSIGINT  = 130
)

// ExitCode maps an error of an analysis to its exit code (docs/contract.md
// §4): an error that knows its code (ExitCode() int, e.g. a signal's or a
// command's usage error) gives it; an *OptionError (even one wrapping the
// RowError of an invalid side file) or a bad load option 2;
// an unreadable file 66; a bad row 65; a cancellation 130; anything else 1.
// The washscan command and washscan-beam (dist/beam) both map errors here.
func ExitCode(err error) int {
	var re *datasets.RowError
	var fe *datasets.FileError
	var ec interface{ ExitCode() int }
	var oe *OptionError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.As(err, &oe), errors.Is(err, datasets.ErrBadOption):
		// Before the row and file errors: a readable but invalid side
		// file is a usage error even though a RowError names its line.
		return ExitUsage
	case errors.As(err, &fe):
		return ExitNoInput
	case errors.As(err, &re):
		return ExitBadData
	case errors.Is(err, context.Canceled):
		return ExitSIGINT
	}
	return ExitFailure
}
