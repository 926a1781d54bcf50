package detect

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"sync"
	"unsafe"
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
//
// A row's reasons and evidence (the flags file's columns) are not stored:
// they are made on demand from the findings the Scores keep
// (AppendReasons, AppendEvidence), so a trade costs its score, its level
// and its references to its findings. The Scores keep their own copy of
// the findings, without pointers (packedList), not the Result's.
type Scores struct {
	Score []float64 // in [0,1]
	Level []uint8   // 0–4, see Level

	// The findings of each row, for RowFindings: row i's are
	// refs[start[i]:start[i+1]], in detector order.
	start []int32
	refs  []findingRef
	order []*Detector
	lists []*packedList // the findings of order[j]
}

// packedList is one detector's findings as Scores keep them: their
// strengths, and their evidence as spans of one text, each distinct
// evidence once. Unlike []Finding (a string header a finding, and an
// object per evidence) it holds no pointers, so the collector, which runs
// often while the flags are written, neither scans it nor marks an object
// per evidence (BENCHMARKS.md "peak (session 7)").
type packedList struct {
	f    []packedFinding
	text string
}

// packedFinding is a finding of a packedList: its evidence is
// text[off:off+n].
type packedFinding struct {
	strength float64
	off      uint64
	n        uint32
}

func (l *packedList) evidence(k int32) string {
	f := &l.f[k]
	return l.text[f.off : f.off+uint64(f.n)]
}

// packFindings returns fs as a packedList: O(len(fs) + the bytes of its
// distinct evidence) expected time. Findings that share one evidence
// string (the same bytes in memory: a ring's evidence on each of its rows,
// a funder link's on each of its trades) share a span; a string shared
// with the previous finding costs no lookup. Strings equal in content but
// stored apart get a span each: detectors build each distinct evidence
// once and report that string on every row it describes, so these are few,
// and looking strings up by address instead of hashing their text is what
// keeps packing cheap. Which strings share a span never shows: every
// finding's evidence reads the same either way.
func packFindings(fs []Finding) *packedList {
	l := &packedList{f: make([]packedFinding, len(fs))}
	ids := map[*byte]uint32{} // by the evidence's first byte; its length checked
	// first[j] is the finding whose evidence is distinct string j: an
	// index, not the string (4 bytes instead of 16 a distinct string,
	// which are most of back_and_forth's findings).
	var first []int32
	total := 0
	prev, prevID := "", uint32(0)
	for k, f := range fs {
		ev := f.Evidence
		l.f[k].strength = f.Strength
		if ev == "" {
			continue
		}
		var id uint32
		p := unsafe.StringData(ev)
		if len(ev) == len(prev) && p == unsafe.StringData(prev) {
			id = prevID
		} else if j, ok := ids[p]; ok && len(fs[first[j]].Evidence) == len(ev) {
			id = j
		} else {
			id = uint32(len(first))
			if !ok {
				ids[p] = id
			}
			first = append(first, int32(k))
			total += len(ev)
		}
		prev, prevID = ev, id
		l.f[k].off, l.f[k].n = uint64(id), uint32(len(ev))
	}
	clear(ids)
	buf := make([]byte, 0, total)
	offs := make([]uint64, len(first))
	for j, k := range first {
		offs[j] = uint64(len(buf))
		buf = append(buf, fs[k].Evidence...)
	}
	for k := range l.f {
		if f := &l.f[k]; f.n > 0 {
			f.off = offs[f.off]
		}
	}
	l.text = unsafe.String(unsafe.SliceData(buf), len(buf))
	return l
}

// findingRef is a finding of a row: its detector's index in the scoring
// order and its index in that detector's findings.
type findingRef struct{ d, k int32 }

// RowFindings calls fn with the detector, strength and evidence of each
// finding on row i, in the scoring order of the detectors (the order of
// reasons). The evidence strings are views of memory the Scores keep; they
// never change. O(findings of row i) time.
func (s *Scores) RowFindings(i int, fn func(d *Detector, strength float64, evidence string)) {
	if s.start == nil {
		return
	}
	for _, r := range s.refs[s.start[i]:s.start[i+1]] {
		l := s.lists[r.d]
		fn(s.order[r.d], l.f[r.k].strength, l.evidence(r.k))
	}
}

// Fired returns how many rows detector d reported, among the findings the
// scores were computed from: 0 for a detector not in the scoring order.
func (s *Scores) Fired(d *Detector) int {
	for j, o := range s.order {
		if o == d {
			return len(s.lists[j].f)
		}
	}
	return 0
}

// AppendReasons appends row i's reasons to dst and returns the extended
// slice: the names of the detectors that reported the row, in the scoring
// order, joined by "|" (nothing for a row no detector reported). This is
// the flags file's reasons column. O(length of the reasons) time; it
// allocates only to grow dst.
func (s *Scores) AppendReasons(dst []byte, i int) []byte {
	if s.start == nil {
		return dst
	}
	for k, r := range s.refs[s.start[i]:s.start[i+1]] {
		if k > 0 {
			dst = append(dst, '|')
		}
		dst = append(dst, s.order[r.d].Name...)
	}
	return dst
}

// AppendEvidence appends row i's evidence to dst and returns the extended
// slice: "name: evidence" of each of the row's findings with a non-empty
// evidence, in the scoring order, joined by "; ". This is the flags file's
// evidence column. O(length of the evidence) time; it allocates only to
// grow dst.
func (s *Scores) AppendEvidence(dst []byte, i int) []byte {
	if s.start == nil {
		return dst
	}
	n := len(dst)
	for _, r := range s.refs[s.start[i]:s.start[i+1]] {
		ev := s.lists[r.d].evidence(r.k)
		if ev == "" {
			continue
		}
		if len(dst) > n {
			dst = append(dst, "; "...)
		}
		dst = append(dst, s.order[r.d].Name...)
		dst = append(dst, ": "...)
		dst = append(dst, ev...)
	}
	return dst
}

// Reasons returns row i's reasons (see AppendReasons) as a new string.
func (s *Scores) Reasons(i int) string { return string(s.AppendReasons(nil, i)) }

// Evidence returns row i's evidence (see AppendEvidence) as a new string.
func (s *Scores) Evidence(i int) string { return string(s.AppendEvidence(nil, i)) }

// ReasonSet returns the set of detectors that reported row i, as bits of
// their indexes in the scoring order, and true; rows with equal sets have
// equal reasons. With more than 64 detectors it returns 0, false.
// O(detectors of row i) time.
func (s *Scores) ReasonSet(i int) (uint64, bool) {
	if len(s.order) > 64 {
		return 0, false
	}
	var set uint64
	if s.start != nil {
		for _, r := range s.refs[s.start[i]:s.start[i+1]] {
			set |= 1 << uint(r.d)
		}
	}
	return set, true
}

// Subset returns the scores of rows, in that order, with their findings
// (RowFindings, reasons and evidence of row j of the subset are those of
// rows[j]). O(len(rows) + their findings) time.
func (s *Scores) Subset(rows []int32) *Scores {
	n := len(rows)
	out := &Scores{Score: make([]float64, n), Level: make([]uint8, n), order: s.order, lists: s.lists}
	if s.start != nil {
		out.start = make([]int32, n+1)
	}
	for j, r := range rows {
		out.Score[j], out.Level[j] = s.Score[r], s.Level[r]
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
// weight contribute to reasons and evidence but not to the score. The
// Scores keep a copy of the findings (packedList), not res.
// Time O(n + findings + their distinct evidence).
func Score(n int, res *Result, order []*Detector, w *Weights) *Scores {
	s := &Scores{
		Score: make([]float64, n),
		Level: make([]uint8, n),
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
	// Each detector's findings packed on a goroutine of its own (a
	// detector listed twice, once).
	packed := make([]*packedList, len(order))
	first := map[string]int{}
	var pwg sync.WaitGroup
	for j, d := range order {
		if _, ok := first[d.Name]; ok {
			continue
		}
		first[d.Name] = j
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			packed[j] = packFindings(lists[j])
		}()
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
	// start[r] is row r's cursor while the refs are placed (no separate
	// cursor array: 4 bytes a row less at the largest moment of scoring);
	// it ends at the row's end, which is row r+1's start, so one shift
	// puts every start back.
	for j, fs := range lists {
		for k, f := range fs {
			refs[start[f.Row]] = ref{int32(j), int32(k)}
			start[f.Row]++
		}
	}
	copy(start[1:], start[:n])
	start[0] = 0
	pwg.Wait()
	for j, d := range order {
		packed[j] = packed[first[d.Name]]
	}
	s.start, s.refs, s.order, s.lists = start, refs, order, packed

	wts := make([]float64, len(order))
	for j, d := range order {
		wts[j] = w.Weights[d.Name]
	}
	score := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rs := refs[start[i]:start[i+1]]
			if len(rs) == 0 {
				continue
			}
			z := 0.0
			for _, r := range rs {
				z += wts[r.d] * packed[r.d].f[r.k].strength
			}
			// Rounded to the 6 decimals the flags file prints, so the
			// verdict, the level and the published score always agree.
			sc := math.Round(Sigmoid(w.Bias+z)*1e6) / 1e6
			s.Score[i] = sc
			s.Level[i] = Level(sc)
		}
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
