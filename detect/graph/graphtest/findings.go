package graphtest

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Findings collects the findings of a scan for a reference test: Add is
// the scan's report function.
type Findings struct {
	list []finding
}

type finding struct {
	row      int32
	strength float64
	evidence string
}

// Add records one finding.
func (f *Findings) Add(row int32, strength float64, evidence string) {
	f.list = append(f.list, finding{row, strength, evidence})
}

// Len is the number of findings recorded.
func (f *Findings) Len() int { return len(f.list) }

// Equal reports whether f and g hold the same findings, in any order:
// rows, strengths bit for bit, and evidence strings.
func (f *Findings) Equal(g *Findings) bool {
	order := func(a, b finding) int {
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		if c := cmp.Compare(math.Float64bits(a.strength), math.Float64bits(b.strength)); c != 0 {
			return c
		}
		return strings.Compare(a.evidence, b.evidence)
	}
	slices.SortFunc(f.list, order)
	slices.SortFunc(g.list, order)
	return slices.EqualFunc(f.list, g.list, func(a, b finding) bool { return order(a, b) == 0 })
}
