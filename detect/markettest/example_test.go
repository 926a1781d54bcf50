package markettest_test

import (
	"fmt"
	"math"

	"github.com/washscan/washscan/detect/markettest"
)

func ExampleBenfordTest() {
	// 10,000 sizes spread evenly in log scale over four decades follow
	// Benford's law.
	xs := make([]float64, 10000)
	for i := range xs {
		xs[i] = math.Pow(10, 4*(float64(i)+0.5)/float64(len(xs)))
	}
	b := markettest.BenfordTest(xs)
	fmt.Printf("digit 1: %.3f, MAD %.4f (%s)\n", b.Observed[0], b.MAD, b.Conformity)
	// Output: digit 1: 0.301, MAD 0.0001 (close)
}

func ExampleFitPowerLaw() {
	// Pareto sizes with P(X > x) = x^-1.5.
	xs := make([]float64, 5000)
	for i := range xs {
		xs[i] = math.Pow(1-(float64(i)+0.5)/float64(len(xs)), -1/1.5)
	}
	p := markettest.FitPowerLaw(xs, 50)
	fmt.Printf("zeta %.2f\n", p.Zeta)
	// Output: zeta 1.50
}
