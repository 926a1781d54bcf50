package report_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/sample"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// TestFormatsAgree writes the flags of the embedded sample, scored by the
// default and the dune presets, in every format, and reads them back: every
// format holds the same rows, verdicts and evidence_json; evidence_json has
// one entry per detector of reasons, with the finding's strength and its
// text, and wallets in ascending order; the dune filters are the dune
// detectors that fired; the Parquet file carries the metadata.
func TestFormatsAgree(t *testing.T) {
	tr, err := sample.Load(datasets.LoadOptions{})
	fu := tr.Funders
	if err != nil {
		t.Fatal(err)
	}
	fs := features.Compute(tr)
	for _, preset := range []string{"default", "dune"} {
		p, err := registry.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pipeline.Run(context.Background(), &detect.Input{Features: fs, Funders: fu}, p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		sc := out.Scores
		opt := report.Options{Threshold: 0.5, Dune: preset == "dune",
			Metadata: map[string]string{"washscan": `{"preset":"` + preset + `"}`, "input": `{"rows_read":3000}`}}
		dir := t.TempDir()
		var first *report.Flags
		for _, ext := range report.Formats {
			path := filepath.Join(dir, "flags"+ext)
			if err := report.WriteWith(path, tr, sc, opt); err != nil {
				t.Fatalf("%s: %v", ext, err)
			}
			fl, err := report.ReadFlags(path)
			if err != nil {
				t.Fatalf("%s: %v", ext, err)
			}
			back, err := datasets.Load([]string{path}, datasets.LoadOptions{})
			if err != nil {
				t.Fatalf("%s: load: %v", ext, err)
			}
			if back.Len() != tr.Len() || len(fl.IsWash) != tr.Len() || len(fl.EvidenceJSON) != tr.Len() {
				t.Fatalf("%s: %d trades, %d flags, %d evidence_json for %d rows", ext, back.Len(), len(fl.IsWash), len(fl.EvidenceJSON), tr.Len())
			}
			if ext == ".parquet" {
				if fl.Metadata["washscan"] != opt.Metadata["washscan"] || fl.Metadata["input"] != opt.Metadata["input"] {
					t.Errorf("parquet metadata %v", fl.Metadata)
				}
			}
			if first == nil {
				first = fl
				checkEvidence(t, preset, tr, sc, fl)
				continue
			}
			for i := range fl.IsWash {
				if fl.IsWash[i] != first.IsWash[i] || fl.Reasons[i] != first.Reasons[i] || fl.Evidence[i] != first.Evidence[i] ||
					!sameJSON(fl.EvidenceJSON[i], first.EvidenceJSON[i]) {
					t.Fatalf("%s %s row %d differs from .csv:\n%v %q %s\n%v %q %s", preset, ext, i,
						fl.IsWash[i], fl.Reasons[i], fl.EvidenceJSON[i], first.IsWash[i], first.Reasons[i], first.EvidenceJSON[i])
				}
			}
		}
		if opt.Dune {
			checkDuneColumns(t, filepath.Join(dir, "flags.csv"), sc)
		}
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	p, _ := json.Marshal(x)
	q, _ := json.Marshal(y)
	return string(p) == string(q)
}

func checkEvidence(t *testing.T, preset string, tr *datasets.Trades, sc *detect.Scores, fl *report.Flags) {
	t.Helper()
	withWallets := 0
	for i, js := range fl.EvidenceJSON {
		var ev map[string]struct {
			Strength *float64 `json:"strength"`
			Text     string   `json:"text"`
			Wallets  []string `json:"wallets"`
			Path     []string `json:"path"`
		}
		if err := json.Unmarshal([]byte(js), &ev); err != nil {
			t.Fatalf("%s row %d: evidence_json %q: %v", preset, i, js, err)
		}
		var names []string
		if sc.Reasons(i) != "" {
			names = strings.Split(sc.Reasons(i), "|")
		}
		if len(ev) != len(names) {
			t.Fatalf("%s row %d: evidence_json %s for reasons %q", preset, i, js, sc.Reasons(i))
		}
		for _, n := range names {
			e, ok := ev[n]
			if !ok || e.Strength == nil || *e.Strength <= 0 || *e.Strength > 1 {
				t.Fatalf("%s row %d: %s missing or without strength in %s", preset, i, n, js)
			}
			if e.Text != "" && !strings.Contains(sc.Evidence(i), n+": "+e.Text) {
				t.Errorf("%s row %d: %s text %q not in evidence %q", preset, i, n, e.Text, sc.Evidence(i))
			}
			if !slices.IsSorted(e.Wallets) || len(slices.Compact(slices.Clone(e.Wallets))) != len(e.Wallets) {
				t.Errorf("%s row %d: %s wallets not ascending and distinct: %v", preset, i, n, e.Wallets)
			}
			for _, w := range append(e.Wallets, e.Path...) {
				if !strings.Contains(sc.Evidence(i), w) {
					t.Errorf("%s row %d: wallet %s not in the evidence", preset, i, w)
				}
			}
			if len(e.Wallets) > 0 {
				withWallets++
			}
		}
	}
	if withWallets == 0 {
		t.Errorf("%s: no evidence names a wallet", preset)
	}
}

// checkDuneColumns: the filter columns follow evidence_json and say which
// dune detectors fired.
func checkDuneColumns(t *testing.T, path string, sc *detect.Scores) {
	t.Helper()
	recs := readCSV(t, path)
	want := report.ColumnsFor(report.Options{Dune: true})
	if !slices.Equal(recs[0], want) || recs[0][20] != "evidence_json" || recs[0][21] != "filter_1_same_buyer_seller" {
		t.Fatalf("dune header %v", recs[0])
	}
	fired := 0
	for i, rec := range recs[1:] {
		for k, f := range report.DuneFilters {
			got := rec[21+k] == "true"
			want := slices.Contains(strings.Split(sc.Reasons(i), "|"), f[1])
			if got != want {
				t.Fatalf("row %d %s = %v, reasons %q", i, f[0], got, sc.Reasons(i))
			}
			if got {
				fired++
			}
		}
	}
	if fired == 0 {
		t.Error("no dune filter fired on the sample")
	}
}
