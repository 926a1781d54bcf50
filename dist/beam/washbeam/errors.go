package washbeam

import "github.com/washscan/washscan/analysis"

// Exit codes (docs/contract.md §4), as washscan's.
const (
	ExitOK      = analysis.ExitOK
	ExitFailure = analysis.ExitFailure
	ExitUsage   = analysis.ExitUsage
	ExitBadData = analysis.ExitBadData
	ExitNoInput = analysis.ExitNoInput
)

// ExitCode maps an error to its exit code as washscan analyze does
// (analysis.ExitCode).
func ExitCode(err error) int { return analysis.ExitCode(err) }

// WorkerError is an error a worker found, carried back to the launcher as
// data: its message and exit code are what washscan analyze would give.
type WorkerError struct {
	Stage string // "global", "scan", "detect"
	Order int    // where the error sits in the load order (file index; -1 before the trades)
	Msg   string
	Code  int
}

func (e *WorkerError) Error() string { return e.Msg }

// ExitCode is the exit code analyze gives for the error.
func (e *WorkerError) ExitCode() int { return e.Code }

func workerError(stage string, order int, err error) WorkerError {
	return WorkerError{Stage: stage, Order: order, Msg: err.Error(), Code: ExitCode(err)}
}

// firstError is the error the launcher reports: the detection stage's, which
// loads the trades as analyze does and so stops at analyze's first error;
// else the earliest in the load order.
func firstError(errs []WorkerError) *WorkerError {
	var best *WorkerError
	rank := func(e *WorkerError) int {
		if e.Stage == "detect" {
			return 0
		}
		return 1
	}
	for i := range errs {
		e := &errs[i]
		if best == nil || rank(e) < rank(best) || rank(e) == rank(best) && e.Order < best.Order {
			best = e
		}
	}
	return best
}
