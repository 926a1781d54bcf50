package price

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/funder"
	"github.com/washscan/washscan/features"
)

// The parameters of Detector.
var (
	paramWindow     = &detect.Param{Name: "window", Doc: "number of previous sales of the collection in the rolling median", Kind: detect.Int, Default: "50", Min: 1}
	paramMaxAge     = &detect.Param{Name: "max_age", Doc: "sales older than this leave the rolling median (0: no limit)", Kind: detect.Duration, Default: "30d"}
	paramMinSamples = &detect.Param{Name: "min_samples", Doc: "fewest previous sales for a median to count", Kind: detect.Int, Default: "10", Min: 1}
	paramFactor     = &detect.Param{Name: "factor", Doc: "price ratio to the median (either way) that is anomalous", Kind: detect.Number, Default: "5", Min: 1}
	paramLinkWindow = &detect.Param{Name: "link_window", Doc: "counterparties that traded with each other this close in time are linked", Kind: detect.Duration, Default: "30d"}
)

// Detector flags sales priced far from the collection's rolling median
// between linked counterparties.
var Detector = &detect.Detector{
	Name: "price_anomaly",
	Doc: `A sale priced far from its collection's rolling median, between linked counterparties.

Anomalous when max(p/m, m/p) ≥ factor for the median m of the collection's
previous window sales in the same currency (at least min_samples of them);
flagged only when seller and buyer are linked by first funders (common_funder's
rule) or traded with each other within link_window.`,
	Requires: []*detect.Detector{funder.Detector},
	Params:   []*detect.Param{paramWindow, paramMaxAge, paramMinSamples, paramFactor, paramLinkWindow},
	Run:      run,
	// The rolling median reads the collection's sales up to max_age before
	// a row (0: any age, no bound); the pair link reads link_window either
	// way. The funder links are side inputs (reach 0).
	Reach: func(p detect.ParamReader) (int64, bool) {
		age := p.Duration(paramMaxAge)
		return max(age, p.Duration(paramLinkWindow)), age > 0
	},
}

// anomaly is an anomalous sale before the link check.
type anomaly struct {
	row    int32
	median float64
	ratio  float64
}

func run(p *detect.Pass) (any, error) {
	f := p.Features
	t := f.T
	window := max(1, p.Int(paramWindow))
	minSamples := max(1, p.Int(paramMinSamples))
	factor := p.Float(paramFactor)
	if factor <= 1 {
		return nil, fmt.Errorf("factor %v: want > 1", factor)
	}
	linkWindow := p.Duration(paramLinkWindow)
	maxAge := p.Duration(paramMaxAge)
	linker, _ := p.ResultOf[funder.Detector].(*funder.Linker)

	// Group sales by (contract, currency), in canonical order, numbered by
	// first appearance. Most contracts trade in one or two currencies (ETH
	// and WETH): first and second hold the groups of a contract's first two
	// currencies, the map the rest. A first pass numbers every sale's group
	// and counts its sales, a second lays the groups' rows out contiguously
	// (a counting sort, 16 bytes a sale, with no growing per-group slices);
	// each group's prices and times are gathered by the worker that scans
	// it, into its own buffer, so only one group's a worker is held at a
	// time instead of every sale's.
	first := make([]int32, t.Addrs.Len()) // contract → group + 1 (0: none yet)
	second := make([]int32, t.Addrs.Len())
	more := map[[2]uint32]int32{}
	var (
		groupCur []uint32 // currency of each group
		size     []int32  // sales of each group
	)
	isSale := func(r int32) bool {
		return f.Sale[r] && t.Standard[r] != datasets.ERC20 && t.Amount[r] > 0 && !math.IsInf(t.Price[r], 0)
	}
	// group returns the group of a sale of contract c in currency cur,
	// new if there is none yet.
	group := func(c, cur uint32) int32 {
		g := first[c] - 1
		if g >= 0 && groupCur[g] == cur {
			return g
		}
		g2 := second[c] - 1
		if g2 >= 0 && groupCur[g2] == cur {
			return g2
		}
		if g >= 0 && g2 >= 0 {
			k := [2]uint32{c, cur}
			if g3, ok := more[k]; ok {
				return g3
			}
			g3 := int32(len(groupCur))
			groupCur, size = append(groupCur, cur), append(size, 0)
			more[k] = g3
			return g3
		}
		g = int32(len(groupCur))
		groupCur, size = append(groupCur, cur), append(size, 0)
		if first[c] == 0 {
			first[c] = g + 1
		} else {
			second[c] = g + 1
		}
		return g
	}
	// gid[i] is the group of the i-th sale in canonical order (allocated
	// once at its largest: appends to a large slice grow it by a quarter,
	// allocating about five times its final size in all).
	gid := make([]int32, 0, len(f.Order))
	for _, r := range f.Order {
		if isSale(r) {
			g := group(f.Contract[r], t.Currency[r])
			size[g]++
			gid = append(gid, g)
		}
	}
	// The rows of group g, in canonical order: grows[gstart[g]:gstart[g+1]].
	gstart := make([]int32, len(size)+1)
	for g, n := range size {
		gstart[g+1] = gstart[g] + n
	}
	// Each sale's unit price is laid out beside its row here, read in
	// canonical order (sequentially, for input in time order), so that a
	// group's scan reads only its times from scattered rows.
	grows := make([]int32, len(gid))
	gprice := make([]float64, len(gid))
	next := slices.Clone(gstart[:len(size)])
	i := 0
	for _, r := range f.Order {
		if isSale(r) {
			g := gid[i]
			i++
			grows[next[g]], gprice[next[g]] = r, unitPrice(t, r)
			next[g]++
		}
	}
	gid, next, first, second, more = nil, nil, nil, nil, nil
	type sale struct {
		row   int32
		price float64 // per item
		time  int64
	}

	// Rolling medians per group, the groups split across goroutines; the
	// anomalies are concatenated in group order.
	per := make([][]anomaly, len(size))
	scan := func(gi int, w *rolling, buf *[]sale) {
		g0 := int(gstart[gi])
		rows := grows[g0:gstart[gi+1]]
		seq := slices.Grow((*buf)[:0], len(rows))[:len(rows)]
		for i, r := range rows {
			seq[i] = sale{r, gprice[g0+i], t.Time[r]}
		}
		*buf = seq
		w.reset()
		lo := 0 // seq[lo:i] are in the window
		for i, sl := range seq {
			r, pr := sl.row, sl.price
			// The sales that leave before this one is compared, the last
			// of them (usually the only one) left with the insertion.
			leave := lo
			for leave < i && (i-leave > window || (maxAge > 0 && sl.time-seq[leave].time > maxAge)) {
				leave++
			}
			for ; lo+1 < leave; lo++ {
				w.remove(seq[lo].price)
			}
			out := -1
			if lo < leave {
				out = w.find(seq[lo].price)
				lo++
			}
			if w.len(out) >= minSamples {
				m := w.median(out)
				ratio := max(pr/m, m/pr)
				if ratio >= factor && features.Known(f.Seller[r]) && features.Known(f.Buyer[r]) && f.Seller[r] != f.Buyer[r] {
					per[gi] = append(per[gi], anomaly{row: r, median: m, ratio: ratio})
				}
			}
			w.replace(out, pr)
		}
	}
	workers := 1
	if f.N >= 1<<16 {
		workers = 0 // every core
	}
	if err := detect.Parallel(p.Context, len(size), workers, func() func(int) error {
		w := &rolling{sorted: make([]uint64, 0, min(window, 1<<16))}
		var buf []sale
		return func(gi int) error {
			scan(gi, w, &buf)
			return nil
		}
	}); err != nil {
		return nil, err
	}
	var anomalies []anomaly
	for _, a := range per {
		anomalies = append(anomalies, a...)
	}
	if len(anomalies) == 0 {
		return nil, nil
	}

	// An anomaly not linked by funders is linked by a trade the other way
	// (the buyer selling to the seller) within link_window: buying from the
	// same dealer again is ordinary. The rows of each such reverse pair
	// (seller b, buyer s) are gathered in one pass over the rows, looking
	// up only rows whose seller and buyer are both wanted.
	kinds := make([]funder.Kind, len(anomalies))
	vias := make([]uint32, len(anomalies))
	reverse := map[uint64][]int32{} // seller<<32 | buyer → rows
	wantSeller := make([]bool, t.Addrs.Len())
	wantBuyer := make([]bool, t.Addrs.Len())
	for i, a := range anomalies {
		s, b := f.Seller[a.row], f.Buyer[a.row]
		if kinds[i], vias[i] = linker.Link(s, b); kinds[i] == funder.None {
			reverse[uint64(b)<<32|uint64(s)] = nil
			wantSeller[b], wantBuyer[s] = true, true
		}
	}
	if len(reverse) > 0 {
		for _, r := range f.Order {
			s, b := f.Seller[r], f.Buyer[r]
			if !wantSeller[s] || !wantBuyer[b] {
				continue
			}
			k := uint64(s)<<32 | uint64(b)
			if l, ok := reverse[k]; ok {
				reverse[k] = append(l, r)
			}
		}
	}

	for i, a := range anomalies {
		r := a.row
		s, b := f.Seller[r], f.Buyer[r]
		link := ""
		if k, via := kinds[i], vias[i]; k != funder.None {
			if k == funder.Shared {
				link = "counterparties linked by funder " + t.Addrs.String(via)
			} else {
				link = "counterparties linked: " + linker.Evidence(k, s, b, via)
			}
		} else {
			n := 0
			for _, o := range reverse[uint64(b)<<32|uint64(s)] {
				if abs(t.Time[o]-t.Time[r]) <= linkWindow {
					n++
				}
			}
			if n > 0 {
				link = fmt.Sprintf("counterparties also traded the other way %d× within %s", n, days(linkWindow))
			}
		}
		if link == "" {
			continue
		}
		strength := 0.5 + 0.5*math.Log(a.ratio/factor)/math.Log(factor)
		cur := currency(t, r)
		each := ""
		if t.Amount[r] != 1 {
			each = " each"
		}
		p.Report(r, min(1, strength), fmt.Sprintf("price %s %s%s vs rolling median %s %s (%.1f×), %s",
			num(unitPrice(t, r)), cur, each, num(a.median), cur, a.ratio, link))
	}
	return nil, nil
}

// unitPrice is the price of one item of row r (erc1155 rows may move several).
func unitPrice(t *datasets.Trades, r int32) float64 { return t.Price[r] / t.Amount[r] }

// rolling is the rolling median's multiset of prices (positive or zero,
// never NaN), kept sorted as their IEEE bits, which order such prices as
// the prices themselves and compare as integers (see lowerBound). A price
// about to leave can be marked by its index (find) instead of removed: len
// and median then read the window without it, and replace overwrites it
// with the entering price, shifting only the prices between the two
// places. In the steady state (one price leaves, one enters) that is one
// binary search and one move of the prices between them instead of a
// removal and an insertion that each move half the window. Equal prices
// are interchangeable, so which of them a removal takes does not matter.
type rolling struct{ sorted []uint64 }

func (w *rolling) reset() { w.sorted = w.sorted[:0] }

// find returns the index of a price equal to x (which must be present).
func (w *rolling) find(x float64) int { return lowerBound(w.sorted, math.Float64bits(x)) }

// remove removes a price equal to x (which must be present).
func (w *rolling) remove(x float64) {
	j := w.find(x)
	w.sorted = append(w.sorted[:j], w.sorted[j+1:]...)
}

// len is the number of prices without the one at out (-1: none).
func (w *rolling) len(out int) int {
	if out >= 0 {
		return len(w.sorted) - 1
	}
	return len(w.sorted)
}

// median returns the median of the prices without the one at out (-1:
// none), which must not be empty; O(1).
func (w *rolling) median(out int) float64 {
	at := func(i int) float64 { // i-th price without out
		if out >= 0 && i >= out {
			i++
		}
		return math.Float64frombits(w.sorted[i])
	}
	n := w.len(out)
	if n%2 == 1 {
		return at(n / 2)
	}
	return (at(n/2-1) + at(n/2)) / 2
}

// replace inserts x in order, in place of the price at out (-1: none).
func (w *rolling) replace(out int, x float64) {
	s := w.sorted
	b := math.Float64bits(x)
	k := lowerBound(s, b)
	switch {
	case out < 0:
		s = append(s, 0)
		copy(s[k+1:], s[k:])
	case k <= out:
		copy(s[k+1:out+1], s[k:out])
	default: // x goes after out: the prices between move down
		k--
		copy(s[out:k], s[out+1:k+1])
	}
	s[k] = b
	w.sorted = s
}

// lowerBound returns the first index of sorted (ascending) whose value is
// at least x, len(sorted) if none. The search halves the range without an
// early exit, so the loop has a fixed trip count, and its one
// data-dependent step is arithmetic on the borrow of an integer
// subtraction rather than a branch that random prices would mispredict
// half the time. Time O(log n).
func lowerBound(sorted []uint64, x uint64) int {
	base, n := 0, len(sorted)
	for n > 1 {
		half := n / 2
		// lt is 1 when sorted[base+half-1] < x, then sorted[base:base+half]
		// are all below x: the borrow of the subtraction, no branch.
		_, lt := bits.Sub64(sorted[base+half-1], x, 0)
		base += int(uint(half) & -uint(lt))
		n -= half
	}
	if n == 1 && sorted[base] < x {
		base++
	}
	return base
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func days(sec int64) string {
	if sec%86400 == 0 {
		return strconv.FormatInt(sec/86400, 10) + "d"
	}
	return strconv.FormatInt(sec, 10) + "s"
}

// num prints a price rounded to 4 significant digits, without exponent.
func num(x float64) string {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// currency is the row's currency symbol, or the chain's native one.
func currency(t *datasets.Trades, r int32) string {
	if c := t.Currencies.Value(t.Currency[r]); c != "" {
		return c
	}
	if n := datasets.NativeCurrencies[t.Chains.Value(t.Chain[r])]; len(n) > 0 {
		return n[0]
	}
	return ""
}
