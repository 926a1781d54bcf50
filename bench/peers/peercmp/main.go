// Command peercmp prints the side-by-side table of bench/peers/run.sh: for
// DuckDB's Dune SQL and each washscan run, wall time and peak RSS (from GNU
// time -v reports), rows flagged, precision/recall/F1 against the is_wash
// labels, and the Jaccard index of each flagged set with DuckDB's.
//
// Usage:
//
//	peercmp --trades FILE --duckdb FLAGGED.csv:TIME.txt [--peer NAME=FLAGGED.csv:TIME.txt ...] \
//	        --washscan NAME=FLAGS.csv:TIME.txt [--washscan ...] [--compare NAME ...]
//	        [--map ...] [--set ...] [--time-format L]
//
// --duckdb is the reference run (DuckDB on the CSV); --peer adds other
// DuckDB runs (on a Parquet of the same rows); every run named by
// --compare (default "dune") must flag exactly the reference's rows.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/washscan/washscan/bench/peers"
	"github.com/washscan/washscan/datasets"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

type kv map[string]string

func (m kv) String() string { return "" }
func (m kv) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("want name=value, got %q", p)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "peercmp:", err)
		os.Exit(1)
	}
}

type tool struct {
	name    string
	flagged map[peers.Key]bool
	usage   peers.Usage
}

func readTool(name, spec string, duck bool) (*tool, error) {
	flagsPath, timePath, ok := strings.Cut(spec, ":")
	if !ok {
		return nil, fmt.Errorf("%s: want FLAGS.csv:TIME.txt, got %q", name, spec)
	}
	f, err := os.Open(flagsPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &tool{name: name}
	if duck {
		t.flagged, err = peers.ReadDuckDB(f)
	} else {
		t.flagged, _, err = peers.ReadFlags(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagsPath, err)
	}
	tf, err := os.Open(timePath)
	if err != nil {
		return nil, err
	}
	defer tf.Close()
	if t.usage, err = peers.ParseTimeV(tf); err != nil {
		return nil, fmt.Errorf("%s: %w", timePath, err)
	}
	return t, nil
}

func f3(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("peercmp", flag.ContinueOnError)
	trades := fs.String("trades", "", "the trades `FILE` both tools read (its is_wash labels score them)")
	duck := fs.String("duckdb", "", "DuckDB's `FLAGGED.csv:TIME.txt`")
	var wash multi
	fs.Var(&wash, "washscan", "a washscan run: `NAME=FLAGS.csv:TIME.txt` (repeatable)")
	var peerRuns, compare multi
	fs.Var(&peerRuns, "peer", "another DuckDB run: `NAME=FLAGGED.csv:TIME.txt` (repeatable)")
	fs.Var(&compare, "compare", "a run whose flagged set must equal DuckDB's (repeatable; default dune)")
	maps, sets := kv{}, kv{}
	fs.Var(maps, "map", "column renames as for washscan")
	fs.Var(sets, "set", "constant columns as for washscan")
	timeFormat := fs.String("time-format", "", "time layout as for washscan")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trades == "" || *duck == "" || len(wash) == 0 {
		return fmt.Errorf("need --trades, --duckdb and at least one --washscan")
	}
	t, err := datasets.Load([]string{*trades}, datasets.LoadOptions{Map: maps, Set: sets, TimeFormat: *timeFormat})
	if err != nil {
		return err
	}
	labels := peers.Labels(t)
	d, err := readTool("duckdb dune SQL", *duck, true)
	if err != nil {
		return err
	}
	if len(compare) == 0 {
		compare = multi{"dune"}
	}
	tools := []*tool{d}
	for _, r := range []struct {
		opt  string
		runs multi
		duck bool
	}{{"--peer", peerRuns, true}, {"--washscan", wash, false}} {
		for _, s := range r.runs {
			name, spec, ok := strings.Cut(s, "=")
			if !ok {
				return fmt.Errorf("%s %q: want NAME=FLAGS.csv:TIME.txt", r.opt, s)
			}
			x, err := readTool(name, spec, r.duck)
			if err != nil {
				return err
			}
			tools = append(tools, x)
		}
	}
	wash1 := 0
	for _, l := range labels {
		if l {
			wash1++
		}
	}
	fmt.Fprintf(w, "%s: %d rows loaded, %d labeled (%d wash).\n\n", *trades, t.Len(), len(labels), wash1)
	fmt.Fprintln(w, "| tool | wall s | user+sys s | peak RSS MB | flagged rows | precision | recall | F1 | Jaccard vs DuckDB |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	var diffs []string
	for _, x := range tools {
		p, r, f1 := math.NaN(), math.NaN(), math.NaN()
		if len(labels) > 0 {
			c := peers.Score(x.flagged, labels)
			p, r, f1 = c.Precision, c.Recall, c.F1
		}
		j, onlyD, onlyX := peers.Jaccard(d.flagged, x.flagged)
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.0f | %d | %s | %s | %s | %s |\n", x.name, x.usage.Wall.Seconds(),
			x.usage.UserSec+x.usage.SysSec, float64(x.usage.MaxRSSKB)/1024, len(x.flagged), f3(p), f3(r), f3(f1), f3(j))
		if slices.Contains(compare, x.name) && (len(onlyD) > 0 || len(onlyX) > 0) {
			diffs = append(diffs, fmt.Sprintf("%s disagrees with DuckDB: %d rows only DuckDB flags, %d only washscan flags", x.name, len(onlyD), len(onlyX)))
			for i, k := range onlyD {
				if i < 10 {
					diffs = append(diffs, "  only DuckDB:   "+k.String())
				}
			}
			for i, k := range onlyX {
				if i < 10 {
					diffs = append(diffs, "  only washscan: "+k.String())
				}
			}
		}
	}
	if len(diffs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(diffs, "\n"))
	} else {
		fmt.Fprintf(w, "\n%s and DuckDB flag exactly the same rows.\n", strings.Join(compare, "; "))
	}
	return nil
}
