package synth

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/washscan/washscan/datasets"
)

// WriteFiles generates cfg into the trades file tradesPath (any format
// [datasets.CreateWriter] takes) and, unless fundersPath is "", the funders
// CSV fundersPath (.gz or .zst compressed when so named). Both files are
// written atomically: on error neither appears. Cancelling ctx stops the run
// with ctx's error.
func WriteFiles(ctx context.Context, cfg Config, tradesPath, fundersPath string) (Stats, error) {
	if _, err := cfg.Normalize(); err != nil {
		return Stats{}, err
	}
	w, err := datasets.CreateWriter(tradesPath)
	if err != nil {
		return Stats{}, err
	}
	defer w.Abort()
	var (
		fa *datasets.AtomicFile
		fw io.Writer
		fc io.Closer
	)
	if fundersPath != "" {
		if fa, err = datasets.CreateAtomic(fundersPath); err != nil {
			return Stats{}, err
		}
		defer fa.Abort()
		fw = fa
		switch l := strings.ToLower(fundersPath); {
		case strings.HasSuffix(l, ".gz"):
			z := gzip.NewWriter(fa)
			fw, fc = z, z
		case strings.HasSuffix(l, ".zst"):
			z, err := zstd.NewWriter(fa, zstd.WithEncoderConcurrency(1))
			if err != nil {
				return Stats{}, fmt.Errorf("create %s: %w", fundersPath, err)
			}
			fw, fc = z, z
		}
	}
	cw := &ctxWriter{RowWriter: w, ctx: ctx}
	st, err := Generate(cfg, cw, fw)
	if err != nil {
		return st, err
	}
	if err := w.Close(); err != nil {
		return st, err
	}
	if fa != nil {
		if fc != nil {
			if err := fc.Close(); err != nil {
				return st, fmt.Errorf("write %s: %w", fundersPath, err)
			}
		}
		if err := fa.Commit(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// ctxWriter fails a write once ctx is cancelled (checked every 64k rows).
type ctxWriter struct {
	datasets.RowWriter
	ctx context.Context
	n   int
}

func (w *ctxWriter) Write(r *datasets.Row) error {
	w.n++
	if w.n&0xffff == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	return w.RowWriter.Write(r)
}
