package metrics_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/washscan/washscan/detect/metrics"
)

// refSum is the reference: the values added in a math/big.Float wide enough
// to be exact, rounded once to float64 (ties to even).
func refSum(xs []float64) float64 {
	b := new(big.Float).SetPrec(2300)
	for _, x := range xs {
		b.Add(b, new(big.Float).SetFloat64(x))
	}
	f, _ := b.Float64()
	return f
}

// randValues draws values that stress exact summation: prices with
// decimals, values across many binades, cancellations, subnormals, huge
// values near the overflow threshold, ties.
func randValues(rng *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	kind := rng.IntN(6)
	for i := range xs {
		switch kind {
		case 0: // prices with cents
			xs[i] = float64(rng.IntN(10_000_000)) / 100
		case 1: // wide exponents, both signs
			xs[i] = math.Ldexp(rng.Float64()+0.5, rng.IntN(200)-100) * float64(1-2*rng.IntN(2))
		case 2: // cancellation: a big value and its negative with small noise
			if i%2 == 0 {
				xs[i] = math.Ldexp(1, 60+rng.IntN(10))
			} else {
				xs[i] = -xs[i-1] + float64(rng.IntN(3))*0.1
			}
		case 3: // subnormals and tiny values
			xs[i] = math.Float64frombits(uint64(rng.IntN(1 << 20)))
			if rng.IntN(2) == 0 {
				xs[i] = -xs[i]
			}
		case 4: // near the overflow form and back
			xs[i] = math.Ldexp(rng.Float64()+0.5, 1015+rng.IntN(8)) * float64(1-2*rng.IntN(2))
		default: // tie-making: 1 and half-ulps
			switch rng.IntN(3) {
			case 0:
				xs[i] = 1
			case 1:
				xs[i] = math.Ldexp(1, -53)
			default:
				xs[i] = -math.Ldexp(1, -54)
			}
		}
	}
	return xs
}

func sumOf(xs []float64) float64 {
	var s metrics.Sum
	for _, x := range xs {
		s.Add(x)
	}
	return s.Value()
}

func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

func TestSumAgainstBigFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	for trial := 0; trial < 3000; trial++ {
		xs := randValues(rng, 1+rng.IntN(60))
		want := refSum(xs)
		if got := sumOf(xs); !same(got, want) {
			t.Fatalf("trial %d: Sum %v, big.Float %v, values %v", trial, got, want, xs)
		}
		// Any order.
		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		if got := sumOf(xs); !same(got, want) {
			t.Fatalf("trial %d shuffled: Sum %v, big.Float %v", trial, got, want)
		}
		// Any split, merged in any order.
		parts := make([]metrics.Sum, 1+rng.IntN(5))
		for _, x := range xs {
			parts[rng.IntN(len(parts))].Add(x)
		}
		var m metrics.Sum
		for _, k := range rng.Perm(len(parts)) {
			m.Merge(&parts[k])
		}
		if got := m.Value(); !same(got, want) {
			t.Fatalf("trial %d merged from %d parts: Sum %v, big.Float %v", trial, len(parts), got, want)
		}
	}
}

func TestSumSpecialValues(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{math.Inf(1), 1}, math.Inf(1)},
		{[]float64{math.Inf(-1), 1}, math.Inf(-1)},
		{[]float64{math.Inf(1), math.Inf(-1)}, math.NaN()},
		{[]float64{math.NaN(), 1}, math.NaN()},
		{[]float64{math.MaxFloat64, math.MaxFloat64}, math.Inf(1)},
		{[]float64{math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}, math.MaxFloat64},
		{[]float64{1e308, 1e308, -1e308, -1e308, 0.5}, 0.5},
	} {
		if got := sumOf(c.xs); !same(got, c.want) {
			t.Errorf("sum of %v = %v, want %v", c.xs, got, c.want)
		}
	}
}

func TestSumMergeSelf(t *testing.T) {
	var s metrics.Sum
	for _, x := range []float64{0.1, 0.2, 0.3, 1e-20} {
		s.Add(x)
	}
	s.Merge(&s)
	if got, want := s.Value(), refSum([]float64{0.1, 0.2, 0.3, 1e-20, 0.1, 0.2, 0.3, 1e-20}); got != want {
		t.Fatalf("merge with itself: %v, want %v", got, want)
	}
}

// The float noise of sequential addition disappears.
func ExampleSum() {
	var s metrics.Sum
	naive := 0.0
	for _, x := range []float64{0.1, 0.2, 0.3} {
		s.Add(x)
		naive += x
	}
	fmt.Println(naive, s.Value())
	// Output: 0.6000000000000001 0.6
}

func BenchmarkSumAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = float64(rng.IntN(10_000_000)) / 1000
	}
	b.ResetTimer()
	var s metrics.Sum
	for i := 0; i < b.N; i++ {
		s.Add(xs[i&4095])
	}
	_ = s.Value()
}
