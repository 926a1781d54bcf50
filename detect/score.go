package detect

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"sync"
)

// Weights turn findings into a score. For a row with at least one finding,
//
//	score = σ(Bias + Σ_d Weights[d] · strength_d),  σ(z) = 1/(1+e^(−z)),
//
// summed over the detectors d that reported the row; a row no detector
// reported scores 0. Scores are rounded to 6 decimals, the precision the
// flags file prints. This is a logistic model whose coefficients
// `washscan calibrate` fits on labeled data.
type Weights struct {
	Bias    float64            `json:"bias"`
	Weights map[string]float64 `json:"weights"`
	// Source is "builtin" or the file the weights were read from; not serialized.
	Source string `json:"-"`
}

// ReadWeights reads a weights JSON file ({"bias": b, "weights": {"name": w}}).
func ReadWeights(path string) (*Weights, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("weights %s: %w", path, err)
	}
	var w Weights
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("weights %s: %w", path, err)
	}
	if w.Weights == nil {
		return nil, fmt.Errorf("weights %s: no \"weights\" object", path)
	}
	for k, v := range w.Weights {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("weights %s: %s is not finite", path, k)
		}
	}
	w.Source = path
	return &w, nil
}

// Scores are the per-row outcome of scoring.
type Scores struct {
	Score    []float64 // in [0,1]
	Level    []uint8   // 0–4, see Level
	Reasons  []string  // detectors that fired, joined by "|", in preset order
	Evidence []string  // their evidence, "name: evidence" joined by "; "

	// The findings of each row, for RowFindings: row i's are
	// refs[start[i]:start[i+1]], in detector order.
	start []int32
	refs  []findingRef
	order []*Detector
	lists [][]Finding // the findings of order[j], from the Result
}

// findingRef is a finding of a row: its detector's index in the scoring
// order and its index in that detector's findings.
type findingRef struct{ d, k int32 }

// RowFindings calls fn for each finding on row i, in the scoring order of
// the detectors (the order of reasons). It reads the findings of the Result
// that Score was given, which must not change; it does not keep the Result
// itself (nor so the detectors' results) alive.
func (s *Scores) RowFindings(i int, fn func(d *Detector, f *Finding)) {
	if s.start == nil {
		return
	}
	for _, r := range s.refs[s.start[i]:s.start[i+1]] {
		fn(s.order[r.d], &s.lists[r.d][r.k])
	}
}

// Subset returns the scores of rows, in that order, with their findings
// (RowFindings of row j of the subset is that of rows[j]).
func (s *Scores) Subset(rows []int32) *Scores {
	n := len(rows)
	out := &Scores{Score: make([]float64, n), Level: make([]uint8, n), Reasons: make([]string, n),
		Evidence: make([]string, n), order: s.order, lists: s.lists}
	if s.start != nil {
		out.start = make([]int32, n+1)
	}
	for j, r := range rows {
		out.Score[j], out.Level[j], out.Reasons[j], out.Evidence[j] = s.Score[r], s.Level[r], s.Reasons[r], s.Evidence[r]
		if s.start != nil {
			out.refs = append(out.refs, s.refs[s.start[r]:s.start[r+1]]...)
			out.start[j+1] = int32(len(out.refs))
		}
	}
	return out
}

// Level maps a score to a level: 0 below 0.2, 1 below 0.4, 2 below 0.6,
// 3 below 0.8, 4 from 0.8.
func Level(score float64) uint8 {
	switch {
	case score < 0.2:
		return 0
	case score < 0.4:
		return 1
	case score < 0.6:
		return 2
	case score < 0.8:
		return 3
	}
	return 4
}

// Sigmoid is the logistic function 1/(1+e^(−z)).
func Sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Score combines the findings of the detectors in order (the preset's
// flagging detectors) into per-row scores for n rows. Detectors without a
// weight contribute to reasons and evidence but not to the score.
// Time O(n + findings).
func Score(n int, res *Result, order []*Detector, w *Weights) *Scores {
	s := &Scores{
		Score:    make([]float64, n),
		Level:    make([]uint8, n),
		Reasons:  make([]string, n),
		Evidence: make([]string, n),
	}
	// Index the findings by row (CSR), each row's in detector order, so a
	// row's sum runs over its detectors in order.
	type ref = findingRef // detector in order, finding in its list
	// The findings of each detector in order, looked up once (not per
	// finding: a map lookup hashes the name).
	lists := make([][]Finding, len(order))
	for j, d := range order {
		lists[j] = res.Findings[d.Name]
	}
	start := make([]int32, n+1)
	for _, fs := range lists {
		for _, f := range fs {
			start[f.Row+1]++
		}
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	refs := make([]ref, start[n])
	next := make([]int32, n)
	copy(next, start[:n])
	for j, fs := range lists {
		for k, f := range fs {
			refs[next[f.Row]] = ref{int32(j), int32(k)}
			next[f.Row]++
		}
	}
	next = nil
	s.start, s.refs, s.order, s.lists = start, refs, order, lists
	finding := func(r ref) *Finding { return &lists[r.d][r.k] }

	// Reasons depend only on the set of detectors that fired: intern them.
	uniq := len(order) <= 64
	names := map[string]bool{}
	for _, d := range order {
		if names[d.Name] {
			uniq = false
		}
		names[d.Name] = true
	}
	wts := make([]float64, len(order))
	for j, d := range order {
		wts[j] = w.Weights[d.Name]
	}

	score := func(lo, hi int) {
		reasonOf := map[uint64]string{}
		var buf []byte
		// Evidence strings are written one after another into a chunk of
		// about evChunk bytes; a full chunk becomes one string and each
		// row's evidence a substring of it: one allocation per chunk
		// instead of one per row.
		var (
			chunk   []byte
			pending []evSpan
		)
		flush := func() {
			str := string(chunk)
			for _, p := range pending {
				s.Evidence[p.row] = str[p.lo:p.hi]
			}
			chunk, pending = chunk[:0], pending[:0]
		}
		for i := lo; i < hi; i++ {
			rs := refs[start[i]:start[i+1]]
			if len(rs) == 0 {
				continue
			}
			z := 0.0
			var mask uint64
			evLen := 0
			for _, r := range rs {
				f := finding(r)
				z += wts[r.d] * f.Strength
				mask |= 1 << uint(r.d&63)
				if f.Evidence != "" {
					evLen += len(order[r.d].Name) + 2 + len(f.Evidence) + 2
				}
			}
			// Rounded to the 6 decimals the flags file prints, so the
			// verdict, the level and the published score always agree.
			sc := math.Round(Sigmoid(w.Bias+z)*1e6) / 1e6
			s.Score[i] = sc
			s.Level[i] = Level(sc)
			reason, ok := "", false
			if uniq {
				reason, ok = reasonOf[mask]
			}
			if !ok {
				buf = buf[:0]
				for k, r := range rs {
					if k > 0 {
						buf = append(buf, '|')
					}
					buf = append(buf, order[r.d].Name...)
				}
				reason = string(buf)
				if uniq {
					reasonOf[mask] = reason
				}
			}
			s.Reasons[i] = reason
			if evLen > 0 {
				if len(chunk) > 0 && len(chunk)+evLen > evChunk {
					flush()
				}
				lo := len(chunk)
				for _, r := range rs {
					f := finding(r)
					if f.Evidence == "" {
						continue
					}
					if len(chunk) > lo {
						chunk = append(chunk, "; "...)
					}
					chunk = append(chunk, order[r.d].Name...)
					chunk = append(chunk, ": "...)
					chunk = append(chunk, f.Evidence...)
				}
				pending = append(pending, evSpan{int32(i), int32(lo), int32(len(chunk))})
			}
		}
		flush()
	}
	// Rows are independent: two halves on two goroutines for big inputs.
	if n < 1<<16 {
		score(0, n)
		return s
	}
	var wg sync.WaitGroup
	parts := max(1, min(runtime.GOMAXPROCS(0), 8))
	for p := 0; p < parts; p++ {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			score(lo, hi)
		}()
	}
	wg.Wait()
	return s
}

// evChunk is the size of Score's evidence chunks.
const evChunk = 1 << 20

// evSpan is a row's evidence in the current chunk: chunk[lo:hi].
type evSpan struct{ row, lo, hi int32 }

// FeatureMatrix returns, for the rows with at least one finding among order,
// their row numbers and a row-major matrix of strengths (one column per
// detector in order); calibrate fits Weights on it.
func FeatureMatrix(res *Result, order []*Detector) (rows []int32, x [][]float64) {
	idx := map[int32]int{}
	for j, d := range order {
		for _, f := range res.Findings[d.Name] {
			k, ok := idx[f.Row]
			if !ok {
				k = len(rows)
				idx[f.Row] = k
				rows = append(rows, f.Row)
				x = append(x, make([]float64, len(order)))
			}
			x[k][j] = f.Strength
		}
	}
	perm := make([]int, len(rows))
	for i := range perm {
		perm[i] = i
	}
	sort.Slice(perm, func(a, b int) bool { return rows[perm[a]] < rows[perm[b]] })
	r2 := make([]int32, len(rows))
	x2 := make([][]float64, len(rows))
	for i, p := range perm {
		r2[i], x2[i] = rows[p], x[p]
	}
	return r2, x2
}

// Preset is a named list of flagging detectors with their weights.
type Preset struct {
	Name      string
	Doc       string
	Detectors []*Detector
	Weights   Weights
}
