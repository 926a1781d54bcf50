package markettest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
	"github.com/washscan/washscan/internal/radix"
)

// Options control Run.
type Options struct {
	// MinSales is the fewest sales a scope needs to be tested (default 100).
	MinSales int
	// MinTail is the fewest sizes above x_min in the power-law fit (default 50).
	MinTail int
	// Include, when non-nil, selects the rows (by row number) to test, e.g.
	// those of the metrics window.
	Include []bool
}

// Report is the metrics `tests` block.
type Report struct {
	MinSales int `json:"min_sales"`
	// Market tests every sale in scope.
	Market *Scope `json:"market"`
	// Collections and Marketplaces hold the scopes with at least MinSales sales.
	Collections  []*Scope `json:"collections"`
	Marketplaces []*Scope `json:"marketplaces"`
	// CollectionsSkipped and MarketplacesSkipped count scopes with too few sales.
	CollectionsSkipped  int `json:"collections_skipped"`
	MarketplacesSkipped int `json:"marketplaces_skipped"`
}

// Scope is the outcome of the tests on one scope's sales. A skipped scope
// has Skipped set and nil tests.
type Scope struct {
	Blockchain      string `json:"blockchain,omitempty"`
	ContractAddress string `json:"contract_address,omitempty"`
	Platform        string `json:"platform,omitempty"`

	Sales   int    `json:"sales"`
	Skipped string `json:"skipped,omitempty"`

	Benford  *Benford  `json:"benford"`
	Round    *Round    `json:"round_numbers"`
	PowerLaw *PowerLaw `json:"power_law"`
}

// Benford is the first-digit test.
type Benford struct {
	N           int        `json:"n"`
	Observed    [9]float64 `json:"observed"` // share of digits 1..9
	ChiSquare   float64    `json:"chi_square"`
	PValue      float64    `json:"p_value"`
	MAD         float64    `json:"mad"`
	Conformity  string     `json:"conformity"` // close, acceptable, marginal, nonconformity
	Conforms    bool       `json:"conforms"`   // MAD ≤ 0.015
	RejectedAt1 bool       `json:"rejected_at_1pct"`
}

// Round is the round-size clustering test.
type Round struct {
	Round      int     `json:"round"`      // sizes k·10^e with k a multiple of 10
	NearRound  int     `json:"near_round"` // k within 2 of a multiple of 10
	Share      float64 `json:"round_share"`
	Expected   float64 `json:"expected_share"`
	Z          float64 `json:"z"`
	PValue     float64 `json:"p_value"`
	Clustering bool    `json:"clustering"` // p < 0.01
}

// PowerLaw is the tail fit. It is descriptive only: it carries no
// verdict. Aloosh & Li (Management Science 2024), with the Mt. Gox ledger
// as ground truth, found that power-law tail tests point the wrong way
// (the exchange's wash-inflated volume fitted the Pareto–Lévy range at
// least as well as its authentic volume), so washscan no longer reports
// 1 < ζ < 2 as a sign of authentic trading.
type PowerLaw struct {
	Xmin   float64 `json:"xmin"`
	NTail  int     `json:"n_tail"`
	Zeta   float64 `json:"zeta"`    // tail exponent of P(X > x)
	StdErr float64 `json:"std_err"` // ζ/√n_tail
	KS     float64 `json:"ks"`
}

// Run tests the sales (price > 0, native currency) of set. Time O(N) for
// the sort and split of the sales (splitSales) plus the tests.
func Run(set *features.Set, opt Options) *Report {
	t := set.T
	// The sales in canonical order, then grouped by collection and by
	// platform with counting sorts (one exact allocation each, no growing
	// per-scope slices). Most contracts trade on one chain: byContract holds
	// a contract's first (contract, chain) group, the map the others.
	var (
		keys       = make([]uint64, 0, len(set.Order)) // at most one a row: no regrowth
		sales      = make([]sale, 0, len(set.Order))
		collKeyOf  [][2]uint32
		byContract = make([]int32, t.Addrs.Len())
		more       = map[[2]uint32]int32{}
	)
	for _, r := range set.Order {
		if !set.Sale[r] || !set.Native[r] || (opt.Include != nil && !opt.Include[r]) {
			continue
		}
		x := t.Price[r]
		if !(x > 0) || math.IsInf(x, 0) {
			continue
		}
		k := [2]uint32{set.Contract[r], t.Chain[r]}
		g := byContract[k[0]] - 1
		if g < 0 || collKeyOf[g] != k {
			var ok bool
			if g, ok = more[k]; !ok {
				g = int32(len(collKeyOf))
				more[k] = g
				collKeyOf = append(collKeyOf, k)
				if byContract[k[0]] == 0 {
					byContract[k[0]] = g + 1
				}
			}
		}
		keys = append(keys, math.Float64bits(x))
		sales = append(sales, sale{g, int32(t.Platform[r]) - 1}) // -1: no platform
	}
	return finish(keys, sales, len(collKeyOf), t.Platforms.Len(), func(g int) (string, string) {
		k := collKeyOf[g]
		return t.Addrs.String(k[0]), t.Chains.Value(k[1])
	}, func(p int) string { return t.Platforms.Value(uint32(p) + 1) }, opt)
}

// Group is the scope of some sales: a collection (chain, contract
// address as 0x-hex) and a platform ("" none).
type Group struct {
	Chain, Contract, Platform string
}

// RunGroups is Run over sale prices given by scope (the sales of the
// metrics window: native currency, price > 0 and finite), as merged
// slice partials hold them; the report equals Run's over the same sales.
// Neither the groups' order nor the prices' order matters.
func RunGroups(groups map[Group][]float64, opt Options) *Report {
	gs := make([]Group, 0, len(groups))
	for g := range groups {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b Group) int {
		return cmp.Or(cmp.Compare(a.Contract, b.Contract), cmp.Compare(a.Chain, b.Chain), cmp.Compare(a.Platform, b.Platform))
	})
	type coll struct{ contract, chain string }
	collIdx := map[coll]int32{}
	var colls []coll
	platIdx := map[string]int32{}
	var plats []string
	var (
		keys  []uint64
		sales []sale
	)
	for _, g := range gs {
		c := coll{g.Contract, g.Chain}
		ci, ok := collIdx[c]
		if !ok {
			ci = int32(len(colls))
			collIdx[c] = ci
			colls = append(colls, c)
		}
		pi := int32(-1)
		if g.Platform != "" {
			var ok bool
			if pi, ok = platIdx[g.Platform]; !ok {
				pi = int32(len(plats))
				platIdx[g.Platform] = pi
				plats = append(plats, g.Platform)
			}
		}
		for _, x := range groups[g] {
			keys = append(keys, math.Float64bits(x))
			sales = append(sales, sale{ci, pi})
		}
	}
	return finish(keys, sales, len(colls), len(plats), func(g int) (string, string) { return colls[g].contract, colls[g].chain },
		func(p int) string { return plats[p] }, opt)
}

// finish runs the tests on sales (their prices' bits in keys), whose collection groups 0..ncoll−1 are
// named by collName (contract address, chain) and platform groups
// 0..nplat−1 by platName, and assembles the report in key order.
func finish(keys []uint64, sales []sale, ncoll, nplat int, collName func(g int) (contract, chain string), platName func(p int) string, opt Options) *Report {
	if opt.MinSales <= 0 {
		opt.MinSales = 100
	}
	if opt.MinTail <= 0 {
		opt.MinTail = 50
	}
	sp := splitSales(keys, sales, ncoll, nplat)
	rep := &Report{MinSales: opt.MinSales, Collections: []*Scope{}, Marketplaces: []*Scope{}}
	// Every scope's tests are independent: run them on GOMAXPROCS goroutines,
	// largest first, and assemble the report in key order below.
	var jobs []*job
	market := &job{xs: sp.all, digits: &sp.allDigits}
	jobs = append(jobs, market)

	type named struct {
		g               int
		contract, chain string
	}
	colls := make([]named, 0, ncoll)
	for g := 0; g < ncoll; g++ {
		if len(sp.coll[g]) > 0 {
			ct, ch := collName(g)
			colls = append(colls, named{g, ct, ch})
		}
	}
	slices.SortFunc(colls, func(a, b named) int {
		return cmp.Or(cmp.Compare(a.contract, b.contract), cmp.Compare(a.chain, b.chain))
	})
	collJobs := make([]*job, len(colls))
	for i, c := range colls {
		if len(sp.coll[c.g]) >= opt.MinSales {
			collJobs[i] = &job{xs: sp.coll[c.g], digits: &sp.collDigits[c.g]}
			jobs = append(jobs, collJobs[i])
		}
	}
	plats := make([]named, 0, nplat)
	for p := 0; p < nplat; p++ {
		if len(sp.plat[p]) > 0 {
			plats = append(plats, named{g: p, contract: platName(p)})
		}
	}
	slices.SortFunc(plats, func(a, b named) int { return cmp.Compare(a.contract, b.contract) })
	platJobs := make([]*job, len(plats))
	for i, p := range plats {
		if len(sp.plat[p.g]) >= opt.MinSales {
			platJobs[i] = &job{xs: sp.plat[p.g], digits: &sp.platDigits[p.g]}
			jobs = append(jobs, platJobs[i])
		}
	}
	runJobs(jobs, opt)
	rep.Market = market.out
	for i, c := range colls {
		j := collJobs[i]
		if j == nil {
			rep.CollectionsSkipped++
			continue
		}
		j.out.Blockchain, j.out.ContractAddress = c.chain, c.contract
		rep.Collections = append(rep.Collections, j.out)
	}
	for i, p := range plats {
		j := platJobs[i]
		if j == nil {
			rep.MarketplacesSkipped++
			continue
		}
		j.out.Platform = p.contract
		rep.Marketplaces = append(rep.Marketplaces, j.out)
	}
	return rep
}

// sale is the scopes of one sale of Run: its collection group and its
// platform group (-1: none). Its price's IEEE bits (positive and finite, so
// the bits order the prices) are the sort key beside it.
type sale struct {
	coll, plat int32
}

// scopes are the sale prices of every scope, each ascending, and their digit
// counts.
type scopes struct {
	all        []float64
	allDigits  digitCounts
	coll, plat [][]float64 // by group
	collDigits []digitCounts
	platDigits []digitCounts
}

// splitSales sorts sales by price (keys[i] being sales[i]'s, by the radix
// sort of internal/radix; the order among equal prices does not
// matter) and splits them into the market's, each
// collection's (groups 0..ncoll−1) and each platform's (0..nplat−1) prices,
// each ascending: the groups are filled by walking the sorted sales once,
// so one sort orders every scope (a scope's prices are a subsequence of the
// market's). Each distinct price's significant digits are read once
// (sigDigits) and counted into the digit counts of its scopes. Time O(N)
// for N sales beyond the radix sort's O(N) passes.
//
// Memory: the sort's scratch (8 bytes a sale for the keys, 8 for the
// scopes) holds the collections' and the platforms' prices once the sort is
// done, and the sorted keys, reinterpreted in place, are the market's (the
// bits of a float64 are its keys[i]): 32 bytes a sale at the peak, keys and
// sales included, with no scratch left over as garbage (40 live and 16 of
// garbage before). sales is reordered; keys becomes the market's prices and
// must not be used by the caller after.
func splitSales(keys []uint64, sales []sale, ncoll, nplat int) *scopes {
	n := len(keys)
	collBuf := make([]float64, n)
	platBuf := make([]float64, n)
	if n > 0 {
		radix.SortWith(keys, sales, floatBits(collBuf), unsafe.Slice((*sale)(unsafe.Pointer(&platBuf[0])), n), 0, 64)
	}
	sp := &scopes{
		collDigits: make([]digitCounts, ncoll),
		platDigits: make([]digitCounts, nplat),
	}
	if n > 0 {
		sp.all = unsafe.Slice((*float64)(unsafe.Pointer(&keys[0])), n)
	}
	collStart := make([]int, ncoll+1)
	platStart := make([]int, nplat+1)
	for _, s := range sales {
		collStart[s.coll+1]++
		if s.plat >= 0 {
			platStart[s.plat+1]++
		}
	}
	for g := 0; g < ncoll; g++ {
		collStart[g+1] += collStart[g]
	}
	for p := 0; p < nplat; p++ {
		platStart[p+1] += platStart[p]
	}
	collVals := collBuf[:collStart[ncoll]:collStart[ncoll]]
	platVals := platBuf[:platStart[nplat]:platStart[nplat]]
	sp.coll = cutGroups(collVals, collStart)
	sp.plat = cutGroups(platVals, platStart)
	collPos := collStart[:ncoll]
	platPos := platStart[:nplat]
	var (
		prev = ^uint64(0) // not a positive float's bits
		code digitCode
	)
	for i, s := range sales {
		x := math.Float64frombits(keys[i]) // sp.all[i], the same bits
		if keys[i] != prev {
			prev, code = keys[i], codeOf(x)
		}
		sp.allDigits.add(code)
		collVals[collPos[s.coll]] = x
		collPos[s.coll]++
		sp.collDigits[s.coll].add(code)
		if s.plat >= 0 {
			platVals[platPos[s.plat]] = x
			platPos[s.plat]++
			sp.platDigits[s.plat].add(code)
		}
	}
	return sp
}

// cutGroups returns the groups of vals, group g being vals[start[g]:start[g+1]]
// (start has one entry more than there are groups).
func cutGroups(vals []float64, start []int) [][]float64 {
	out := make([][]float64, len(start)-1)
	for g := range out {
		out[g] = vals[start[g]:start[g+1]:start[g+1]]
	}
	return out
}

// job is the tests of one scope: its sale prices and, once run, the result.
type job struct {
	xs     []float64 // ascending
	digits *digitCounts
	out    *Scope
}

// runJobs runs test on every job, largest first, on GOMAXPROCS goroutines.
func runJobs(jobs []*job, opt Options) {
	order := slices.Clone(jobs)
	slices.SortStableFunc(order, func(a, b *job) int { return cmp.Compare(len(b.xs), len(a.xs)) })
	detect.Parallel(context.Background(), len(order), 0, func() func(int) error {
		return func(i int) error {
			order[i].out = test(order[i].xs, order[i].digits, opt)
			return nil
		}
	})
}

// test runs the three tests on xs (positive, finite, ascending) whose digit
// counts are c, or marks the scope skipped.
func test(xs []float64, c *digitCounts, opt Options) *Scope {
	s := &Scope{Sales: len(xs)}
	if len(xs) < opt.MinSales {
		s.Skipped = fmt.Sprintf("%d sales, fewer than %d", len(xs), opt.MinSales)
		return s
	}
	s.Benford = c.benford()
	s.Round = c.roundSizes()
	s.PowerLaw = fitSorted(xs, opt.MinTail)
	return s
}

// benfordP[d-1] = log₁₀(1 + 1/d).
var benfordP = func() (p [9]float64) {
	for d := 1; d <= 9; d++ {
		p[d-1] = math.Log10(1 + 1/float64(d))
	}
	return p
}()

// FirstDigit returns the first significant digit of x > 0 (0 for x ≤ 0 or
// not finite). It reads the shortest decimal form of x, so 0.3 gives 3 even
// though 0.3/0.1 < 3 in binary.
func FirstDigit(x float64) int {
	d, _ := sigDigits(x)
	return d
}

// sigDigits returns the first significant digit of x's shortest decimal
// form and, when that form has at most two significant digits k·10^e, k in
// [10, 99] (else 0). Most sizes are far from such a round number: scaled to
// [10, 100), they are not within 10⁻⁶ relative of an integer, and then the
// digit is read off the scaled value (the scaling errs by a few ulps) and
// the form has more than two digits; the rest go through strconv.
func sigDigits(x float64) (first, two int) {
	if !(x > 0) || math.IsInf(x, 0) {
		return 0, 0
	}
	if e := int(math.Floor(math.Log10(x))) - 1; e > -300 && e < 300 {
		var m float64
		if e >= 0 {
			m = x / math.Pow10(e)
		} else {
			m = x * math.Pow10(-e)
		}
		if m >= 10 && m < 100 && math.Abs(m-math.Round(m)) > 1e-6*m {
			return int(m) / 10, 0
		}
	}
	var buf [32]byte
	d := mantissa(buf[:0], x)
	switch len(d) {
	case 1:
		return int(d[0] - '0'), int(d[0]-'0') * 10
	case 2:
		return int(d[0] - '0'), int(d[0]-'0')*10 + int(d[1]-'0')
	}
	return int(d[0] - '0'), 0
}

// mantissa appends the significant digits of x's shortest decimal form
// (no trailing zeros) to dst; nothing for x ≤ 0 or not finite.
func mantissa(dst []byte, x float64) []byte {
	if !(x > 0) || math.IsInf(x, 0) {
		return dst
	}
	b := strconv.AppendFloat(dst, x, 'e', -1, 64) // d.ddde±XX
	out := dst[:0]
	for _, c := range b[len(dst):] {
		if c == 'e' {
			break
		}
		if c != '.' {
			out = append(out, c)
		}
	}
	for len(out) > 1 && out[len(out)-1] == '0' {
		out = out[:len(out)-1]
	}
	return out
}

// BenfordTest is the first-digit test of xs (non-positive values ignored).
// It returns nil when no value is positive. Time O(n).
func BenfordTest(xs []float64) *Benford {
	return countDigits(xs).benford()
}

// digitCounts are the counts both digit tests read: first significant
// digits, and sizes of at most two significant digits k by k mod 10.
type digitCounts struct {
	first [9]int
	n     int // sizes with a first digit (positive, finite)
	round int // k mod 10 = 0
	near  int // k mod 10 in {1, 2, 8, 9}
}

// countDigits reads each size's significant digits once for both tests.
func countDigits(xs []float64) *digitCounts {
	c := &digitCounts{}
	for _, x := range xs {
		c.add(codeOf(x))
	}
	return c
}

// digitCode is what the digit tests read of one size: its first significant
// digit (0: none) in the low four bits, and whether it is round (16) or
// near-round (32).
type digitCode uint8

const (
	codeRound digitCode = 16
	codeNear  digitCode = 32
)

// codeOf returns x's digitCode (sigDigits).
func codeOf(x float64) digitCode {
	d, k := sigDigits(x)
	c := digitCode(d)
	if d == 0 || k == 0 {
		return c
	}
	switch k % 10 {
	case 0:
		c |= codeRound
	case 1, 2, 8, 9:
		c |= codeNear
	}
	return c
}

// add counts one size of code c.
func (c *digitCounts) add(code digitCode) {
	d := code & 15
	if d == 0 {
		return
	}
	c.first[d-1]++
	c.n++
	switch {
	case code&codeRound != 0:
		c.round++
	case code&codeNear != 0:
		c.near++
	}
}

// benford is the first-digit test of the counts (nil when n = 0).
func (c *digitCounts) benford() *Benford {
	count, n := c.first, c.n
	if n == 0 {
		return nil
	}
	b := &Benford{N: n}
	for d := 0; d < 9; d++ {
		o := float64(count[d])
		e := float64(n) * benfordP[d]
		b.ChiSquare += (o - e) * (o - e) / e
		b.Observed[d] = round6(o / float64(n))
		b.MAD += math.Abs(o/float64(n) - benfordP[d])
	}
	b.MAD /= 9
	b.PValue = distuv.ChiSquared{K: 8}.Survival(b.ChiSquare)
	b.Conformity = conformity(b.MAD)
	b.Conforms = b.MAD <= 0.015
	b.RejectedAt1 = b.PValue < 0.01
	b.ChiSquare, b.PValue, b.MAD = round6(b.ChiSquare), round6(b.PValue), round6(b.MAD)
	return b
}

// conformity is Nigrini's first-digit band for mad.
func conformity(mad float64) string {
	switch {
	case mad <= 0.006:
		return "close"
	case mad <= 0.012:
		return "acceptable"
	case mad <= 0.015:
		return "marginal"
	}
	return "nonconformity"
}

// RoundTest is the round-size clustering test of xs. Time O(n).
func RoundTest(xs []float64) *Round {
	return countDigits(xs).roundSizes()
}

// roundSizes is the round-size clustering test of the counts.
func (c *digitCounts) roundSizes() *Round {
	r := &Round{Expected: 0.2, Round: c.round, NearRound: c.near}
	n := float64(r.Round + r.NearRound)
	if n == 0 {
		r.PValue = 1
		return r
	}
	p0 := r.Expected
	r.Share = round6(float64(r.Round) / n)
	r.Z = (float64(r.Round) - n*p0) / math.Sqrt(n*p0*(1-p0))
	r.PValue = round6(distuv.UnitNormal.Survival(r.Z))
	r.Clustering = r.PValue < 0.01
	r.Z = round6(r.Z)
	return r
}

// FitPowerLaw fits the tail exponent of xs (positive values) by the Hill
// estimator with x_min chosen by the Kolmogorov–Smirnov criterion (Clauset,
// Shalizi and Newman 2009). Candidates for x_min are the distinct values at
// up to 100 quantiles in [0, 0.9], each leaving at least minTail values at
// or above it. For a candidate x_min with tail x_1 ≤ … ≤ x_m:
//
//	ζ  = m / Σ (ln x_j − ln x_min)
//	KS = max_j max(|F(x_j) − (j−1)/m|, |F(x_j) − j/m|),  F(x) = 1 − e^(−ζ(ln x − ln x_min))
//
// and the fit is the candidate of least KS, the first among equals. It
// returns nil when fewer than minTail values are positive. xs is not
// changed.
//
// Time O(n log n) for the sort, then O(n) for every candidate's sum (one
// pass from the largest value) and, for the KS distances, F at O(log n)
// points per place where the empirical and fitted curves come close to the
// running maximum: F is monotone, so a span of the tail whose end points
// bound its distance below the maximum found so far is never evaluated.
func FitPowerLaw(xs []float64, minTail int) *PowerLaw {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) < minTail || minTail < 2 {
		return nil
	}
	sortPositive(v)
	return fitSorted(v, minTail)
}

// fitSorted is [FitPowerLaw] of v, positive finite values in ascending
// order.
func fitSorted(v []float64, minTail int) *PowerLaw {
	if len(v) < minTail || minTail < 2 {
		return nil
	}
	cands := powerLawCandidates(v, minTail)
	lv, sums := tailLogSums(v, cands)
	// Candidates are visited from the last (the best fits tend to have a
	// high x_min, and their tails are short), so a candidate stops as soon
	// as its distance exceeds the best so far; on a tie the earlier
	// candidate, visited later, wins.
	var best *PowerLaw
	hint := -1 // index in v where the last candidate's distance peaked
	for ci := len(cands) - 1; ci >= 0; ci-- {
		i := cands[ci]
		nt := len(v) - i
		lmin := lv[i]
		sum := sums[ci] - float64(nt)*lmin
		if nt < minTail || !(sum > 0) {
			continue
		}
		zeta := float64(nt) / sum
		stop := math.Inf(1)
		if best != nil {
			stop = best.KS
		}
		ks, at := ksDistance(lv[i:], lmin, zeta, stop, hint-i)
		hint = i + at
		if ks <= stop {
			best = &PowerLaw{Xmin: v[i], NTail: nt, Zeta: zeta, KS: ks}
		}
	}
	return best.finish()
}

// finish sets the fit's standard error and Pareto–Lévy verdict and rounds
// it as the metrics show it; nil stays nil.
func (best *PowerLaw) finish() *PowerLaw {
	if best == nil {
		return nil
	}
	best.StdErr = round6(best.Zeta / math.Sqrt(float64(best.NTail)))
	best.Zeta, best.KS = round6(best.Zeta), round6(best.KS)
	return best
}

// powerLawCandidates returns the indices into sorted v of the candidate
// x_min values: the first index of each distinct value at up to 100
// quantiles in [0, 0.9], each leaving at least minTail values from it on.
func powerLawCandidates(v []float64, minTail int) []int {
	n := len(v)
	var cands []int
	last := -1.0
	hi := min(int(0.9*float64(n)), n-minTail)
	for q := 0; q <= 99; q++ {
		i := q * hi / 99
		for i > 0 && v[i-1] == v[i] {
			i-- // start of a run of equal values
		}
		if v[i] != last {
			cands = append(cands, i)
			last = v[i]
		}
	}
	return cands
}

// tailLogSums returns lv[j] = ln v[j] and, for each index i in cands
// (ascending), Σ_{j≥i} ln v[j], summed from the end of v with Neumaier's
// compensation so that the difference with m·ln x_min keeps its precision.
// Equal neighbours share one logarithm. Time O(len(v)).
func tailLogSums(v []float64, cands []int) (lv, sums []float64) {
	lv = make([]float64, len(v))
	sums = make([]float64, len(cands))
	var sum, comp, term float64
	prev := math.NaN()
	ci := len(cands) - 1
	for j := len(v) - 1; j >= 0; j-- {
		if x := v[j]; x != prev {
			term, prev = math.Log(x), x
		}
		lv[j] = term
		if ci < 0 {
			continue
		}
		t := sum + term
		if math.Abs(sum) >= math.Abs(term) {
			comp += (sum - t) + term
		} else {
			comp += (term - t) + sum
		}
		sum = t
		for ci >= 0 && cands[ci] == j {
			sums[ci] = sum + comp
			ci--
		}
	}
	return lv, sums
}

// cdfAtLog is the fitted CDF F(x) = 1 − e^(−ζ(ln x − ln x_min)) given lx = ln x.
func cdfAtLog(lx, lmin, zeta float64) float64 { return 1 - math.Exp(-zeta*(lx-lmin)) }

// ksSlack absorbs rounding in the span bounds of ksDistance (and any
// non-monotone last bit of Log and Exp): a span is skipped only when its
// bound is this far below the running maximum.
const ksSlack = 1e-9

// ksSpan is a run (a, b) of tail positions whose end points are evaluated
// (F values fa, fb).
type ksSpan struct {
	a, b   int
	fa, fb float64
}

// ksDistance returns the KS distance between the empirical CDF of a sorted
// tail, given as lx = the logarithms of its values, and the fitted CDF
// (cdfAtLog), exactly as a loop over every value would, and the position
// where it peaks; once the distance exceeds stop it returns early with a
// value above stop. hint, when a valid position, is evaluated first: the
// peak of a neighbouring candidate's fit, which usually settles a losing
// candidate at once.
//
// F is monotone, so for a < j < b, F(x_a) ≤ F(x_j) ≤ F(x_b) and
// a/m ≤ j/m < (j+1)/m ≤ (b+1)/m bound the distance inside a span by
// max(F(x_b) − a/m, (b+1)/m − F(x_a)); a span whose bound is below the
// maximum found so far is never evaluated, the others are halved, depth
// first. (Best first, by largest bound, evaluates a little less but its heap
// costs more than it saves.) Time O(k log n) evaluations of F, k the places
// where the distance nears its maximum.
func ksDistance(lx []float64, lmin, zeta, stop float64, hint int) (ks float64, peak int) {
	nt := len(lx)
	fn := float64(nt)
	at := func(j int) float64 {
		f := cdfAtLog(lx[j], lmin, zeta)
		if d := max(math.Abs(f-float64(j)/fn), math.Abs(f-float64(j+1)/fn)); d > ks {
			ks, peak = d, j
		}
		return f
	}
	if hint > 0 && hint < nt-1 {
		if at(hint); ks > stop {
			return ks, peak
		}
	}
	// Spans to refine, depth first.
	fa := at(0)
	fb := at(nt - 1)
	stack := []ksSpan{{a: 0, b: nt - 1, fa: fa, fb: fb}}
	for len(stack) > 0 && ks <= stop {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.b-s.a < 2 || max(s.fb-float64(s.a)/fn, float64(s.b+1)/fn-s.fa)+ksSlack < ks {
			continue
		}
		if s.b-s.a <= 16 {
			for j := s.a + 1; j < s.b; j++ {
				at(j)
			}
			continue
		}
		m := int(uint(s.a+s.b) >> 1)
		fm := at(m)
		stack = append(stack, ksSpan{a: m, b: s.b, fa: fm, fb: s.fb}, ksSpan{a: s.a, b: m, fa: s.fa, fb: fm})
	}
	return ks, peak
}

// sortPositive sorts v, positive finite values, ascending: an LSD radix sort
// of the IEEE bits (which order positive floats) for long inputs.
func sortPositive(v []float64) {
	if len(v) < 1<<12 {
		slices.Sort(v)
		return
	}
	radix.Sort(floatBits(v), nil, 0, 64)
}

// floatBits is v's memory as the IEEE bits of its values.
func floatBits(v []float64) []uint64 {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&v[0])), len(v))
}

func round6(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1e6) / 1e6
}
