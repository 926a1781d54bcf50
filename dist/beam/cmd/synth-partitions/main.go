// Command synth-partitions writes a synthetic market as daily hive
// partitions (block_date=YYYY-MM-DD/part-N.parquet) and its funders CSV:
// the input of washscan-beam's measurements (README "Distributed").
//
//	synth-partitions -trades 1000000 -days 90 -dir market -funders funders.csv
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/washscan/washscan/datasets/synth"
	"github.com/washscan/washscan/dist/beam/internal/partsynth"
)

func main() {
	n := flag.Int64("trades", 100_000, "rows `N`")
	days := flag.Float64("days", 30, "span in `DAYS`")
	seed := flag.Uint64("seed", 1, "random seed")
	dir := flag.String("dir", "", "output `DIR` (created)")
	ext := flag.String("ext", ".parquet", "file extension: .parquet, .csv, .jsonl")
	funders := flag.String("funders", "", "funders CSV `FILE`")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "synth-partitions: want -dir")
		os.Exit(2)
	}
	cfg := synth.Config{Trades: *n, Seed: *seed, Days: *days, Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}
	var f *os.File
	if *funders != "" {
		var err error
		if f, err = os.Create(*funders); err != nil {
			fmt.Fprintln(os.Stderr, "synth-partitions:", err)
			os.Exit(1)
		}
	}
	st, err := partsynth.Write(cfg, *dir, *ext, f)
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth-partitions:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "synth-partitions: %d rows (%d wash) under %s\n", st.Rows, st.WashRows, *dir)
}
