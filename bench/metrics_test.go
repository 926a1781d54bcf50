package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/washscan/washscan/detect"
)

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-6
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		scores    []float64
		labels    []bool
		threshold float64
		want      Classification
	}{
		{
			// Hand-computed: at 0.5 the top five are predicted wash.
			// AP = ¼·1 + ¼·1 + ¼·¾ + ¼·4/7; ROC-AUC = (4+4+3+1)/16.
			name:      "mixed",
			scores:    []float64{0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.2, 0.1},
			labels:    []bool{true, true, false, true, false, false, true, false},
			threshold: 0.5,
			want: Classification{Confusion: detect.Confusion{Threshold: 0.5, Positives: 4, Negatives: 4, TP: 3, FP: 2, FN: 1, TN: 2,
				Precision: 0.6, Recall: 0.75, F1: 2 * 0.6 * 0.75 / 1.35},
				PRAUC: 0.5 + 0.1875 + 1.0/7, ROCAUC: 0.75},
		},
		{
			name:      "ties",
			scores:    []float64{1, 1, 0, 0},
			labels:    []bool{true, false, true, false},
			threshold: 0.5,
			want: Classification{Confusion: detect.Confusion{Threshold: 0.5, Positives: 2, Negatives: 2, TP: 1, FP: 1, FN: 1, TN: 1,
				Precision: 0.5, Recall: 0.5, F1: 0.5},
				PRAUC: 0.5, ROCAUC: 0.5},
		},
		{
			name:      "perfect",
			scores:    []float64{0.1, 0.9, 0.2, 0.95},
			labels:    []bool{false, true, false, true},
			threshold: 0.5,
			want: Classification{Confusion: detect.Confusion{Threshold: 0.5, Positives: 2, Negatives: 2, TP: 2, TN: 2,
				Precision: 1, Recall: 1, F1: 1},
				PRAUC: 1, ROCAUC: 1},
		},
		{
			name:      "flags nothing",
			scores:    []float64{0, 0, 0},
			labels:    []bool{true, false, false},
			threshold: 0.5,
			want: Classification{Confusion: detect.Confusion{Threshold: 0.5, Positives: 1, Negatives: 2, FN: 1, TN: 2},
				PRAUC: 1.0 / 3, ROCAUC: 0.5},
		},
		{
			name:      "no positives",
			scores:    []float64{0.7, 0.1},
			labels:    []bool{false, false},
			threshold: 0.5,
			want: Classification{Confusion: detect.Confusion{Threshold: 0.5, Negatives: 2, FP: 1, TN: 1},
				PRAUC: math.NaN(), ROCAUC: math.NaN()},
		},
		{
			name:      "empty",
			threshold: 0.5,
			want: Classification{Confusion: detect.Confusion{Threshold: 0.5},
				PRAUC: math.NaN(), ROCAUC: math.NaN()},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.scores, tc.labels, tc.threshold)
			w := tc.want
			if got.Positives != w.Positives || got.Negatives != w.Negatives || got.TP != w.TP || got.FP != w.FP || got.FN != w.FN || got.TN != w.TN {
				t.Errorf("counts: got %+v, want %+v", got, w)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"precision", got.Precision, w.Precision}, {"recall", got.Recall, w.Recall}, {"f1", got.F1, w.F1},
				{"pr_auc", got.PRAUC, w.PRAUC}, {"roc_auc", got.ROCAUC, w.ROCAUC},
			} {
				if !near(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestPRCurve(t *testing.T) {
	got := PRCurve([]float64{0.9, 0.5, 0.5, 0}, []bool{true, true, false, true})
	want := []PRPoint{{0.9, 1, 1.0 / 3}, {0.5, 2.0 / 3, 2.0 / 3}, {0, 0.75, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if !near(got[i].Threshold, want[i].Threshold) || !near(got[i].Precision, want[i].Precision) || !near(got[i].Recall, want[i].Recall) {
			t.Errorf("point %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if PRCurve([]float64{1}, []bool{false}) != nil {
		t.Error("curve without positives: want nil")
	}
}

// TestROCAgreesWithMannWhitney checks gonum's ROC + trapezoid against the
// exact rank statistic on random scores with many ties.
func TestROCAgreesWithMannWhitney(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 2 + rng.IntN(300)
		scores := make([]float64, n)
		labels := make([]bool, n)
		levels := 1 + rng.IntN(12) // few distinct values: many ties
		for i := range scores {
			scores[i] = float64(rng.IntN(levels)) / float64(levels)
			labels[i] = rng.Float64() < 0.3+0.4*scores[i]
		}
		a, b := ROCAUC(scores, labels), MannWhitneyAUC(scores, labels)
		if !near(a, b) {
			t.Fatalf("trial %d: ROCAUC %v != MannWhitneyAUC %v", trial, a, b)
		}
	}
}

func TestRanksAndCorrelation(t *testing.T) {
	r := Ranks([]float64{5, 6, 7, 8, 7})
	want := []float64{1, 2, 3.5, 5, 3.5}
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("Ranks = %v, want %v", r, want)
		}
	}
	tests := []struct {
		name        string
		x, y        []float64
		spear, pear float64
	}{
		// Spearman: ranks 1..5 against 1,2,3.5,5,3.5: 8/√95.
		{"ties", []float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7}, 8 / math.Sqrt(95), 0.832050},
		{"monotone", []float64{1, 2, 3}, []float64{1, 4, 9}, 1, 0.989743},
		{"reversed", []float64{0.6, 0}, []float64{0.4, 0.5}, -1, -1},
		{"constant", []float64{1, 1, 1}, []float64{1, 2, 3}, math.NaN(), math.NaN()},
		{"one", []float64{1}, []float64{1}, math.NaN(), math.NaN()},
	}
	for _, tc := range tests {
		if got := Spearman(tc.x, tc.y); !near(got, tc.spear) {
			t.Errorf("%s: Spearman = %v, want %v", tc.name, got, tc.spear)
		}
		if got := Pearson(tc.x, tc.y); !near(got, tc.pear) {
			t.Errorf("%s: Pearson = %v, want %v", tc.name, got, tc.pear)
		}
	}
}
