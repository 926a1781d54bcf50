package bench_test

import (
	"fmt"

	"github.com/washscan/washscan/bench"
)

func ExampleClassify() {
	scores := []float64{0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.2, 0.1}
	wash := []bool{true, true, false, true, false, false, true, false}
	c := bench.Classify(scores, wash, 0.5)
	fmt.Printf("TP=%d FP=%d FN=%d TN=%d\n", c.TP, c.FP, c.FN, c.TN)
	fmt.Printf("precision=%.3f recall=%.3f F1=%.3f\n", c.Precision, c.Recall, c.F1)
	fmt.Printf("PR-AUC=%.4f ROC-AUC=%.4f\n", c.PRAUC, c.ROCAUC)
	// Output:
	// TP=3 FP=2 FN=1 TN=2
	// precision=0.600 recall=0.750 F1=0.667
	// PR-AUC=0.8304 ROC-AUC=0.7500
}

func ExampleAveragePrecision() {
	// Steps at 0.9 (P 1, R ⅓), 0.5 (P ⅔, R ⅔) and 0 (P ¾, R 1):
	// AP = ⅓·1 + ⅓·⅔ + ⅓·¾.
	fmt.Printf("%.4f\n", bench.AveragePrecision([]float64{0.9, 0.5, 0.5, 0}, []bool{true, true, false, true}))
	// Output:
	// 0.8056
}

func ExampleROCAUC() {
	scores := []float64{0.9, 0.5, 0.5, 0}
	wash := []bool{true, true, false, false}
	fmt.Printf("gonum ROC + trapezoid: %.3f\n", bench.ROCAUC(scores, wash))
	fmt.Printf("Mann–Whitney:          %.3f\n", bench.MannWhitneyAUC(scores, wash))
	// Output:
	// gonum ROC + trapezoid: 0.875
	// Mann–Whitney:          0.875
}

func ExamplePRCurve() {
	for _, p := range bench.PRCurve([]float64{0.9, 0.5, 0.5, 0}, []bool{true, true, false, true}) {
		fmt.Printf("score ≥ %.1f: precision %.3f recall %.3f\n", p.Threshold, p.Precision, p.Recall)
	}
	// Output:
	// score ≥ 0.9: precision 1.000 recall 0.333
	// score ≥ 0.5: precision 0.667 recall 0.667
	// score ≥ 0.0: precision 0.750 recall 1.000
}

func ExampleSpearman() {
	predicted := []float64{0.05, 0.20, 0.10, 0.40}
	truth := []float64{0.00, 0.25, 0.15, 0.30}
	fmt.Printf("Spearman %.3f, Pearson %.3f\n", bench.Spearman(predicted, truth), bench.Pearson(predicted, truth))
	// Output:
	// Spearman 1.000, Pearson 0.875
}
