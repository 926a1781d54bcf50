package htmlreport

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/washscan/washscan/detect/metrics"
)

// The charts are drawn by hand as inline SVG. Every text that may come from
// the input goes through esc; numbers are formatted here.

func esc(s string) string { return html.EscapeString(s) }

// fnum formats a chart number compactly.
func fnum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', 1, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a >= 100 || a == 0:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

const (
	chartW, chartH = 720, 200
	padL, padB     = 48, 22
	padT, padR     = 22, 8
)

// bars draws stacked bars: per bucket, wash (bottom) and organic (top).
// A NaN bucket draws nothing.
func bars(title, unit string, dates []string, wash, organic []float64) template.HTML {
	n := len(dates)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img"><title>%s</title>`,
		chartW, chartH, chartW, chartH, esc(title))
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d">no rows in the window</text></svg>`, padL, chartH/2)
		return template.HTML(b.String())
	}
	top := 0.0
	for i := range n {
		if s := wash[i] + organic[i]; s > top && !math.IsNaN(s) {
			top = s
		}
	}
	if top == 0 {
		top = 1
	}
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	bw := pw / float64(n)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%s</text>`, padL-4, padT+8, esc(fnum(top)))
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">0</text>`, padL-4, chartH-padB)
	for i := range n {
		if math.IsNaN(wash[i]) || math.IsNaN(organic[i]) {
			continue
		}
		x := float64(padL) + float64(i)*bw
		hw := wash[i] / top * ph
		ho := organic[i] / top * ph
		y0 := float64(chartH - padB)
		fmt.Fprintf(&b, `<g><title>%s: wash %s, organic %s %s</title>`, esc(dates[i]), esc(fnum(wash[i])), esc(fnum(organic[i])), esc(unit))
		if ho > 0 {
			fmt.Fprintf(&b, `<rect class="org" x="%.2f" y="%.2f" width="%.2f" height="%.2f"/>`, x, y0-hw-ho, math.Max(bw-0.5, 0.5), ho)
		}
		if hw > 0 {
			fmt.Fprintf(&b, `<rect class="wash" x="%.2f" y="%.2f" width="%.2f" height="%.2f"/>`, x, y0-hw, math.Max(bw-0.5, 0.5), hw)
		}
		b.WriteString(`</g>`)
	}
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">%s</text>`, padL, chartH-4, esc(dates[0]))
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-padR, chartH-4, esc(dates[n-1]))
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="13">%s</text>`, padL, esc(title))
	fmt.Fprintf(&b, `<rect class="wash" x="%d" y="4" width="10" height="10"/><text class="tick" x="%d" y="13">wash</text>`, chartW-150, chartW-136)
	fmt.Fprintf(&b, `<rect class="org" x="%d" y="4" width="10" height="10"/><text class="tick" x="%d" y="13">organic</text>`, chartW-90, chartW-76)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func salesChart(tr *metrics.Trends) template.HTML {
	n := len(tr.BlockDates)
	wash, org := make([]float64, n), make([]float64, n)
	for i := range n {
		wash[i] = float64(tr.WashtradeSuspectSalesTrend[i])
		org[i] = float64(tr.TotalSalesTrend[i] - tr.WashtradeSuspectSalesTrend[i])
	}
	return bars("wash and organic sales over time", "sales", tr.BlockDates, wash, org)
}

// volumeChart draws wash and organic volume per bucket: native volume, or,
// where that is null (several chains), the USD volume.
func volumeChart(tr *metrics.Trends, title string) template.HTML {
	washT, totT, unit := tr.WashtradeVolumeTrend, tr.TotalVolumeTrend, "volume"
	if !anyKnown(totT) && anyKnown(tr.TotalVolumeUSDTrend) {
		washT, totT, unit = tr.WashtradeVolumeUSDTrend, tr.TotalVolumeUSDTrend, "USD"
		title = strings.TrimSuffix(title, " (native currency)") + " (USD: the native volume mixes chains)"
	}
	n := len(tr.BlockDates)
	wash, org := make([]float64, n), make([]float64, n)
	known := false
	for i := range n {
		w, t := washT[i], totT[i]
		if w == nil || t == nil {
			wash[i], org[i] = math.NaN(), math.NaN()
			continue
		}
		known = true
		wash[i], org[i] = *w, math.Max(*t-*w, 0)
	}
	if !known && n > 0 {
		return template.HTML(`<p class="note">Volume is not comparable here (the rows span several chains and give no USD price).</p>`)
	}
	return bars(title, unit, tr.BlockDates, wash, org)
}

func anyKnown(xs []*float64) bool {
	for _, x := range xs {
		if x != nil {
			return true
		}
	}
	return false
}

// spark draws a small trend: wash volume per bucket, or wash sales where
// the volume is null.
func spark(tr *metrics.Trends) template.HTML {
	if tr == nil || len(tr.BlockDates) == 0 {
		return ""
	}
	n := len(tr.BlockDates)
	vals := make([]float64, n)
	what := "wash volume"
	for i := range n {
		if p := tr.WashtradeVolumeTrend[i]; p != nil {
			vals[i] = *p
		} else {
			what = "wash sales"
		}
	}
	if what == "wash sales" {
		for i := range n {
			vals[i] = float64(tr.WashtradeSuspectSalesTrend[i])
		}
	}
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, v)
	}
	if top == 0 {
		top = 1
	}
	const w, h = 120, 24
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" viewBox="0 0 %d %d" width="%d" height="%d" role="img"><title>%s per bucket, %s to %s</title><polyline points="`,
		w, h, w, h, what, esc(tr.BlockDates[0]), esc(tr.BlockDates[n-1]))
	for i, v := range vals {
		x := float64(w) / 2
		if n > 1 {
			x = float64(i) * float64(w-2) / float64(n-1)
		}
		fmt.Fprintf(&b, "%.1f,%.1f ", x+1, float64(h-2)-v/top*float64(h-4))
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String())
}

// ringGraph draws a ring: its wallets (the path's, then the legs' other
// parties) on a circle, one arrow per leg from seller to buyer, numbered as
// the legs are listed (with price and time) under it.
func ringGraph(path []string, legs []trade) template.HTML {
	var nodes []string
	pos := map[string]int{}
	add := func(a string) {
		if _, ok := pos[a]; !ok && a != "" && len(nodes) < 12 {
			pos[a] = len(nodes)
			nodes = append(nodes, a)
		}
	}
	for _, a := range path {
		add(a)
	}
	for _, l := range legs {
		add(l.Seller)
		add(l.Buyer)
	}
	const w, h, r = 360, 260, 90
	cx, cy := float64(w)/2, float64(h)/2
	xy := func(i int) (float64, float64) {
		a := 2*math.Pi*float64(i)/float64(max(len(nodes), 1)) - math.Pi/2
		return cx + r*math.Cos(a), cy + r*math.Sin(a)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="ring" viewBox="0 0 %d %d" width="%d" height="%d" role="img"><title>ring of %d wallets</title>`, w, h, w, h, len(nodes))
	b.WriteString(`<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker></defs>`)
	pairs := map[[2]int]int{}
	for li, l := range legs {
		s, ok1 := pos[l.Seller]
		t, ok2 := pos[l.Buyer]
		if !ok1 || !ok2 || s == t {
			continue
		}
		k := pairs[[2]int{s, t}]
		pairs[[2]int{s, t}]++
		x1, y1 := xy(s)
		x2, y2 := xy(t)
		// Curve each leg a little (more for repeats) so A→B and B→A part.
		mx, my := (x1+x2)/2, (y1+y2)/2
		dx, dy := x2-x1, y2-y1
		l2 := math.Hypot(dx, dy)
		bend := 18 + 14*float64(k)
		qx, qy := mx-dy/l2*bend, my+dx/l2*bend
		// Stop the arrow at the node's edge.
		ex, ey := x2-(x2-qx)/math.Hypot(x2-qx, y2-qy)*9, y2-(y2-qy)/math.Hypot(x2-qx, y2-qy)*9
		fmt.Fprintf(&b, `<g class="leg"><title>%s → %s: %s %s at %s</title><path d="M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f" marker-end="url(#arr)"/>`,
			esc(l.Seller), esc(l.Buyer), esc(l.Price), esc(l.Currency), esc(l.Time), x1, y1, qx, qy, ex, ey)
		// The leg's number on its curve; the amounts and times are listed
		// under the graph, where they do not overlap.
		fmt.Fprintf(&b, `<circle class="lab" cx="%.1f" cy="%.1f" r="6"/><text x="%.1f" y="%.1f" text-anchor="middle">%d</text></g>`,
			(mx+qx)/2, (my+qy)/2, (mx+qx)/2, (my+qy)/2+3, li+1)
	}
	for i, a := range nodes {
		x, y := xy(i)
		fmt.Fprintf(&b, `<g class="node"><title>%s</title><circle cx="%.1f" cy="%.1f" r="8"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text></g>`,
			esc(a), x, y, x, y+(y-cy)/r*14+4, esc(short(a)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// short abbreviates an address: 0x1234…abcd.
func short(a string) string {
	if len(a) <= 12 {
		return a
	}
	return a[:6] + "…" + a[len(a)-4:]
}

// shortTime drops the seconds and the zone of an RFC 3339 time.
func shortTime(t string) string {
	if len(t) == 20 {
		return t[:10] + " " + t[11:16]
	}
	return t
}
