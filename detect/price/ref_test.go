package price

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/funder"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// refDetector is price_anomaly as it was before the rolling window replaced
// its leaving price with the entering one in one move: groups grown by
// append, a removal and an insertion per sale.
var refDetector = &detect.Detector{Name: "price_anomaly_ref", Doc: "reference", Requires: Detector.Requires, Params: Detector.Params, Run: refRun}

func refMedian(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func refRun(p *detect.Pass) (any, error) {
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
				m := refMedian(sorted)
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

// TestMatchesReference compares the detector with refDetector on random
// markets, finding for finding: contracts traded in up to four currencies
// (the first-two-currencies shortcut and the map), prices from a small set
// (many equal prices in a window) with outliers, erc1155 amounts, linked
// pairs trading back, and window, max_age and min_samples settings that
// make several prices leave at once.
func TestMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	curs := []string{"", "WETH", "USDC", "DAI"}
	for trial := 0; trial < 4; trial++ {
		var rows []tt.Row
		day := 0.0
		for i := 0; i < 20000; i++ {
			day += r.ExpFloat64() * 0.05
			price := float64(1+r.IntN(8)) / 4
			if r.IntN(40) == 0 {
				price *= float64(5 + r.IntN(40)) // outlier up
			} else if r.IntN(40) == 0 {
				price /= float64(5 + r.IntN(40)) // outlier down
			}
			s, b := fmt.Sprint("w", r.IntN(120)), fmt.Sprint("w", r.IntN(120))
			if r.IntN(10) == 0 && len(rows) > 0 { // trade back
				o := rows[r.IntN(len(rows))]
				s, b = o.Buyer, o.Seller
			}
			row := tt.Row{Day: day, Contract: fmt.Sprint("K", r.IntN(5)), Token: fmt.Sprint(r.IntN(50)), Seller: s, Buyer: b,
				Price: price, Currency: curs[r.IntN(1+trial)], Platform: "opensea"}
			if r.IntN(30) == 0 {
				row.Std = datasets.ERC1155
			}
			rows = append(rows, row)
		}
		trades := tt.Build(rows)
		for i := range trades.Amount {
			if trades.Standard[i] == datasets.ERC1155 {
				trades.Amount[i] = float64(1 + i%3)
			}
		}
		fu := tt.Funders(trades, map[string]string{"w1": "f", "w2": "f", "w3": "f", "w5": "g", "w8": "g"})
		in := &detect.Input{Features: features.Compute(trades), Funders: fu}
		for _, params := range []map[string]string{{}, {"window": "7", "min_samples": "3", "max_age": "2d"}, {"window": "200", "max_age": "0", "factor": "3"}, {"window": "2", "min_samples": "1", "factor": "2"}} {
			p := detect.NewParams()
			for k, v := range params {
				p.Set(Detector.Name+"."+k, v)
				p.Set(refDetector.Name+"."+k, v)
			}
			res, err := detect.Run(context.Background(), in, []*detect.Detector{Detector, refDetector}, p)
			if err != nil {
				t.Fatal(err)
			}
			got, want := res.Findings[Detector.Name], res.Findings[refDetector.Name]
			if len(want) == 0 {
				t.Errorf("trial %d %v: reference found nothing", trial, params)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("trial %d %v: %d findings, reference %d (or they differ)", trial, params, len(got), len(want))
			}
		}
	}
}

// TestRollingWindow checks the rolling window's replace, len and median
// against a sorted slice maintained by removal and insertion.
func TestRollingWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	w := &rolling{}
	var ref []float64
	for step := 0; step < 20000; step++ {
		x := float64(r.IntN(20)) / 4 // 0 included, as a unit price can be
		out := -1
		if len(ref) > 0 && r.IntN(3) > 0 {
			y := ref[r.IntN(len(ref))]
			if r.IntN(4) == 0 {
				w.remove(y)
			} else {
				out = w.find(y)
			}
			j, _ := slices.BinarySearch(ref, y)
			ref = slices.Delete(ref, j, j+1)
		}
		if w.len(out) != len(ref) {
			t.Fatalf("step %d: len %d, want %d", step, w.len(out), len(ref))
		}
		if len(ref) > 0 && w.median(out) != refMedian(ref) {
			t.Fatalf("step %d: median %v, want %v", step, w.median(out), refMedian(ref))
		}
		w.replace(out, x)
		j, _ := slices.BinarySearch(ref, x)
		ref = slices.Insert(ref, j, x)
		prices := make([]float64, len(w.sorted))
		for i, b := range w.sorted {
			prices[i] = math.Float64frombits(b)
		}
		if !slices.Equal(prices, ref) {
			t.Fatalf("step %d: window %v, want %v", step, prices, ref)
		}
		if len(ref) > 60 {
			w.reset()
			ref = ref[:0]
		}
	}
}
