package markettest

import (
	"math"
	"testing"
)

func TestFirstDigit(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want int
	}{
		{1, 1}, {9.99, 9}, {0.0123, 1}, {100, 1}, {999.9999, 9}, {0.3, 3},
		{0.7, 7}, {5e-300, 5}, {1.7976931348623157e308, 1},
		{0, 0}, {-3, 0}, {math.Inf(1), 0}, {math.NaN(), 0},
	} {
		if got := FirstDigit(c.x); got != c.want {
			t.Errorf("FirstDigit(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}

func TestTwoDigits(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want int
	}{
		{1, 10}, {2.5, 25}, {0.3, 30}, {30, 30}, {0.05, 50}, {1.99, 0}, {0.123, 0}, {990, 99}, {0, 0},
	} {
		if got := twoDigits(c.x); got != c.want {
			t.Errorf("twoDigits(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}

// benfordSample returns n sizes 10^u, u evenly spread over [0, 4): exactly
// Benford-distributed first digits.
func benfordSample(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Pow(10, 4*(float64(i)+0.5)/float64(n))
	}
	return xs
}

// paretoSample returns n sizes with P(X > x) = x^−ζ for x ≥ 1 (inverse CDF
// at evenly spread quantiles).
func paretoSample(n int, zeta float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		u := (float64(i) + 0.5) / float64(n)
		xs[i] = math.Pow(1-u, -1/zeta)
	}
	return xs
}

func TestBenford(t *testing.T) {
	uniformDigits := make([]float64, 9000)
	for i := range uniformDigits {
		uniformDigits[i] = float64(i%9+1) + 0.5
	}
	for _, c := range []struct {
		name       string
		xs         []float64
		conformity string
		rejected   bool
	}{
		{"benford", benfordSample(10000), "close", false},
		{"uniform digits", uniformDigits, "nonconformity", true},
	} {
		b := BenfordTest(c.xs)
		if b.Conformity != c.conformity || b.RejectedAt1 != c.rejected {
			t.Errorf("%s: %+v, want conformity %s rejected %v", c.name, b, c.conformity, c.rejected)
		}
	}
	if BenfordTest([]float64{0, -1}) != nil {
		t.Error("no positive values: want nil")
	}
}

func TestRound(t *testing.T) {
	var human, bot []float64
	for i := 0; i < 1000; i++ {
		human = append(human, float64(i%9+1))                // 1, 2, …, 9 ETH: all round
		human = append(human, []float64{1.1, 2.2, 3.9}[i%3]) // some near-round
		bot = append(bot, 1+float64(i)/100)                  // 1.00 … 10.99 evenly
	}
	h, b := RoundTest(human), RoundTest(bot)
	if !h.Clustering || h.Z < 10 {
		t.Errorf("human prices: %+v, want clustering", h)
	}
	if b.Clustering {
		t.Errorf("evenly spread prices: %+v, want no clustering", b)
	}
}

func TestPowerLaw(t *testing.T) {
	for _, zeta := range []float64{0.8, 1.5, 2.5} {
		p := FitPowerLaw(paretoSample(5000, zeta), 50)
		if p == nil || math.Abs(p.Zeta-zeta) > 0.1*zeta {
			t.Errorf("ζ=%v: fit %+v", zeta, p)
			continue
		}
		if p.ParetoLevy != (zeta > 1 && zeta < 2) {
			t.Errorf("ζ=%v: pareto_levy %v", zeta, p.ParetoLevy)
		}
	}
	if FitPowerLaw([]float64{1, 2, 3}, 50) != nil {
		t.Error("3 values: want nil")
	}
	if p := FitPowerLaw(make([]float64, 100), 50); p != nil {
		t.Errorf("all zero: %+v, want nil", p)
	}
}
