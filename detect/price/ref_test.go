package price

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/funder"
	tt "github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// refDetector is price_anomaly as the package doc and the README state it,
// written plainly: for each sale, its prior sales collected by a scan of
// every earlier row, their median by sorting, the reverse trades by a scan of
// every row. Quadratic, for small markets.
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
	window := max(1, p.Int("window"))
	minSamples := max(1, p.Int("min_samples"))
	factor := p.Float("factor")
	linkWindow := p.Duration("link_window")
	maxAge := p.Duration("max_age")
	linker, _ := p.ResultOf[funder.Detector].(*funder.Linker)
	inScope := func(r int32) bool { // an NFT sale with a price per item
		return f.Sale[r] && t.Standard[r] != datasets.ERC20 && t.Amount[r] > 0 && !math.IsInf(t.Price[r], 0)
	}
	for i, r := range f.Order {
		s, b := f.Seller[r], f.Buyer[r]
		if !inScope(r) || !features.Known(s) || !features.Known(b) || s == b {
			continue
		}
		// The up to window sales of the collection in the currency before
		// r, none older than max_age.
		var prior []float64
		for j := i - 1; j >= 0 && len(prior) < window; j-- {
			o := f.Order[j]
			if maxAge > 0 && t.Time[r]-t.Time[o] > maxAge {
				break
			}
			if inScope(o) && f.Contract[o] == f.Contract[r] && t.Currency[o] == t.Currency[r] {
				prior = append(prior, t.Price[o]/t.Amount[o])
			}
		}
		if len(prior) < minSamples {
			continue
		}
		slices.Sort(prior)
		m, pr := refMedian(prior), t.Price[r]/t.Amount[r]
		ratio := max(pr/m, m/pr)
		if !(ratio >= factor) {
			continue
		}
		link := ""
		if k, via := linker.Link(s, b); k == funder.Shared {
			link = "counterparties linked by funder " + t.Addrs.String(via)
		} else if k != funder.None {
			link = "counterparties linked: " + linker.Evidence(k, s, b, via)
		} else {
			back := 0 // trades the other way, any asset, within link_window
			for o := range int32(t.Len()) {
				if f.Seller[o] == b && f.Buyer[o] == s && max(t.Time[o]-t.Time[r], t.Time[r]-t.Time[o]) <= linkWindow {
					back++
				}
			}
			if back == 0 {
				continue
			}
			link = fmt.Sprintf("counterparties also traded the other way %d× within %s", back, days(linkWindow))
		}
		cur := currency(t, r)
		each := ""
		if t.Amount[r] != 1 {
			each = " each"
		}
		strength := min(1, 0.5+0.5*math.Log(ratio/factor)/math.Log(factor))
		p.Report(r, strength, fmt.Sprintf("price %s %s%s vs rolling median %s %s (%.1f×), %s", num(pr), cur, each, num(m), cur, ratio, link))
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
			byRow := func(a, b detect.Finding) int { return cmp.Compare(a.Row, b.Row) }
			slices.SortStableFunc(got, byRow)
			slices.SortStableFunc(want, byRow)
			if len(want) == 0 {
				t.Errorf("trial %d %v: reference found nothing", trial, params)
			}
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Logf("first difference: %+v, reference %+v", got[i], want[i])
					break
				}
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
