package detect

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestScoreEvidenceChunks checks the evidence Score cuts from shared chunks
// against the plain joining of each row's findings, on a table big enough
// for the two-goroutine path and several chunks, with rows of one, two and
// three findings, empty evidence, and one evidence longer than a chunk.
func TestScoreEvidenceChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	order := []*Detector{{Name: "alpha"}, {Name: "beta"}, {Name: "gamma"}}
	const n = 1 << 17
	res := &Result{Findings: map[string][]Finding{}}
	for _, d := range order {
		var fs []Finding
		for row := int32(0); row < n; row++ {
			if r.IntN(3) != 0 {
				continue
			}
			ev := ""
			if r.IntN(10) > 0 {
				ev = fmt.Sprintf("%s saw row %d %s", d.Name, row, strings.Repeat("x", r.IntN(40)))
			}
			if row == 777 && d.Name == "beta" {
				ev = strings.Repeat("y", 3*evChunk/2)
			}
			fs = append(fs, Finding{Row: row, Strength: r.Float64(), Evidence: ev})
		}
		res.Findings[d.Name] = fs
	}
	w := &Weights{Weights: map[string]float64{"alpha": 1, "beta": 2, "gamma": 3}}
	got := Score(n, res, order, w)
	want := make([]string, n)
	for _, d := range order {
		for _, f := range res.Findings[d.Name] {
			if f.Evidence == "" {
				continue
			}
			if want[f.Row] != "" {
				want[f.Row] += "; "
			}
			want[f.Row] += d.Name + ": " + f.Evidence
		}
	}
	for i := range want {
		if got.Evidence[i] != want[i] {
			t.Fatalf("row %d: evidence %.80q, want %.80q", i, got.Evidence[i], want[i])
		}
	}
}
