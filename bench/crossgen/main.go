// Command crossgen is the weight search behind the default preset's
// weights (README "Detectors and presets"): it scores markets once, then
// searches weights offline.
//
//	crossgen dump MARKET.csv FUNDERS.csv > strengths.csv
//	crossgen search W0 strengths.csv...   # W0: bias,w1,...,wn in preset order
//	crossgen eval W strengths.csv...
//
// dump runs the default preset's detectors and writes, for every row that a
// detector reported or that is labeled wash, its label and the detectors'
// strengths. search starts from W0 and keeps random coordinate moves (each
// weight in [0, 8], step halved every 1000 of 4000 moves, seeded: the same
// inputs give the same weights) that raise the minimum over the markets of
// F1 at threshold 0.5, less 50 × the shortfall of precision below 0.99,
// under one constraint: each of the graph detectors in [AloneNeeds]
// alone flags a row only from strength 0.8 (bias + 0.8·w < 0), so a lone
// ring, balanced set or round trip of middling strength, which real
// collector communities close by themselves, is never a verdict; eval
// prints F1, precision and recall of given weights.
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/features"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: crossgen dump MARKET FUNDERS | search W0 DUMP... | eval W DUMP...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "dump":
		if len(os.Args) != 4 {
			err = fmt.Errorf("dump MARKET FUNDERS")
			break
		}
		w := bufio.NewWriter(os.Stdout)
		err = dump(w, os.Args[2], os.Args[3])
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
	case "search", "eval":
		var w []float64
		var ms []market
		w, err = parseWeights(os.Args[2])
		for _, p := range os.Args[3:] {
			if err != nil {
				break
			}
			var m market
			m, err = load(p)
			ms = append(ms, m)
		}
		if err == nil {
			if os.Args[1] == "search" {
				w = search(ms, w)
				fmt.Println(formatWeights(w))
			}
			for _, m := range ms {
				f, p, r := m.f1(w)
				fmt.Printf("%s F1 %.4f P %.4f R %.4f\n", m.name, f, p, r)
			}
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crossgen:", err)
		os.Exit(1)
	}
}

// dump writes the strengths of the default preset's detectors.
func dump(out *bufio.Writer, market, funders string) error {
	t, err := datasets.Load([]string{market}, datasets.LoadOptions{})
	if err != nil {
		return err
	}
	fu, err := datasets.LoadFunders(funders, t)
	if err != nil {
		return err
	}
	p := registry.Default
	res, err := detect.Run(context.Background(), &detect.Input{Features: features.Compute(t), Funders: fu}, p.Detectors, nil)
	if err != nil {
		return err
	}
	n := t.Len()
	st := make([][]float64, len(p.Detectors))
	for j, d := range p.Detectors {
		st[j] = make([]float64, n)
		for _, f := range res.Findings[d.Name] {
			st[j][f.Row] = f.Strength
		}
	}
	out.WriteString("row,label")
	for _, d := range p.Detectors {
		out.WriteString("," + d.Name)
	}
	out.WriteString("\n")
	for i := 0; i < n; i++ {
		any := t.Label[i] == datasets.LabelWash
		for j := range st {
			any = any || st[j][i] > 0
		}
		if !any {
			continue
		}
		fmt.Fprint(out, i, ",", int(t.Label[i]))
		for j := range st {
			out.WriteString(",")
			out.WriteString(strconv.FormatFloat(st[j][i], 'g', 6, 64))
		}
		out.WriteString("\n")
	}
	return nil
}

// market is one dump: labels and strengths of the rows some detector
// reported (and of every wash row).
type market struct {
	name  string
	label []bool
	s     [][]float64
	wash  int
}

func load(path string) (market, error) {
	f, err := os.Open(path)
	if err != nil {
		return market{}, err
	}
	defer f.Close()
	recs, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		return market{}, fmt.Errorf("%s: %w", path, err)
	}
	m := market{name: path}
	for _, rec := range recs[1:] {
		l := rec[1] == "1"
		m.label = append(m.label, l)
		if l {
			m.wash++
		}
		v := make([]float64, len(rec)-2)
		for i := range v {
			if v[i], err = strconv.ParseFloat(rec[i+2], 64); err != nil {
				return market{}, fmt.Errorf("%s: %w", path, err)
			}
		}
		m.s = append(m.s, v)
	}
	return m, nil
}

// f1 scores the market under weights w (bias first) as detect.Score does:
// a row no detector reported scores 0; scores are rounded to 6 decimals.
func (m market) f1(w []float64) (f1, precision, recall float64) {
	tp, fp := 0, 0
	for i, v := range m.s {
		z := w[0]
		any := false
		for j, x := range v {
			if x > 0 {
				any = true
				z += w[j+1] * x
			}
		}
		if any && math.Round(detect.Sigmoid(z)*1e6)/1e6 >= 0.5 {
			if m.label[i] {
				tp++
			} else {
				fp++
			}
		}
	}
	precision = float64(tp) / math.Max(1, float64(tp+fp))
	recall = float64(tp) / math.Max(1, float64(m.wash))
	return 2 * precision * recall / math.Max(1e-9, precision+recall), precision, recall
}

// objective is the minimum over the markets of F1 less 50 × the shortfall
// of precision below 0.99, plus a thousandth of their mean (ties).
func objective(ms []market, w []float64) float64 {
	lo, sum := 1.0, 0.0
	for _, m := range ms {
		f, p, _ := m.f1(w)
		if p < 0.99 {
			f -= 50 * (0.99 - p)
		}
		lo = math.Min(lo, f)
		sum += f
	}
	return lo + 1e-3*sum/float64(len(ms))
}

// AloneNeeds lists the detectors that alone may flag a row only from
// strength 0.8 (see search).
var AloneNeeds = []string{"back_and_forth", "cycle", "volume_matching", "dense_group"}

// aloneIdx are the positions in a weight vector (bias first) of
// AloneNeeds under the default preset's detector order.
func aloneIdx() []int {
	var idx []int
	for j, d := range registry.Default.Detectors {
		for _, name := range AloneNeeds {
			if d.Name == name {
				idx = append(idx, j+1)
			}
		}
	}
	return idx
}

func search(ms []market, w []float64) []float64 {
	alone := aloneIdx()
	best := objective(ms, w)
	r := rand.New(rand.NewPCG(1, 1))
	step := 0.5
	for it := 0; it < 4000; it++ {
		c := append([]float64(nil), w...)
		k := r.IntN(len(c))
		c[k] += step * r.NormFloat64()
		if r.IntN(3) == 0 {
			k2 := r.IntN(len(c))
			c[k2] += step * r.NormFloat64()
		}
		ok := true
		for i := 1; i < len(c); i++ {
			ok = ok && c[i] >= 0 && c[i] <= 8
		}
		for _, i := range alone {
			if i < len(c) {
				ok = ok && c[0]+0.8*c[i] < 0
			}
		}
		if ok {
			if v := objective(ms, c); v > best {
				best, w = v, c
			}
		}
		if it%1000 == 999 {
			step /= 2
		}
	}
	for i := range w {
		w[i] = math.Round(w[i]*100) / 100
	}
	return w
}

func parseWeights(s string) ([]float64, error) {
	var w []float64
	for _, x := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return nil, fmt.Errorf("weights %q: %w", s, err)
		}
		w = append(w, v)
	}
	return w, nil
}

func formatWeights(w []float64) string {
	out := make([]string, len(w))
	for i, x := range w {
		out[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(out, ",")
}
