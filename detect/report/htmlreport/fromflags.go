package htmlreport

import (
	"encoding/json"
	"fmt"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// FromFlags builds the report's Source from a flags file alone, without
// detecting again: the trade columns are loaded as trades, the verdicts
// are its is_wash column, and the metrics are recomputed from them with
// opt (the Provenance of opt is replaced by the file's metadata, where a
// Parquet flags file carries it). funders (optional) adds each listed
// wallet's first funder. A CSV or JSON Lines flags file has no run
// metadata: the method and provenance say "not recorded".
func FromFlags(path string, funders string, opt metrics.Options, load datasets.LoadOptions) (*Source, error) {
	fl, err := report.ReadFlags(path)
	if err != nil {
		return nil, err
	}
	load.Funders = funders
	t, err := datasets.Load([]string{path}, load)
	if err != nil {
		return nil, err
	}
	if t.Len() != len(fl.IsWash) {
		return nil, fmt.Errorf("flags %s: %d trades loaded for %d flags rows (a flags file holds every row once)", path, t.Len(), len(fl.IsWash))
	}
	s := &Source{Flagged: fl.IsWash, Score: fl.Score, Top: opt.Top, Origin: "the flags file " + path,
		Reasons:  func(i int) string { return fl.Reasons[i] },
		Evidence: func(i int) string { return fl.Evidence[i] }}
	if w, ok := fl.Metadata["washscan"]; ok {
		var p metrics.Provenance
		if err := json.Unmarshal([]byte(w), &p); err == nil {
			opt.Provenance, s.Recorded = p, true
		}
	}
	if in, ok := fl.Metadata["input"]; ok {
		var info metrics.InputInfo
		if err := json.Unmarshal([]byte(in), &info); err == nil {
			opt.Files = info.Files
			t.Stats = info.LoadStats
		}
	}
	s.Funders = t.Funders
	s.Features = features.Compute(t)
	s.Report = metrics.Compute(s.Features, fl.IsWash, opt)
	s.Window = metrics.InWindow(s.Features, opt)
	return s, nil
}
