package markettest

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// fitPowerLawRef is the plain form of FitPowerLaw: every candidate's sum
// and KS distance in full, candidates in order, the first of least distance,
// figures unrounded.
func fitPowerLawRef(xs []float64, minTail int) *PowerLaw {
	var v []float64
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) < minTail || minTail < 2 {
		return nil
	}
	sort.Float64s(v)
	cands := powerLawCandidates(v, minTail) // the documented x_min candidates; the fit below is the reference
	var best *PowerLaw
	for _, i := range cands {
		xmin := v[i]
		tail := v[i:]
		nt := len(tail)
		if nt < minTail {
			continue
		}
		var sum float64
		for _, x := range tail {
			sum += math.Log(x / xmin)
		}
		if sum <= 0 {
			continue
		}
		zeta := float64(nt) / sum
		ks := ksDistanceRef(tail, zeta)
		if best == nil || ks < best.KS {
			best = &PowerLaw{Xmin: xmin, NTail: nt, Zeta: zeta, KS: ks}
		}
	}
	if best != nil { // the standard error ζ/√n_tail, unrounded (compared within 1.5e-6)
		best.StdErr = best.Zeta / math.Sqrt(float64(best.NTail))
	}
	return best
}

// ksDistanceRef is the KS distance of tail from the fit with exponent zeta,
// every value evaluated.
func ksDistanceRef(tail []float64, zeta float64) float64 {
	nt := len(tail)
	var ks float64
	for j, x := range tail {
		fit := 1 - math.Pow(x/tail[0], -zeta)
		lo, hi := float64(j)/float64(nt), float64(j+1)/float64(nt)
		ks = max(ks, math.Abs(fit-lo), math.Abs(fit-hi))
	}
	return ks
}

// TestFitPowerLawMatchesReference checks that the pruned fit (logarithms
// summed once, KS spans skipped) picks the candidate of the plain one, with
// the same numbers up to the last of their six decimals.
func TestFitPowerLawMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	gens := map[string]func() float64{
		"pareto":    func() float64 { return math.Pow(1-r.Float64(), -1/1.5) },
		"lognormal": func() float64 { return math.Exp(r.NormFloat64()) },
		"rounded":   func() float64 { return math.Round(math.Exp(2*r.NormFloat64())*100) / 100 },
		"few":       func() float64 { return float64(1 + r.IntN(5)) },
		"mixed": func() float64 {
			if r.IntN(2) == 0 {
				return math.Pow(1-r.Float64(), -1/2.5)
			}
			return r.Float64()*3 + 0.1
		},
	}
	sizes := []int{40, 60, 500, 5000, 40000}
	if testing.Short() {
		sizes = sizes[:4]
	}
	for name, gen := range gens {
		for _, n := range sizes {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = gen()
			}
			got, want := FitPowerLaw(xs, 50), fitPowerLawRef(xs, 50)
			if (got == nil) != (want == nil) {
				t.Fatalf("%s n=%d: got %+v, want %+v", name, n, got, want)
			}
			if got == nil {
				continue
			}
			near := func(a, b float64) bool { return math.Abs(a-b) <= 1.5e-6 }
			if got.Xmin != want.Xmin || got.NTail != want.NTail ||
				!near(got.Zeta, want.Zeta) || !near(got.KS, want.KS) || !near(got.StdErr, want.StdErr) {
				t.Errorf("%s n=%d: got %+v, want %+v", name, n, got, want)
			}
		}
	}
}

// TestKSDistanceExact checks that skipping spans never changes the distance:
// the pruned search returns bit for bit the maximum over every value of the
// same formula, and an early stop only ever reports a distance above stop.
func TestKSDistanceExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		n := 2 + r.IntN(3000)
		tail := make([]float64, n)
		for i := range tail {
			switch trial % 3 {
			case 0:
				tail[i] = math.Pow(1-r.Float64(), -1/(0.5+2*r.Float64()))
			case 1:
				tail[i] = math.Exp(r.NormFloat64())
			default:
				tail[i] = float64(1 + r.IntN(7))
			}
		}
		slices.Sort(tail)
		lmin := math.Log(tail[0])
		zeta := 0.3 + 3*r.Float64()
		var want float64
		for j, x := range tail {
			f := powerLawCDF(x, lmin, zeta)
			want = max(want, math.Abs(f-float64(j)/float64(n)), math.Abs(f-float64(j+1)/float64(n)))
		}
		lx := make([]float64, n)
		for j, x := range tail {
			lx[j] = math.Log(x)
		}
		hint := r.IntN(n+2) - 1 // sometimes out of range
		if got, _ := ksDistance(lx, lmin, zeta, math.Inf(1), hint); got != want {
			t.Fatalf("trial %d n=%d: ksDistance = %v, every value gives %v", trial, n, got, want)
		}
		stop := want * r.Float64()
		if got, _ := ksDistance(lx, lmin, zeta, stop, hint); got <= stop {
			t.Fatalf("trial %d: stop %v below the distance %v, got %v", trial, stop, want, got)
		}
	}
}

// TestSortPositive checks the radix sort against the standard sort on
// inputs long enough to take it, with runs of equal values.
func TestSortPositive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 100, 5000, 70000} {
		v := make([]float64, n)
		for i := range v {
			switch i % 3 {
			case 0:
				v[i] = math.Exp(10 * r.NormFloat64())
			case 1:
				v[i] = float64(r.IntN(50)) + 0.5
			default:
				v[i] = math.SmallestNonzeroFloat64 * float64(1+r.IntN(3))
			}
		}
		want := slices.Clone(v)
		slices.Sort(want)
		sortPositive(v)
		if !slices.Equal(v, want) {
			t.Fatalf("n=%d: radix order differs from slices.Sort", n)
		}
	}
}

// powerLawCDF is the fitted CDF F(x) = 1 − e^(−ζ(ln x − ln x_min)).
func powerLawCDF(x, lmin, zeta float64) float64 { return cdfAtLog(math.Log(x), lmin, zeta) }
