package synth_test

import (
	"fmt"
	"log"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
)

// counter is a RowWriter that counts labeled rows.
type counter struct{ wash, organic int }

func (c *counter) Write(r *datasets.Row) error {
	if r.Label == datasets.LabelWash {
		c.wash++
	} else {
		c.organic++
	}
	return nil
}
func (c *counter) Close() error { return nil }
func (c *counter) Abort()       {}

func ExampleGenerate() {
	var c counter
	st, err := synth.Generate(synth.Config{Trades: 10000, Seed: 1, WashShare: 0.1}, &c, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Rows, c.wash+c.organic, st.WashRows == int64(c.wash))
	fmt.Printf("wash share %.2f\n", st.WashShare())
	// Output:
	// 10000 10000 true
	// wash share 0.10
}
