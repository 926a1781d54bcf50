package detect

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// normalizeRef is the plain form of normalize: a comparison sort by row,
// strength (descending) and evidence, then the first finding of each row.
func normalizeRef(fs []Finding) []Finding {
	fs = slices.Clone(fs)
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		if a.Strength != b.Strength {
			return a.Strength > b.Strength
		}
		return a.Evidence < b.Evidence
	})
	var out []Finding
	for i, f := range fs {
		if i > 0 && f.Row == fs[i-1].Row {
			continue
		}
		out = append(out, f)
	}
	return out
}

// TestNormalizeMatchesSort checks normalize against the plain sort on
// random findings: short and long lists (comparison and radix paths), rows
// reported several times with equal and different strengths and evidence,
// rows spread over all three radix digits, and lists already in order.
func TestNormalizeMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for trial := 0; trial < 200; trial++ {
		k := r.IntN(3000)
		if trial%4 == 3 {
			k = r.IntN(4 * findingChunk) // several chunks
		}
		span := []int{10, 5000, 1 << 30}[trial%3]
		fs := make([]Finding, k)
		for i := range fs {
			fs[i] = Finding{Row: int32(r.IntN(span)), Strength: float64(1+r.IntN(4)) / 4, Evidence: fmt.Sprint("e", r.IntN(3))}
		}
		if trial%10 == 0 {
			fs = normalizeRef(fs) // already normalized
		}
		want := normalizeRef(fs)
		got := normalize(slices.Clone(fs))
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("trial %d (k=%d): normalize differs from the plain sort", trial, k)
		}
		// Reported through a Pass, in chunks, the same.
		p := &Pass{}
		for _, f := range fs {
			p.Report(f.Row, f.Strength, f.Evidence)
		}
		if got := normalizeChunks(p.findings); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("trial %d (k=%d): normalizeChunks differs from the plain sort", trial, k)
		}
	}
}

// normalize is normalizeChunks on findings in one slice, cut into chunks
// as Pass.Report holds them.
func normalize(fs []Finding) []Finding {
	var cs [][]Finding
	for lo := 0; lo < len(fs); lo += findingChunk {
		cs = append(cs, fs[lo:min(lo+findingChunk, len(fs))])
	}
	return normalizeChunks(cs)
}

// BenchmarkNormalize normalizes 500k findings over 2M rows, a tenth of the
// rows reported twice, in random order (the radix path).
func BenchmarkNormalize(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	fs := make([]Finding, 500_000)
	for i := range fs {
		fs[i] = Finding{Row: int32(r.IntN(2_000_000)), Strength: float64(1+r.IntN(4)) / 4, Evidence: "e"}
	}
	work := make([]Finding, len(fs))
	for b.Loop() {
		copy(work, fs)
		normalize(work)
	}
}
