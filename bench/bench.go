package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/features"
)

// DefaultThreshold is the score at or above which a row counts as flagged.
const DefaultThreshold = 0.5

// DefaultCollectionCut is the share of wash sales at or above which a
// collection counts as a wash collection, both for its truth (share of
// wash-labeled sales) and its prediction (suspect-sales ratio).
const DefaultCollectionCut = 0.10

// MaxCurvePoints bounds the PR curve points kept in a report's JSON; longer
// curves are thinned to that many evenly spaced points, ends included.
const MaxCurvePoints = 200

// ErrNoLabels is returned when a dataset has no labeled row: there is
// nothing to score against.
var ErrNoLabels = errors.New("no labeled rows: every is_wash value is empty (bench needs ground-truth labels, docs/contract.md §5)")

// Config controls a benchmark run.
type Config struct {
	// Threshold is the flagging threshold; 0 means DefaultThreshold.
	Threshold float64
	// CollectionCut is the collection-level cut-off; 0 means DefaultCollectionCut.
	CollectionCut float64
	// Configs are the detection configurations (a preset with its
	// parameters and weights, from analysis.Resolve or analysis.PresetConfig)
	// run in order; each gives a preset:, a union: and its detector: runs (a
	// detector in several presets is reported once, from the first).
	Configs []*analysis.Config
	// Timing adds wall times and throughput to the report. They vary from
	// run to run; without them the report is byte-identical for equal input.
	Timing bool
}

// Dataset describes the benchmarked data.
type Dataset struct {
	Files       []string `json:"files"`
	Rows        int      `json:"rows"`
	Labeled     int      `json:"labeled_rows"`
	Wash        int      `json:"wash_rows"`
	Wallets     int      `json:"wallets"` // known wallets in labeled rows
	WashWallets int      `json:"wash_wallets"`
	Collections int      `json:"collections"` // contracts with a labeled sale
}

// CollectionMetrics compares, per collection, the predicted suspect-sales
// ratio p with the true share of wash sales t over the n collections:
//
//	MAE = Σ|p−t|/n,  RMSE = √(Σ(p−t)²/n),
//
// their Pearson and Spearman correlations (NaN when either is constant), and
// a classification at the cut-off (truth t ≥ Cut, prediction p ≥ Cut, p
// ranking the collections for the AUCs).
type CollectionMetrics struct {
	Collections    int
	Cut            float64
	MAE            float64
	RMSE           float64
	Pearson        float64
	Spearman       float64
	Classification Classification
	// Each lists every collection, by contract address; set for preset runs only.
	Each []CollectionScore
}

// CollectionScore is one collection's truth and prediction.
type CollectionScore struct {
	Contract       string  `json:"contract"`
	Sales          int     `json:"labeled_sales"`
	TrueShare      float64 `json:"true_share"`
	PredictedRatio float64 `json:"predicted_ratio"`
}

// RunResult is one scored run.
type RunResult struct {
	// Name is "preset:NAME", "union:NAME" or "detector:NAME".
	Name string
	// Kind is "preset", "union" or "detector".
	Kind string
	// Preset is the preset the run came from.
	Preset string
	// Flagged counts rows (labeled or not) with score ≥ threshold.
	Flagged     int
	Trades      Classification
	Wallets     Classification
	Collections CollectionMetrics
	// Curve is the trade-level PR curve (thinned to MaxCurvePoints), for
	// preset and union runs.
	Curve []PRPoint
	// FullCurve is the whole trade-level PR curve (not serialized).
	FullCurve []PRPoint
}

// RunTiming is the cost of one preset's pipeline run.
type RunTiming struct {
	Preset string
	// Wall is features plus detectors plus scoring.
	Wall time.Duration
	// TradesPerSec is rows / Wall.
	TradesPerSec float64
	// Detectors lists each detector's wall time (Result.Elapsed), by name.
	Detectors []DetectorTiming
}

// DetectorTiming is one detector's wall time.
type DetectorTiming struct {
	Name    string
	Elapsed time.Duration
}

// Timing is the cost of a benchmark.
type Timing struct {
	Features time.Duration
	Runs     []RunTiming
}

// Report is the outcome of a benchmark.
type Report struct {
	Threshold     float64
	CollectionCut float64
	Dataset       Dataset
	Runs          []*RunResult
	// Timing is nil unless Config.Timing was set.
	Timing *Timing
}

// Run benchmarks the configurations of cfg on t (with its funders and
// deny-listed funders, as analyze runs them) against its labels. It returns ErrNoLabels when t
// has no labeled row. Time: the presets' pipelines plus O(R log N) for
// R runs.
func Run(ctx context.Context, t *datasets.Trades, cfg Config) (*Report, error) {
	if cfg.Threshold == 0 {
		cfg.Threshold = DefaultThreshold
	}
	if cfg.CollectionCut == 0 {
		cfg.CollectionCut = DefaultCollectionCut
	}
	if len(cfg.Configs) == 0 {
		return nil, errors.New("bench: no presets")
	}
	start := time.Now()
	fs := features.Compute(t)
	featTime := time.Since(start)
	u := newUniverse(fs)
	if len(u.rows) == 0 {
		return nil, ErrNoLabels
	}
	rep := &Report{
		Threshold:     cfg.Threshold,
		CollectionCut: cfg.CollectionCut,
		Dataset:       u.dataset(t),
	}
	if cfg.Timing {
		rep.Timing = &Timing{Features: featTime}
	}
	var presetRuns, unionRuns, detRuns []*RunResult
	seen := map[string]bool{}
	for _, c := range cfg.Configs {
		p := c.Preset
		start := time.Now()
		out, err := c.Detect(ctx, t, fs)
		if err != nil {
			return nil, fmt.Errorf("bench: preset %s: %w", p.Name, err)
		}
		wall := time.Since(start) + featTime
		if rep.Timing != nil {
			rt := RunTiming{Preset: p.Name, Wall: wall, TradesPerSec: float64(fs.N) / wall.Seconds()}
			for name, d := range out.Result.Elapsed {
				rt.Detectors = append(rt.Detectors, DetectorTiming{name, d})
			}
			sort.Slice(rt.Detectors, func(i, j int) bool { return rt.Detectors[i].Name < rt.Detectors[j].Name })
			rep.Timing.Runs = append(rep.Timing.Runs, rt)
		}
		pr := u.evaluate("preset:"+p.Name, "preset", p.Name, out.Scores.Score, cfg, true)
		presetRuns = append(presetRuns, pr)

		union := make([]float64, fs.N)
		for _, d := range p.Detectors {
			alone := make([]float64, fs.N)
			for _, f := range out.Result.Findings[d.Name] {
				alone[f.Row] = f.Strength
				union[f.Row] = math.Max(union[f.Row], f.Strength)
			}
			if seen[d.Name] {
				continue
			}
			seen[d.Name] = true
			detRuns = append(detRuns, u.evaluate("detector:"+d.Name, "detector", p.Name, alone, cfg, false))
		}
		unionRuns = append(unionRuns, u.evaluate("union:"+p.Name, "union", p.Name, union, cfg, false))
	}
	sort.Slice(detRuns, func(i, j int) bool { return detRuns[i].Name < detRuns[j].Name })
	rep.Runs = slices.Concat(presetRuns, unionRuns, detRuns)
	return rep, nil
}

// universe is the labeled part of a dataset, indexed once for every run.
type universe struct {
	fs     *features.Set
	rows   []int32 // labeled rows, ascending
	labels []bool  // wash?, by position in rows

	// wallets
	walletTruth []bool // by wallet index
	walletIDs   []uint32
	rowSeller   []int32 // wallet index of rows[k]'s seller, -1 if unknown
	rowBuyer    []int32

	// collections: labeled sales grouped by contract, contracts by address
	collContract []string
	collRows     [][]int32 // positions in rows
	collTruth    []float64
}

func newUniverse(fs *features.Set) *universe {
	t := fs.T
	u := &universe{fs: fs}
	for i, l := range t.Label {
		if l == datasets.LabelNone {
			continue
		}
		u.rows = append(u.rows, int32(i))
		u.labels = append(u.labels, l == datasets.LabelWash)
	}
	// Wallets, numbered by address id for a deterministic order.
	widx := map[uint32]int32{}
	for _, r := range u.rows {
		for _, w := range [2]uint32{fs.Seller[r], fs.Buyer[r]} {
			if features.Known(w) {
				widx[w] = 0
			}
		}
	}
	for w := range widx {
		u.walletIDs = append(u.walletIDs, w)
	}
	slices.Sort(u.walletIDs)
	for k, w := range u.walletIDs {
		widx[w] = int32(k)
	}
	u.walletTruth = make([]bool, len(u.walletIDs))
	u.rowSeller = make([]int32, len(u.rows))
	u.rowBuyer = make([]int32, len(u.rows))
	for k, r := range u.rows {
		u.rowSeller[k], u.rowBuyer[k] = -1, -1
		if w := fs.Seller[r]; features.Known(w) {
			u.rowSeller[k] = widx[w]
		}
		if w := fs.Buyer[r]; features.Known(w) {
			u.rowBuyer[k] = widx[w]
		}
		if u.labels[k] {
			if u.rowSeller[k] >= 0 {
				u.walletTruth[u.rowSeller[k]] = true
			}
			if u.rowBuyer[k] >= 0 {
				u.walletTruth[u.rowBuyer[k]] = true
			}
		}
	}
	// Collections.
	byContract := map[string][]int32{}
	for k, r := range u.rows {
		if !fs.Sale[r] {
			continue
		}
		c := t.Addrs.String(fs.Contract[r])
		byContract[c] = append(byContract[c], int32(k))
	}
	for c := range byContract {
		u.collContract = append(u.collContract, c)
	}
	slices.Sort(u.collContract)
	for _, c := range u.collContract {
		ks := byContract[c]
		wash := 0
		for _, k := range ks {
			if u.labels[k] {
				wash++
			}
		}
		u.collRows = append(u.collRows, ks)
		u.collTruth = append(u.collTruth, float64(wash)/float64(len(ks)))
	}
	return u
}

func (u *universe) dataset(t *datasets.Trades) Dataset {
	d := Dataset{Files: t.Files, Rows: t.Len(), Labeled: len(u.rows), Wallets: len(u.walletIDs), Collections: len(u.collContract)}
	if d.Files == nil {
		d.Files = []string{}
	}
	for _, l := range u.labels {
		if l {
			d.Wash++
		}
	}
	for _, w := range u.walletTruth {
		if w {
			d.WashWallets++
		}
	}
	return d
}

// evaluate scores one run given a score for every row of the dataset.
func (u *universe) evaluate(name, kind, preset string, score []float64, cfg Config, each bool) *RunResult {
	r := &RunResult{Name: name, Kind: kind, Preset: preset}
	for _, s := range score {
		if s >= cfg.Threshold {
			r.Flagged++
		}
	}
	ts := make([]float64, len(u.rows))
	for k, row := range u.rows {
		ts[k] = score[row]
	}
	r.Trades = Classify(ts, u.labels, cfg.Threshold)
	if kind != "detector" {
		r.FullCurve = PRCurve(ts, u.labels)
		r.Curve = thin(r.FullCurve, MaxCurvePoints)
	}

	ws := make([]float64, len(u.walletIDs))
	for k, s := range ts {
		if w := u.rowSeller[k]; w >= 0 {
			ws[w] = math.Max(ws[w], s)
		}
		if w := u.rowBuyer[k]; w >= 0 {
			ws[w] = math.Max(ws[w], s)
		}
	}
	r.Wallets = Classify(ws, u.walletTruth, cfg.Threshold)

	cm := CollectionMetrics{Collections: len(u.collContract), Cut: cfg.CollectionCut}
	pred := make([]float64, len(u.collContract))
	truthPos := make([]bool, len(u.collContract))
	var abs, sq float64
	for c, ks := range u.collRows {
		flagged := 0
		for _, k := range ks {
			if ts[k] >= cfg.Threshold {
				flagged++
			}
		}
		pred[c] = float64(flagged) / float64(len(ks))
		d := pred[c] - u.collTruth[c]
		abs += math.Abs(d)
		sq += d * d
		truthPos[c] = u.collTruth[c] >= cfg.CollectionCut
		if each {
			cm.Each = append(cm.Each, CollectionScore{Contract: u.collContract[c], Sales: len(ks), TrueShare: u.collTruth[c], PredictedRatio: pred[c]})
		}
	}
	if n := float64(len(pred)); n > 0 {
		cm.MAE = abs / n
		cm.RMSE = math.Sqrt(sq / n)
	} else {
		cm.MAE, cm.RMSE = math.NaN(), math.NaN()
	}
	cm.Pearson = Pearson(pred, u.collTruth)
	cm.Spearman = Spearman(pred, u.collTruth)
	cm.Classification = Classify(pred, truthPos, cfg.CollectionCut)
	r.Collections = cm
	return r
}

// thin keeps at most n points of c, evenly spaced, first and last included.
func thin(c []PRPoint, n int) []PRPoint {
	if len(c) <= n {
		return c
	}
	out := make([]PRPoint, n)
	for k := range out {
		out[k] = c[int(math.Round(float64(k)*float64(len(c)-1)/float64(n-1)))]
	}
	return out
}
