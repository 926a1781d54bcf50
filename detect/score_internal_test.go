package detect

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestScoreReasonsEvidence checks the reasons and evidence Scores make on
// demand against a plain joining of each row's findings over the detectors
// in order, for every row of a synthetic market big enough for Score's
// goroutine path: rows of zero to four findings, empty evidence, one long
// evidence, and a detector listed twice (its findings count twice, as a
// preset listing it twice would). Subset rows must keep theirs, and rows
// with equal ReasonSets equal reasons. RowFindings must give each finding's
// detector, strength and evidence, although the Scores keep them packed.
func TestScoreReasonsEvidence(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	alpha := &Detector{Name: "alpha"}
	order := []*Detector{alpha, {Name: "beta"}, {Name: "gamma"}, alpha}
	const n = 1 << 17
	res := &Result{Findings: map[string][]Finding{}}
	for _, d := range order[:3] {
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
				ev = strings.Repeat("y", 3<<20/2)
			}
			fs = append(fs, Finding{Row: row, Strength: r.Float64(), Evidence: ev})
		}
		res.Findings[d.Name] = fs
	}
	w := &Weights{Weights: map[string]float64{"alpha": 1, "beta": 2, "gamma": 3}}
	got := Score(n, res, order, w)
	reasons, evidence := make([]string, n), make([]string, n)
	found := make([]string, n) // RowFindings' calls, as text
	for _, d := range order {
		for _, f := range res.Findings[d.Name] {
			found[f.Row] += fmt.Sprintf("%s %v %q;", d.Name, f.Strength, f.Evidence)
			if reasons[f.Row] != "" {
				reasons[f.Row] += "|"
			}
			reasons[f.Row] += d.Name
			if f.Evidence == "" {
				continue
			}
			if evidence[f.Row] != "" {
				evidence[f.Row] += "; "
			}
			evidence[f.Row] += d.Name + ": " + f.Evidence
		}
	}
	bySet := map[uint64]string{}
	buf := []byte("prefix")
	for i := range n {
		if g := got.Reasons(i); g != reasons[i] {
			t.Fatalf("row %d: reasons %q, want %q", i, g, reasons[i])
		}
		if g := got.Evidence(i); g != evidence[i] {
			t.Fatalf("row %d: evidence %.80q, want %.80q", i, g, evidence[i])
		}
		if g := got.AppendEvidence(buf[:6], i); string(g) != "prefix"+evidence[i] {
			t.Fatalf("row %d: AppendEvidence after a prefix %.80q", i, g)
		}
		if g := got.AppendReasons(buf[:6], i); string(g) != "prefix"+reasons[i] {
			t.Fatalf("row %d: AppendReasons after a prefix %q", i, g)
		}
		var calls strings.Builder
		got.RowFindings(i, func(d *Detector, strength float64, ev string) {
			fmt.Fprintf(&calls, "%s %v %q;", d.Name, strength, ev)
		})
		if calls.String() != found[i] {
			t.Fatalf("row %d: RowFindings %.80q, want %.80q", i, calls.String(), found[i])
		}
		set, ok := got.ReasonSet(i)
		if !ok {
			t.Fatal("ReasonSet not ok for 4 detectors")
		}
		if (set == 0) != (reasons[i] == "") {
			t.Fatalf("row %d: set %b for reasons %q", i, set, reasons[i])
		}
		if s, ok := bySet[set]; ok && s != reasons[i] {
			t.Fatalf("row %d: set %b has reasons %q and %q", i, set, s, reasons[i])
		}
		bySet[set] = reasons[i]
	}
	rows := []int32{777, 0, 5, n - 1, 777}
	sub := got.Subset(rows)
	for j, row := range rows {
		if sub.Reasons(j) != reasons[row] || sub.Evidence(j) != evidence[row] || sub.Score[j] != got.Score[row] {
			t.Errorf("subset row %d (row %d): %q %.40q %v", j, row, sub.Reasons(j), sub.Evidence(j), sub.Score[j])
		}
	}
	var none Scores
	if none.Reasons(0) != "" || none.Evidence(0) != "" {
		t.Error("Scores without findings have reasons")
	}
}

// TestPackFindings checks that packed findings give back each strength and
// evidence, and keep each evidence string once: one string reported on
// several rows, adjacent or not, takes one span; equal contents from
// different strings, and a prefix of a string (same first byte, shorter),
// take their own.
func TestPackFindings(t *testing.T) {
	shared := "ring " + strings.Repeat("z", 10)
	a2 := string([]byte("a"))
	fs := []Finding{
		{Row: 1, Strength: 0.5, Evidence: "a"},
		{Row: 2, Strength: 1, Evidence: shared},
		{Row: 3, Strength: 0.25, Evidence: shared},
		{Row: 4, Strength: 0.75, Evidence: ""},
		{Row: 5, Strength: 0.125, Evidence: a2},
		{Row: 6, Strength: 1, Evidence: "ccc"},
		{Row: 7, Strength: 1, Evidence: shared},
		{Row: 8, Strength: 0.5, Evidence: shared[:4]},
		{Row: 9, Strength: 0.5, Evidence: a2},
	}
	l := packFindings(fs)
	for k, f := range fs {
		if g := l.evidence(int32(k)); g != f.Evidence || l.f[k].strength != f.Strength {
			t.Errorf("finding %d: %v %q, want %v %q", k, l.f[k].strength, g, f.Strength, f.Evidence)
		}
	}
	if want := len("a") + len(shared) + len(a2) + len("ccc") + len(shared[:4]); len(l.text) != want {
		t.Errorf("text of %d bytes %q, want %d (each evidence string once)", len(l.text), l.text, want)
	}
	if e := packFindings(nil); len(e.f) != 0 || e.text != "" {
		t.Errorf("no findings packed as %+v", e)
	}
}
