// Package htmlreport writes the HTML report of a run (README "HTML report";
// the contract is docs/contract.md §3.3): one self-contained file, no network
// access when opened (no external script, style, font or image; a
// Content-Security-Policy that allows only the page's own inline script, by
// hash, and inline styles), readable with JavaScript off (the script only
// sorts and filters tables).
//
// Sections: the market's figures and its wash and organic sales and volume
// over time; marketplaces; collections, each with a small trend; the top
// collections' own sections (wash volume over time, top wallets, flagged
// trades); wallets with their flagged trades and evidence; detected rings
// drawn as small graphs (wallets as nodes, legs with amount and time); the
// method (each detector's doc, weight and parameters, the threshold) and the
// provenance (version, inputs, row accounting).
//
// Every string that came from the input is escaped, by html/template or, in
// the SVG drawn here, by html.EscapeString: no input adds markup or script.
// Every list is capped by Source.Top (and sub-lists by fixed caps), so the
// page's size does not grow with the input's.
package htmlreport

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// Source is what the report is made of.
type Source struct {
	// Report is the metrics document (with trends).
	Report *metrics.Report
	// Features are the features of the trades the metrics were computed on.
	Features *features.Set
	// Window marks the rows in the metrics window (metrics.InWindow).
	Window []bool
	// Flagged and Score are per row, as in the flags file; Reasons and
	// Evidence return a row's, as in the flags file (for Scores, their
	// Reasons and Evidence methods). The report asks only for the rows it
	// lists or scans for rings.
	Flagged  []bool
	Score    []float64
	Reasons  func(row int) string
	Evidence func(row int) string
	// Detectors ran, with their weights; nil when not recorded (a report
	// made from a flags file).
	Detectors []*detect.Detector
	Weights   *detect.Weights
	// Recorded is false when the Report's washscan block is not known (a
	// flags file without metadata): the method and provenance say "not
	// recorded".
	Recorded bool
	// Top caps every list (0: DefaultTop).
	Top int
	// Funders, when given, name each listed wallet's first funder.
	Funders *datasets.Funders
	// Origin says where the verdicts come from ("analyze" or the flags
	// file read).
	Origin string
}

// DefaultTop caps the lists when Source.Top is 0.
const DefaultTop = 100

// Fixed caps of the sub-lists.
const (
	collectionSections = 10 // collections with their own section
	tradesPerSection   = 25 // flagged trades listed per collection
	walletsPerSection  = 10 // top wallets listed per collection
	tradesPerWallet    = 10 // flagged trades listed per wallet
	maxRings           = 30 // rings drawn
	maxRingLegs        = 12 // legs drawn per ring
)

//go:embed report.js
var script string

//go:embed report.css
var style string

// scriptHash is the CSP hash of the inline script.
var scriptHash = func() string {
	h := sha256.Sum256([]byte(script))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}()

// Write writes the report of s to w.
func Write(w io.Writer, s *Source) error {
	v, err := build(s)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// figure is a named metric as the metrics JSON writes it.
type figure struct {
	Name  string
	Value string // the JSON text: a number or null
}

// figures returns the fields of v (a struct) in JSON order, values as JSON
// text, leaving out arrays (the trends).
func figures(v any) []figure {
	data, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []figure
	if _, err := dec.Token(); err != nil {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return out
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out
		}
		if len(raw) > 0 && (raw[0] == '[' || raw[0] == '{' || raw[0] == '"') {
			continue
		}
		out = append(out, figure{k.(string), string(raw)})
	}
	return out
}

// num formats a float as the metrics JSON does.
func num(p *float64) string {
	if p == nil {
		return "null"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

// scopeRow is a line of the marketplaces or collections table.
type scopeRow struct {
	Name, Sub  string
	Anchor     string
	Figs       []figure
	Sort       []string // sort keys, per figure column
	Trend      template.HTML
	HasSection bool
}

// trade is a flagged trade as listed.
type trade struct {
	Time, Tx, Contract, Token, Seller, Buyer, Price, USD, Currency, Platform string
	Score, Reasons, Evidence                                                 string
}

type walletView struct {
	Wallet string
	Funder string
	Figs   []figure
	Trades []trade
	More   int
}

type collView struct {
	Anchor, Chain, Contract string
	Chart                   template.HTML
	Wallets                 []walletShare
	Trades                  []trade
	More                    int
}

type walletShare struct {
	Wallet        string
	Sales         int
	Volume        string
	VolumeUnknown bool
}

type ringView struct {
	Detector string
	Text     string
	Graph    template.HTML
	Legs     []trade
}

type detView struct {
	Name, Doc, Weight string
	Params            [][2]string
}

type view struct {
	Title, Origin, CSP    string
	Style                 template.CSS
	Script                template.JS
	AsOf, Range           string
	Market                []figure
	SalesChart, VolChart  template.HTML
	Marketplaces          []scopeRow
	MarketplacesMore      int
	Collections           []scopeRow
	CollectionsMore       int
	Sections              []collView
	Wallets               []walletView
	Rings                 []ringView
	RingsFound            int
	Recorded              bool
	Version, Preset       string
	Threshold, Weights    string
	Bias                  string
	Detectors             []detView
	DetectorsRecorded     bool
	Params                [][2]string
	Files                 []string
	RowsRead, RowsLoaded  int64
	RowsRejected, RowsDup int64
	Top                   int
}

var scopeCols = []string{"washtrade_suspect_sales", "total_sales", "washtrade_suspect_sales_ratio",
	"washtrade_volume", "total_volume", "washtrade_volume_usd", "washtrade_wallets", "washtrade_level"}

func pick(figs []figure, names []string) []figure {
	out := make([]figure, 0, len(names))
	for _, n := range names {
		for _, f := range figs {
			if f.Name == n {
				out = append(out, f)
			}
		}
	}
	return out
}

func sortKeys(figs []figure) []string {
	out := make([]string, len(figs))
	for i, f := range figs {
		if f.Value == "null" {
			out[i] = "-1e308"
		} else {
			out[i] = f.Value
		}
	}
	return out
}

func build(s *Source) (*view, error) {
	rep := s.Report
	if rep == nil || s.Features == nil {
		return nil, fmt.Errorf("html report: no metrics")
	}
	top := s.Top
	if top <= 0 {
		top = DefaultTop
	}
	v := &view{
		Title: "washscan report", Origin: s.Origin, CSP: scriptHash,
		Style: template.CSS(style), Script: template.JS(script),
		AsOf: rep.AsOf, Range: rep.TimeRange, Recorded: s.Recorded, Top: top,
		Market:       figures(rep.Market.Metrics),
		Files:        rep.Input.Files,
		RowsRead:     int64(rep.Input.RowsRead),
		RowsLoaded:   int64(rep.Input.RowsLoaded),
		RowsRejected: int64(rep.Input.RowsRejected),
		RowsDup:      int64(rep.Input.RowsDuplicate),
	}
	if tr := rep.Market.Trends; tr != nil {
		v.SalesChart = salesChart(tr)
		v.VolChart = volumeChart(tr, "wash and organic volume (native currency)")
	}
	for i, m := range rep.Marketplaces {
		if i >= top {
			v.MarketplacesMore = len(rep.Marketplaces) - top
			break
		}
		figs := pick(figures(m.Metrics), scopeCols)
		v.Marketplaces = append(v.Marketplaces, scopeRow{Name: m.Platform, Figs: figs, Sort: sortKeys(figs), Trend: spark(m.Trends)})
	}
	for i, c := range rep.Collections {
		if i >= top {
			v.CollectionsMore = len(rep.Collections) - top
			break
		}
		figs := pick(figures(c.Metrics), scopeCols)
		row := scopeRow{Name: c.ContractAddress, Sub: c.Blockchain, Figs: figs, Sort: sortKeys(figs), Trend: spark(c.Trends),
			Anchor: "c" + strconv.Itoa(i), HasSection: i < collectionSections && c.Trends != nil}
		v.Collections = append(v.Collections, row)
	}
	d := newData(s, top)
	v.Sections = d.sections()
	v.Wallets = d.wallets()
	v.Rings, v.RingsFound = d.rings()
	if s.Recorded {
		w := rep.Washscan
		v.Version, v.Preset, v.Weights = w.Version, w.Preset, w.Weights
		v.Threshold = strconv.FormatFloat(w.Threshold, 'f', -1, 64)
		for _, k := range slices.Sorted(maps.Keys(w.Params)) {
			v.Params = append(v.Params, [2]string{k, w.Params[k]})
		}
	}
	if s.Detectors != nil {
		v.DetectorsRecorded = true
		if s.Weights != nil {
			v.Bias = strconv.FormatFloat(s.Weights.Bias, 'f', -1, 64)
		}
		for _, dt := range s.Detectors {
			dv := detView{Name: dt.Name, Doc: dt.Doc, Weight: "—"}
			if s.Weights != nil {
				if wt, ok := s.Weights.Weights[dt.Name]; ok {
					dv.Weight = strconv.FormatFloat(wt, 'f', -1, 64)
				}
			}
			for _, q := range dt.Params {
				val := q.Default
				if x, ok := rep.Washscan.Params[dt.Name+"."+q.Name]; ok {
					val = x
				}
				dv.Params = append(dv.Params, [2]string{q.Name, val + " — " + q.Doc})
			}
			v.Detectors = append(v.Detectors, dv)
		}
	}
	return v, nil
}

// data answers the row-level questions of the report.
type data struct {
	s   *Source
	t   *datasets.Trades
	fs  *features.Set
	top int
}

func newData(s *Source, top int) *data {
	return &data{s: s, t: s.Features.T, fs: s.Features, top: top}
}

func (d *data) tradeOf(r int32) trade {
	t := d.t
	tr := trade{
		Time:     datasets.FormatTime(t.Time[r]),
		Tx:       t.TxHash[r].String(),
		Contract: t.Addrs.String(t.Contract(int(r))),
		Token:    t.Assets.TokenID[t.Asset[r]],
		Seller:   addr(t, t.Seller[r]),
		Buyer:    addr(t, t.Buyer[r]),
		Price:    strconv.FormatFloat(t.Price[r], 'f', -1, 64),
		Currency: t.Currencies.Value(t.Currency[r]),
		Platform: t.Platforms.Value(t.Platform[r]),
		Score:    strconv.FormatFloat(d.s.Score[r], 'f', -1, 64),
		Reasons:  d.s.Reasons(int(r)),
		Evidence: d.s.Evidence(int(r)),
	}
	if u := t.PriceUSD[r]; !math.IsNaN(u) {
		tr.USD = strconv.FormatFloat(u, 'f', -1, 64)
	}
	return tr
}

func addr(t *datasets.Trades, id datasets.AddrID) string {
	if id == datasets.NoAddr {
		return ""
	}
	return t.Addrs.String(id)
}

// flaggedRows returns the flagged window rows, latest first.
func (d *data) flaggedRows() []int32 {
	var out []int32
	order := d.fs.Order
	for k := len(order) - 1; k >= 0; k-- {
		r := order[k]
		if d.s.Flagged[r] && d.s.Window[r] {
			out = append(out, r)
		}
	}
	return out
}

func (d *data) sections() []collView {
	rep := d.s.Report
	var out []collView
	type key struct {
		chain    uint32
		contract datasets.AddrID
	}
	idx := map[key]int{}
	for i, c := range rep.Collections {
		if i >= collectionSections || i >= d.top || c.Trends == nil {
			break
		}
		ch, ok1 := d.t.Chains.Lookup(c.Blockchain)
		a, ok2 := lookupAddr(d.t, c.ContractAddress)
		if !ok1 || !ok2 {
			continue
		}
		idx[key{ch, a}] = len(out)
		out = append(out, collView{Anchor: "c" + strconv.Itoa(i), Chain: c.Blockchain, Contract: c.ContractAddress,
			Chart: volumeChart(c.Trends, "wash volume over time")})
	}
	if len(out) == 0 {
		return out
	}
	type share struct {
		sales int
		vol   metrics.Sum
		other bool // a sale not in native currency
	}
	shares := make([]map[datasets.AddrID]*share, len(out))
	for i := range shares {
		shares[i] = map[datasets.AddrID]*share{}
	}
	for _, r := range d.flaggedRows() {
		k, ok := idx[key{d.t.Chain[r], d.t.Contract(int(r))}]
		if !ok {
			continue
		}
		cv := &out[k]
		if len(cv.Trades) < tradesPerSection {
			cv.Trades = append(cv.Trades, d.tradeOf(r))
		} else {
			cv.More++
		}
		if !d.fs.Sale[r] {
			continue
		}
		for _, w := range parties(d.t, r) {
			if w == datasets.NoAddr {
				continue
			}
			sh := shares[k][w]
			if sh == nil {
				sh = &share{}
				shares[k][w] = sh
			}
			sh.sales++
			if d.fs.Native[r] {
				sh.vol.Add(d.t.Price[r])
			} else {
				sh.other = true
			}
		}
	}
	for k := range out {
		type ws struct {
			w   datasets.AddrID
			s   *share
			vol float64
		}
		var list []ws
		for w, s := range shares[k] {
			list = append(list, ws{w, s, s.vol.Value()})
		}
		slices.SortFunc(list, func(a, b ws) int {
			return cmp.Or(cmp.Compare(b.vol, a.vol), cmp.Compare(b.s.sales, a.s.sales),
				strings.Compare(d.t.Addrs.String(a.w), d.t.Addrs.String(b.w)))
		})
		for _, x := range list[:min(len(list), walletsPerSection)] {
			out[k].Wallets = append(out[k].Wallets, walletShare{Wallet: d.t.Addrs.String(x.w), Sales: x.s.sales,
				Volume: round9(x.vol), VolumeUnknown: x.s.other && x.vol == 0})
		}
	}
	return out
}

// parties returns the seller and, when another, the buyer of row r.
func parties(t *datasets.Trades, r int32) []datasets.AddrID {
	if t.Seller[r] == t.Buyer[r] {
		return []datasets.AddrID{t.Seller[r]}
	}
	return []datasets.AddrID{t.Seller[r], t.Buyer[r]}
}

// round9 formats v rounded to 9 decimals, as the metrics round volumes.
func round9(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 9, 64), 64)
	return strconv.FormatFloat(r+0, 'f', -1, 64)
}

// lookupAddr finds the id of a 0x address string.
func lookupAddr(t *datasets.Trades, s string) (datasets.AddrID, bool) {
	a, err := datasets.ParseAddress(s)
	if err != nil {
		return 0, false
	}
	return t.Addrs.Lookup(a)
}

func (d *data) wallets() []walletView {
	rep := d.s.Report
	idx := map[datasets.AddrID]int{}
	out := make([]walletView, 0, min(len(rep.Wallets), d.top))
	for i, w := range rep.Wallets {
		if i >= d.top {
			break
		}
		out = append(out, walletView{Wallet: w.Wallet, Figs: pick(figures(w.Metrics), scopeCols)})
		if a, ok := lookupAddr(d.t, w.Wallet); ok {
			idx[a] = len(out) - 1
			if f := d.s.Funders; f != nil && f.Of(a) != datasets.NoAddr {
				out[len(out)-1].Funder = d.t.Addrs.String(f.Of(a))
			}
		}
	}
	if len(out) == 0 {
		return out
	}
	for _, r := range d.flaggedRows() {
		for _, w := range parties(d.t, r) {
			k, ok := idx[w]
			if !ok || w == datasets.NoAddr {
				continue
			}
			if len(out[k].Trades) < tradesPerWallet {
				out[k].Trades = append(out[k].Trades, d.tradeOf(r))
			} else {
				out[k].More++
			}
		}
	}
	return out
}

// rings finds the flagged window rows whose evidence names a path of
// wallets ("A→B→C→A"), groups them by that evidence, and draws the
// groups with the most volume; it returns them and how many there were.
func (d *data) rings() ([]ringView, int) {
	type ring struct {
		det, text string
		rows      []int32
		vol       metrics.Sum
		first     int32
	}
	byText := map[string]*ring{}
	var all []*ring
	rows := d.flaggedRows()
	slices.Reverse(rows) // time order
	for _, r := range rows {
		ev := d.s.Evidence(int(r))
		if !strings.Contains(ev, "→") && !strings.Contains(ev, "->") {
			continue
		}
		for _, part := range strings.Split(ev, "; ") {
			name, text, ok := strings.Cut(part, ": ")
			if !ok || (!strings.Contains(text, "→") && !strings.Contains(text, "->")) {
				continue
			}
			g := byText[part]
			if g == nil {
				if p := report.ParseEvidence(1, text).Path; len(p) < 2 {
					continue
				}
				g = &ring{det: name, text: text, first: r}
				byText[part] = g
				all = append(all, g)
			}
			g.rows = append(g.rows, r)
			g.vol.Add(d.t.Price[r])
		}
	}
	slices.SortStableFunc(all, func(a, b *ring) int {
		return cmp.Or(cmp.Compare(b.vol.Value(), a.vol.Value()), cmp.Compare(len(b.rows), len(a.rows)))
	})
	var out []ringView
	for _, g := range all[:min(len(all), maxRings)] {
		rv := ringView{Detector: g.det, Text: g.text}
		legs := g.rows[:min(len(g.rows), maxRingLegs)]
		for _, r := range legs {
			rv.Legs = append(rv.Legs, d.tradeOf(r))
		}
		rv.Graph = ringGraph(report.ParseEvidence(1, g.text).Path, rv.Legs)
		out = append(out, rv)
	}
	return out, len(all)
}

// WriteFile writes the report of s to path, atomically.
func WriteFile(path string, s *Source) error {
	a, err := datasets.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if err := Write(a, s); err != nil {
		a.Abort()
		return fmt.Errorf("write html report %s: %w", path, err)
	}
	return a.Commit()
}
