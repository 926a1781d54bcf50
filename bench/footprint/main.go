// Command footprint loads trade files as washscan analyze does and prints
// what the loaded table holds, part by part, in MiB and bytes per trade
// (datasets.Trades.Footprint), with the load's time and the live heap once
// the load's garbage is collected: the per-column table of BENCHMARKS.md
// ("Loader memory").
//
//	footprint [--funders FILE] TRADES...
//
// The collector runs at GOGC 50, as in washscan's main (the table's bytes
// do not depend on it; the load's time and transient peak do).
// Peak RSS comes from outside (/usr/bin/time -f %M).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/washscan/washscan/datasets"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("footprint", flag.ContinueOnError)
	funders := fs.String("funders", "", "first funders CSV `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("usage: footprint [--funders FILE] TRADES...")
	}
	debug.SetGCPercent(50) // as washscan's main
	t0 := time.Now()
	t, err := datasets.Load(fs.Args(), datasets.LoadOptions{Funders: *funders})
	if err != nil {
		return err
	}
	el := time.Since(t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n := max(t.Len(), 1)
	fmt.Fprintf(w, "rows %d  load %.2fs  live heap %.0f MiB = %.1f B/row\n",
		t.Len(), el.Seconds(), float64(ms.HeapAlloc)/(1<<20), float64(ms.HeapAlloc)/float64(n))
	fmt.Fprint(w, datasets.FootprintTable(t.Footprint(), t.Len()))
	runtime.KeepAlive(t)
	return nil
}
