package datasets

import (
	"context"
	"fmt"
)

// sideOpener is op for the side files of opt (funders, allow and deny
// lists): with opt.Context set, their reads fail once it is done, so
// Ctrl-C stops a long funders file as it stops the trades.
func sideOpener(opt *LoadOptions, op opener) opener {
	if opt.Context == nil {
		return op
	}
	return ctxOpener{op: op, ctx: opt.Context}
}

type ctxOpener struct {
	op  opener
	ctx context.Context
}

func (o ctxOpener) open(name string) (inputFile, int64, error) {
	f, n, err := o.op.open(name)
	if err != nil {
		return nil, n, err
	}
	return ctxFile{f, o.ctx}, n, nil
}

// ctxFile is a file whose reads fail, wrapping the context's cause, once
// the context is done (checked at each read: every 64 KiB of a side file).
type ctxFile struct {
	inputFile
	ctx context.Context
}

func (f ctxFile) Read(p []byte) (int, error) {
	if f.ctx.Err() != nil {
		return 0, fmt.Errorf("stopped: %w", context.Cause(f.ctx))
	}
	return f.inputFile.Read(p)
}
