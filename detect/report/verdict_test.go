package report_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/report"
)

// TestVerdictMatchesPublishedScore: is_wash is the verdict score ≥ threshold
// (docs/contract.md §3.2), and the file must read that way: a score the file shows as
// 0.731059 (σ(1), the dune preset's single-filter score) is flagged at
// --threshold 0.731059, in the CSV, the Parquet file and Verdicts alike.
func TestVerdictMatchesPublishedScore(t *testing.T) {
	sigma1 := 1 / (1 + math.Exp(-1)) // 0.7310585786…
	const threshold = 0.731059
	tr, sc := market(3, 4)
	for i := range sc.Score {
		sc.Score[i] = sigma1
	}
	sc.Score[3] = 0.7310584 // shows as 0.731058: not flagged
	want := []bool{true, true, true, false}
	for i, v := range report.Verdicts(sc.Score, threshold) {
		if v != want[i] {
			t.Errorf("Verdicts[%d] = %v, want %v", i, v, want[i])
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "flags.csv")
	if err := report.Write(path, tr, sc, threshold); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for i, r := range recs[1:] {
		s, err := strconv.ParseFloat(r[col["score"]], 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := r[col["is_wash"]] == "true"; got != (s >= threshold) || got != want[i] {
			t.Errorf("row %d: is_wash %s with score %s at threshold %v", i+1, r[col["is_wash"]], r[col["score"]], threshold)
		}
	}
	// The Parquet writer makes the same decision.
	pq := filepath.Join(dir, "flags.parquet")
	if err := report.Write(pq, tr, sc, threshold); err != nil {
		t.Fatal(err)
	}
	back, err := datasets.Load([]string{pq}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range back.Label { // the loader reads is_wash as the label
		if got := l == datasets.LabelWash; got != want[i] {
			t.Errorf("parquet row %d: is_wash %v, want %v", i+1, got, want[i])
		}
	}
}
