//go:build ignore

// Command gen rewrites the embedded sample market from synth.SampleConfig.
// Run it with `go generate ./datasets/sample`.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/washscan/washscan/datasets/synth"
)

func main() {
	st, err := synth.WriteFiles(context.Background(), synth.SampleConfig(), "sample-market.csv.gz", "sample-funders.csv.gz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("sample: %d rows, %d wash, %d funders\n", st.Rows, st.WashRows, st.FunderRows)
}
