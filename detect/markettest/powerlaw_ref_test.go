package markettest

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// fitPowerLawRef is the plain form of FitPowerLaw: every candidate's sum
// and KS distance in full, candidates in order, the first of least distance.
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
	n := len(v)
	var cands []int
	last := -1.0
	hi := min(int(0.9*float64(n)), n-minTail)
	for q := 0; q <= 99; q++ {
		i := q * hi / 99
		for i > 0 && v[i-1] == v[i] {
			i--
		}
		if v[i] != last {
			cands = append(cands, i)
			last = v[i]
		}
	}
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
		var ks float64
		for j, x := range tail {
			fit := 1 - math.Pow(x/xmin, -zeta)
			lo, hi := float64(j)/float64(nt), float64(j+1)/float64(nt)
			ks = max(ks, math.Abs(fit-lo), math.Abs(fit-hi))
		}
		if best == nil || ks < best.KS {
			best = &PowerLaw{Xmin: xmin, NTail: nt, Zeta: zeta, KS: ks}
		}
	}
	if best == nil {
		return nil
	}
	best.StdErr = round6(best.Zeta / math.Sqrt(float64(best.NTail)))
	best.ParetoLevy = best.Zeta > 1 && best.Zeta < 2
	best.Zeta, best.KS = round6(best.Zeta), round6(best.KS)
	return best
}

// TestFitPowerLawMatchesReference checks that the pruned, parallel fit picks
// exactly the candidate and numbers of the plain one.
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
			if (got == nil) != (want == nil) || (got != nil && *got != *want) {
				t.Errorf("%s n=%d: got %+v, want %+v", name, n, got, want)
			}
		}
	}
}
