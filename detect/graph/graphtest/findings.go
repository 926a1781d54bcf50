package graphtest

import (
	"cmp"
	"fmt"
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

// Diff compares f, a scan's findings, with want, an independent reference's,
// in any order: the same rows and evidence strings, strengths within tol
// (a reference that sums in another order may differ in the last bits).
// It returns "" when they agree, else the first difference.
func (f *Findings) Diff(want *Findings, tol float64) string {
	order := func(a, b finding) int {
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		if c := strings.Compare(a.evidence, b.evidence); c != 0 {
			return c
		}
		return cmp.Compare(a.strength, b.strength)
	}
	slices.SortFunc(f.list, order)
	slices.SortFunc(want.list, order)
	for i := 0; i < max(len(f.list), len(want.list)); i++ {
		switch {
		case i >= len(f.list):
			return fmt.Sprintf("missing row %d %.9g %q", want.list[i].row, want.list[i].strength, want.list[i].evidence)
		case i >= len(want.list):
			return fmt.Sprintf("extra row %d %.9g %q", f.list[i].row, f.list[i].strength, f.list[i].evidence)
		}
		a, b := f.list[i], want.list[i]
		if a.row != b.row || a.evidence != b.evidence || math.Abs(a.strength-b.strength) > tol {
			return fmt.Sprintf("row %d %.9g %q, reference row %d %.9g %q", a.row, a.strength, a.evidence, b.row, b.strength, b.evidence)
		}
	}
	return ""
}

// Best returns, per row, the finding a detector's result keeps: the
// strongest, then the one with the smaller evidence (detect's rule).
func (f *Findings) Best() *Findings {
	best := map[int32]finding{}
	for _, x := range f.list {
		b, ok := best[x.row]
		if !ok || x.strength > b.strength || (x.strength == b.strength && x.evidence < b.evidence) {
			best[x.row] = x
		}
	}
	out := &Findings{}
	for _, x := range best {
		out.list = append(out.list, x)
	}
	return out
}
