package calibrate

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

var (
	strong = &detect.Detector{Name: "strong"}
	weak   = &detect.Detector{Name: "weak"}
	silent = &detect.Detector{Name: "silent"}
	order  = []*detect.Detector{strong, weak, silent}
)

// fixture: 400 rows. "strong" fires on wash rows 0–99 and on organic rows
// 100–109; "weak" fires on wash rows 50–99 and organic rows 110–199 (a
// friends-trade signal); rows 200–399 are organic and unreported, 380–399
// wash but missed by everyone; "silent" never fires.
func fixture() (int, *detect.Result, []datasets.Label) {
	n := 400
	labels := make([]datasets.Label, n)
	res := &detect.Result{Findings: map[string][]detect.Finding{}}
	for i := 0; i < n; i++ {
		switch {
		case i < 100 || i >= 380:
			labels[i] = datasets.LabelWash
		default:
			labels[i] = datasets.LabelOrganic
		}
		if i < 110 {
			res.Findings["strong"] = append(res.Findings["strong"], detect.Finding{Row: int32(i), Strength: 1})
		}
		if (i >= 50 && i < 100) || (i >= 110 && i < 200) {
			res.Findings["weak"] = append(res.Findings["weak"], detect.Finding{Row: int32(i), Strength: 0.6})
		}
	}
	labels[300] = datasets.LabelNone
	return n, res, labels
}

func TestFit(t *testing.T) {
	n, res, labels := fixture()
	prior := &detect.Weights{Bias: 0, Weights: map[string]float64{"strong": 1, "weak": 1, "silent": 2.5}}
	fit, err := Fit(n, res, order, labels, Options{Prior: prior})
	if err != nil {
		t.Fatal(err)
	}
	w := fit.Weights.Weights
	if fit.Rows != 200 || fit.Wash != 100 {
		t.Errorf("fit rows %d (wash %d), want 200 (100)", fit.Rows, fit.Wash)
	}
	if !(w["strong"] > w["weak"]) {
		t.Errorf("weights %v: want strong > weak", w)
	}
	if w["silent"] != 2.5 {
		t.Errorf("silent detector: weight %v, want its prior 2.5", w["silent"])
	}
	// With the prior every reported row is flagged: 110 + 90 flagged, 100 true.
	if b := fit.Before; b.TP != 100 || b.FP != 100 || b.FN != 20 {
		t.Errorf("before: %+v", b)
	}
	// Fitted: weak alone stays below 0.5; strong flags its rows.
	if a := fit.After; a.TP != 100 || a.FP != 10 || a.FN != 20 || a.TN != 269 {
		t.Errorf("after: %+v", a)
	}
	if fit.After.F1 <= fit.Before.F1 {
		t.Errorf("F1 did not improve: %v -> %v", fit.Before.F1, fit.After.F1)
	}
}

func TestFitNoRows(t *testing.T) {
	n, res, labels := fixture()
	for i := range labels {
		labels[i] = datasets.LabelNone
	}
	if _, err := Fit(n, res, order, labels, Options{}); !errors.Is(err, ErrNoRows) {
		t.Errorf("all unlabeled: err %v, want ErrNoRows", err)
	}
	if _, err := Fit(n, res, order, labels[:3], Options{}); err == nil {
		t.Error("short labels: no error")
	}
}

func TestWriteFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	w := &detect.Weights{Bias: -1.25, Weights: map[string]float64{"b": 2, "a": 0.5}}
	if err := WriteFile(path, w); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := "{\n  \"bias\": -1.25,\n  \"weights\": {\n    \"a\": 0.5,\n    \"b\": 2\n  }\n}\n"
	if string(data) != want {
		t.Errorf("file:\n%s\nwant:\n%s", data, want)
	}
	r, err := detect.ReadWeights(path)
	if err != nil || r.Bias != w.Bias || r.Weights["a"] != 0.5 {
		t.Errorf("read back %+v, %v", r, err)
	}
}

func TestEvaluate(t *testing.T) {
	scores := []float64{0.9, 0.6, 0.4, 0.1, 0.7}
	labels := []datasets.Label{datasets.LabelWash, datasets.LabelOrganic, datasets.LabelWash, datasets.LabelOrganic, datasets.LabelNone}
	m := Evaluate(scores, labels, 0.5)
	if m.TP != 1 || m.FP != 1 || m.FN != 1 || m.TN != 1 || m.Precision != 0.5 || m.Recall != 0.5 || m.F1 != 0.5 {
		t.Errorf("%+v", m)
	}
}

func TestFitNonNegative(t *testing.T) {
	// "anti" fires only on organic rows: unconstrained it would get a
	// negative weight; it is pinned at 0.
	n := 300
	labels := make([]datasets.Label, n)
	res := &detect.Result{Findings: map[string][]detect.Finding{}}
	for i := 0; i < n; i++ {
		if i < 100 {
			labels[i] = datasets.LabelWash
		}
		res.Findings["strong"] = append(res.Findings["strong"], detect.Finding{Row: int32(i), Strength: 1})
		if i >= 150 {
			res.Findings["anti"] = append(res.Findings["anti"], detect.Finding{Row: int32(i), Strength: 1})
		}
	}
	anti := &detect.Detector{Name: "anti"}
	fit, err := Fit(n, res, []*detect.Detector{strong, anti}, labels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := fit.Weights.Weights["anti"]; w != 0 {
		t.Errorf("anti weight %v, want 0", w)
	}
	if w := fit.Weights.Weights["strong"]; w < 0 {
		t.Errorf("strong weight %v, want ≥ 0", w)
	}
}
