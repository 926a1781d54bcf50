// Package partsynth writes a synthetic market (datasets/synth) as daily hive
// partitions, block_date=YYYY-MM-DD/part-N.EXT, as a data lake holds trades:
// the test input of washscan-beam and of its measurements.
package partsynth

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
)

// Write generates cfg into daily partitions under dir, each file named by
// ext (".parquet", ".csv", ...), and the funders CSV to funders unless it is
// "". Rows keep the generator's order within a day; a day whose rows come
// back after another day started gets a further part file.
func Write(cfg synth.Config, dir, ext string, funders *os.File) (synth.Stats, error) {
	w := &dayWriter{dir: dir, ext: ext, parts: map[string]int{}}
	defer w.Abort()
	var st synth.Stats
	var err error
	if funders != nil {
		st, err = synth.Generate(cfg, w, funders)
	} else {
		st, err = synth.Generate(cfg, w, nil)
	}
	if err != nil {
		return st, err
	}
	return st, w.Close()
}

// dayWriter routes rows to the file of their day.
type dayWriter struct {
	dir, ext string
	day      string
	cur      datasets.RowWriter
	parts    map[string]int // files written per day
}

func (w *dayWriter) Write(r *datasets.Row) error {
	day := time.Unix(r.BlockTime, 0).UTC().Format("2006-01-02")
	if day != w.day || w.cur == nil {
		if err := w.Close(); err != nil {
			return err
		}
		d := filepath.Join(w.dir, "block_date="+day)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		n := w.parts[day]
		w.parts[day] = n + 1
		cur, err := datasets.CreateWriter(filepath.Join(d, fmt.Sprintf("part-%d%s", n, w.ext)))
		if err != nil {
			return err
		}
		w.cur, w.day = cur, day
	}
	return w.cur.Write(r)
}

// Close commits the current file.
func (w *dayWriter) Close() error {
	if w.cur == nil {
		return nil
	}
	err := w.cur.Close()
	w.cur = nil
	return err
}

// Abort discards the current file.
func (w *dayWriter) Abort() {
	if w.cur != nil {
		w.cur.Abort()
		w.cur = nil
	}
}
