package analysis

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/markettest"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// Slices: the analysis of a dataset cut into time slices (README "Slices";
// docs/contract.md §7). A slice owns the rows with From ≤ block_time < To
// and carries a halo: every row within the preset's horizon H before From
// and after To (Config.Horizon). AnalyzeSlice scores the slice's table
// (own rows and halos) and keeps the verdicts of its own rows only: when
// every detector of the preset has a finite reach, they equal the
// verdicts of a whole-dataset run. Its metrics partial merges with those of
// the other slices (metrics.Partial.Merge, in any order) and SliceReport
// turns the merged partial into the metrics JSON of the whole run.
//
// The global side inputs are those of the loaded table: Trades.Funders
// (first funders, loaded for the slice's wallets from the whole funders
// file), Trades.DenyFunders and the allow list (addresses marked unknown).
// The as_of must be global too: Settings.Metrics.AsOf with HasAsOf (the
// latest block_time of the whole input, or --as-of), found in a first pass.
//
// The calling sequence, for a runner such as Apache Beam:
//
//	c, _ := analysis.Resolve(spec)          // once
//	h, err := c.Horizon()                  // error: the preset cannot be sliced
//	// first pass: as_of = latest block_time (or --as-of); cut [From, To) slices
//	// per slice: rows with From−h ≤ block_time < To+h, in input order, as one
//	// datasets.Trades with the side tables: analysis.LoadSlice of the files
//	// overlapping it, or Trades.Subset of a loaded table
//	r, err := analysis.AnalyzeSlice(ctx, analysis.Slice{Trades: t, From: f, To: to}, s)
//	// r.Own rows with r.Scores are the slice's flags; r.Partial its metrics
//	// combine: p.Merge(q) for every partial (exact, associative, commutative)
//	rep, err := analysis.SliceReport(merged, s, files, stats)
type Slice struct {
	// Trades are the slice's own rows and its halos, in input order, with
	// the global side tables (Funders, DenyFunders, unknown addresses).
	Trades *datasets.Trades
	// From and To bound the own rows: From ≤ block_time < To. Use
	// math.MinInt64 / math.MaxInt64 for the open ends of the first and last
	// slices.
	From, To int64
	// SplitPartial makes the result's partial a metrics.NewSplitPartial:
	// its nfts and wallets hold only what flagged rows add, and the merged
	// partial needs metrics.Partial.AddTotals over every row of the input
	// before it reports (RunSliced does so; far less memory over many
	// slices).
	SplitPartial bool
}

// SliceResult is the outcome of one slice.
type SliceResult struct {
	Features *features.Set
	*Detection
	// Own lists the rows of Slice.Trades the slice owns, ascending; only
	// their scores and verdicts are final (a halo row's evidence may lie
	// outside the halo).
	Own []int32
	// Verdicts are per row of Slice.Trades: score ≥ threshold.
	Verdicts []bool
	// Partial holds the metrics of the own rows.
	Partial *metrics.Partial
}

// Horizon returns the preset's horizon H in seconds under c's parameters
// (detect.Horizon): how far a slice's halo must reach on each side. A
// preset with a detector of unbounded reach cannot be sliced: an
// *OptionError naming them.
func (c *Config) Horizon() (int64, error) {
	h, unbounded := detect.Horizon(c.Preset.Detectors, c.Params)
	if len(unbounded) > 0 {
		return 0, optionErr("--preset", "preset %s cannot be cut into time slices or run incrementally: detectors %s take evidence from any time (README \"Horizons\")",
			c.Preset.Name, strings.Join(unbounded, ", "))
	}
	return h, nil
}

// checkSlice checks the settings of a slice run.
func checkSlice(s *Settings) error {
	if err := checkSettings(s); err != nil {
		return err
	}
	if !s.Metrics.HasAsOf {
		return fmt.Errorf("analysis: a slice needs the global as_of (Settings.Metrics.HasAsOf)")
	}
	_, err := s.Config.Horizon()
	return err
}

// AnalyzeSlice scores sl's table under s and returns its own rows' scores
// and metrics partial. s.Metrics must give the as_of (HasAsOf) and
// s.Config's preset must have a finite horizon; the halos of sl.Trades must
// reach it (rows from From−H to To+H), which AnalyzeSlice cannot check.
func AnalyzeSlice(ctx context.Context, sl Slice, s Settings) (*SliceResult, error) {
	if err := checkSlice(&s); err != nil {
		return nil, err
	}
	t := sl.Trades
	r := &SliceResult{Features: features.Compute(t)}
	d, err := s.Config.Detect(ctx, t, r.Features)
	if err != nil {
		return nil, err
	}
	r.Detection = d
	r.Verdicts = report.Verdicts(d.Scores.Score, s.Threshold)
	own := make([]bool, t.Len())
	for i, tm := range t.Time {
		if tm >= sl.From && tm < sl.To {
			own[i] = true
			r.Own = append(r.Own, int32(i))
		}
	}
	newPartial := metrics.NewPartial
	if sl.SplitPartial {
		newPartial = metrics.NewSplitPartial
	}
	if r.Partial, err = newPartial(s.Metrics); err != nil {
		return nil, err
	}
	r.Partial.Add(r.Features, r.Verdicts, own)
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return r, nil
}

// SliceReport is the metrics JSON of merged slice partials: the market
// tests run on their sales, provenance from s, input.files and the row
// accounting as given (nil stats: the partial's own rows).
func SliceReport(p *metrics.Partial, s Settings, files []string, stats *datasets.LoadStats) (*metrics.Report, error) {
	if err := checkSettings(&s); err != nil {
		return nil, err
	}
	mopt := s.Metrics
	mopt.Files = files
	mopt.Provenance = s.provenance()
	groups := map[markettest.Group][]float64{}
	for g, xs := range p.Sales() {
		groups[markettest.Group{Chain: g.Coll.Chain, Contract: g.Coll.Contract.String(), Platform: g.Platform}] = xs
	}
	mopt.Tests = markettest.RunGroups(groups, markettest.Options{})
	return p.Report(mopt, stats)
}

// Open ends of a slice.
const (
	Before = math.MinInt64
	After  = math.MaxInt64
)
