package markettest

import (
	"math"
	"math/rand/v2"
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
	}
	if FitPowerLaw([]float64{1, 2, 3}, 50) != nil {
		t.Error("3 values: want nil")
	}
	if p := FitPowerLaw(make([]float64, 100), 50); p != nil {
		t.Errorf("all zero: %+v, want nil", p)
	}
}

// TestSigDigitsMatchesStrconv checks the scaled fast path of sigDigits
// against the shortest decimal form on sizes of every shape: random,
// rounded to a few decimals, near digit boundaries, tiny and huge.
func TestSigDigitsMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	slow := func(x float64) (int, int) {
		var buf [32]byte
		m := mantissa(buf[:0], x)
		if len(m) == 0 {
			return 0, 0
		}
		two := 0
		switch len(m) {
		case 1:
			two = int(m[0]-'0') * 10
		case 2:
			two = int(m[0]-'0')*10 + int(m[1]-'0')
		}
		return int(m[0] - '0'), two
	}
	for i := 0; i < 300000; i++ {
		var x float64
		switch i % 6 {
		case 0:
			x = math.Exp(20 * r.NormFloat64())
		case 1:
			x = math.Round(math.Exp(3*r.NormFloat64())*1000) / 1000
		case 2:
			x = float64(1+r.IntN(99)) * math.Pow10(r.IntN(40)-20)
		case 3:
			x = math.Nextafter(float64(1+r.IntN(9))*math.Pow10(r.IntN(20)-10), 0)
		case 4:
			x = math.Nextafter(float64(1+r.IntN(99))*math.Pow10(r.IntN(20)-10), math.Inf(1))
		default:
			x = math.Float64frombits(r.Uint64() &^ (1 << 63))
		}
		f1, t1 := sigDigits(x)
		f2, t2 := slow(x)
		if f1 != f2 || t1 != t2 {
			t.Fatalf("sigDigits(%v) = %d, %d; shortest form gives %d, %d", x, f1, t1, f2, t2)
		}
	}
}

// BenchmarkFitPowerLaw fits 1M lognormal sizes with a Pareto tail (the
// shape of NFT prices); reports values/s.
func BenchmarkFitPowerLaw(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		if i%5 == 0 {
			xs[i] = math.Pow(1-r.Float64(), -1/1.7)
		} else {
			xs[i] = math.Exp(r.NormFloat64())
		}
	}
	for b.Loop() {
		if FitPowerLaw(xs, 50) == nil {
			b.Fatal("no fit")
		}
	}
	b.ReportMetric(float64(len(xs))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

// BenchmarkBenfordRound runs the first-digit and round-size tests on 1M
// sizes, a tenth of them round; reports values/s.
func BenchmarkBenfordRound(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = math.Exp(2 * r.NormFloat64())
		if i%10 == 0 {
			xs[i] = math.Round(xs[i]*10) / 10
		}
	}
	for b.Loop() {
		BenfordTest(xs)
		RoundTest(xs)
	}
	b.ReportMetric(float64(len(xs))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

// BenchmarkFitPowerLawScopes fits 2,000 scopes of 1,000 sizes each (a
// market of many collections); reports values/s.
func BenchmarkFitPowerLawScopes(b *testing.B) {
	r := rand.New(rand.NewPCG(15, 16))
	scopes := make([][]float64, 2000)
	for i := range scopes {
		xs := make([]float64, 1000)
		zeta := 1 + 2*r.Float64()
		for j := range xs {
			if j%3 == 0 {
				xs[j] = math.Pow(1-r.Float64(), -1/zeta)
			} else {
				xs[j] = math.Exp(r.NormFloat64())
			}
		}
		scopes[i] = xs
	}
	for b.Loop() {
		for _, xs := range scopes {
			FitPowerLaw(xs, 50)
		}
	}
	b.ReportMetric(2e6*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

// twoDigits returns k in [10, 99] when x = k·10^e with at most two
// significant digits in x's shortest decimal form, else 0.
func twoDigits(x float64) int {
	_, k := sigDigits(x)
	return k
}
