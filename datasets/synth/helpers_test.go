package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/washscan/washscan/datasets"
)

// collector keeps copies of the rows written to it.
type collector struct {
	rows   []datasets.Row
	closed bool
}

func (c *collector) Write(r *datasets.Row) error {
	cp := *r
	if r.TxFrom != nil {
		a := *r.TxFrom
		cp.TxFrom = &a
	}
	c.rows = append(c.rows, cp)
	return nil
}
func (c *collector) Close() error { c.closed = true; return nil }
func (c *collector) Abort()       {}

func collect(t testing.TB, cfg Config) ([]datasets.Row, Stats, []byte) {
	t.Helper()
	var c collector
	var f bytes.Buffer
	st, err := Generate(cfg, &c, &f)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", cfg, err)
	}
	if int64(len(c.rows)) != st.Rows {
		t.Fatalf("wrote %d rows, Stats.Rows = %d", len(c.rows), st.Rows)
	}
	return c.rows, st, f.Bytes()
}

// writeFiles generates cfg into dir/name (format by extension) and dir/funders.csv.
func writeFiles(t testing.TB, cfg Config, dir, name string) (trades, funders string, st Stats) {
	t.Helper()
	trades = filepath.Join(dir, name)
	funders = filepath.Join(dir, "funders.csv")
	w, err := datasets.CreateWriter(trades)
	if err != nil {
		t.Fatal(err)
	}
	fa, err := datasets.CreateAtomic(funders)
	if err != nil {
		t.Fatal(err)
	}
	st, err = Generate(cfg, w, fa)
	if err != nil {
		w.Abort()
		fa.Abort()
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fa.Commit(); err != nil {
		t.Fatal(err)
	}
	return trades, funders, st
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
