package price

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/funder"
	"github.com/washscan/washscan/features"
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
	Params: []detect.Param{
		{Name: "window", Doc: "number of previous sales of the collection in the rolling median", Kind: detect.Number, Default: "50"},
		{Name: "max_age", Doc: "sales older than this leave the rolling median (0: no limit)", Kind: detect.Duration, Default: "30d"},
		{Name: "min_samples", Doc: "fewest previous sales for a median to count", Kind: detect.Number, Default: "10"},
		{Name: "factor", Doc: "price ratio to the median (either way) that is anomalous", Kind: detect.Number, Default: "5"},
		{Name: "link_window", Doc: "counterparties that traded with each other this close in time are linked", Kind: detect.Duration, Default: "30d"},
	},
	Run: run,
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
	window := max(1, p.Int("window"))
	minSamples := max(1, p.Int("min_samples"))
	factor := p.Float("factor")
	if factor <= 1 {
		return nil, fmt.Errorf("factor %v: want > 1", factor)
	}
	linkWindow := p.Duration("link_window")
	maxAge := p.Duration("max_age")
	linker, _ := p.ResultOf[funder.Detector].(*funder.Linker)

	// Group sales by (contract, currency), in canonical order. A sale
	// carries its time so the rolling window never reads the (scattered)
	// time column again. Most contracts trade in one currency: byContract
	// holds the group of a contract's first currency, the map the rest.
	type sale struct {
		row   int32
		price float64 // per item
		time  int64
	}
	byContract := make([]int32, t.Addrs.Len())
	group := map[[2]uint32]int{}
	var (
		seqs     [][]sale
		groupCur []uint32 // currency of each group
	)
	for _, r := range f.Order {
		if !f.Sale[r] || t.Standard[r] == datasets.ERC20 || !(t.Amount[r] > 0) || math.IsInf(t.Price[r], 0) {
			continue
		}
		c, cur := f.Contract[r], t.Currency[r]
		g := int(byContract[c]) - 1
		if g < 0 || groupCur[g] != cur {
			k := [2]uint32{c, cur}
			var ok bool
			if g, ok = group[k]; !ok {
				g = len(seqs)
				group[k] = g
				seqs = append(seqs, nil)
				groupCur = append(groupCur, cur)
				if byContract[c] == 0 {
					byContract[c] = int32(g + 1)
				}
			}
		}
		seqs[g] = append(seqs[g], sale{r, unitPrice(t, r), t.Time[r]})
	}

	// Rolling medians per group, the groups split across goroutines; the
	// anomalies are concatenated in group order.
	per := make([][]anomaly, len(seqs))
	scan := func(gi int, sorted []float64) []float64 {
		seq := seqs[gi]
		sorted = sorted[:0]
		lo := 0 // seq[lo:i] are in sorted
		for i, sl := range seq {
			r, pr := sl.row, sl.price
			for lo < i && (i-lo >= window || (maxAge > 0 && sl.time-seq[lo].time > maxAge)) {
				j, _ := slices.BinarySearch(sorted, seq[lo].price)
				sorted = slices.Delete(sorted, j, j+1)
				lo++
			}
			if len(sorted) >= minSamples {
				m := median(sorted)
				ratio := max(pr/m, m/pr)
				if ratio >= factor && features.Known(f.Seller[r]) && features.Known(f.Buyer[r]) && f.Seller[r] != f.Buyer[r] {
					per[gi] = append(per[gi], anomaly{row: r, median: m, ratio: ratio})
				}
			}
			j, _ := slices.BinarySearch(sorted, pr)
			sorted = slices.Insert(sorted, j, pr)
		}
		return sorted
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	workers := 1
	if f.N >= 1<<16 {
		workers = min(runtime.GOMAXPROCS(0), max(len(seqs), 1))
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sorted := make([]float64, 0, min(window, 1<<16))
			for {
				gi := int(next.Add(1) - 1)
				if gi >= len(seqs) || p.Context.Err() != nil {
					return
				}
				sorted = scan(gi, sorted)
			}
		}()
	}
	wg.Wait()
	if err := p.Context.Err(); err != nil {
		return nil, err
	}
	var anomalies []anomaly
	for _, a := range per {
		anomalies = append(anomalies, a...)
	}
	if len(anomalies) == 0 {
		return nil, nil
	}

	// Times at which each anomalous pair traded with each other.
	pairKey := func(a, b uint32) [2]uint32 {
		if a > b {
			a, b = b, a
		}
		return [2]uint32{a, b}
	}
	pairs := map[[2]uint32][]int32{}
	inPair := make([]bool, t.Addrs.Len()) // wallets of an anomalous pair
	for _, a := range anomalies {
		s, b := f.Seller[a.row], f.Buyer[a.row]
		pairs[pairKey(s, b)] = nil
		inPair[s], inPair[b] = true, true
	}
	for _, r := range f.Order {
		s, b := f.Seller[r], f.Buyer[r]
		if !features.Known(s) || !features.Known(b) || !inPair[s] || !inPair[b] {
			continue
		}
		k := pairKey(s, b)
		if l, ok := pairs[k]; ok {
			pairs[k] = append(l, r)
		}
	}

	for _, a := range anomalies {
		r := a.row
		s, b := f.Seller[r], f.Buyer[r]
		link := ""
		if k, via := linker.Link(s, b); k != funder.None {
			if k == funder.Shared {
				link = "counterparties linked by funder " + t.Addrs.String(via)
			} else {
				link = "counterparties linked: " + linker.Evidence(k, s, b, via)
			}
		} else {
			// Only a trade the other way (the buyer selling to the seller)
			// links them: buying from the same dealer again is ordinary.
			n := 0
			for _, o := range pairs[pairKey(s, b)] {
				if f.Seller[o] == b && abs(t.Time[o]-t.Time[r]) <= linkWindow {
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

// median returns the median of sorted (non-empty); O(1).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
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
