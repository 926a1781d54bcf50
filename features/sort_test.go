package features

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestInsertionSort checks insertionSort against slices.Sort on random
// nearly sorted and shuffled lists: sorted when it reports true, a
// permutation of its input when it gives up.
func TestInsertionSort(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for trial := 0; trial < 500; trial++ {
		n := r.IntN(2000)
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(i)
		}
		swaps := []int{0, 3, n / 10, 10 * n}[trial%4]
		for k := 0; k < swaps && n > 1; k++ {
			i := r.IntN(n)
			j := min(n-1, i+r.IntN(5))
			if trial%4 == 3 {
				j = r.IntN(n)
			}
			v[i], v[j] = v[j], v[i]
		}
		want := slices.Clone(v)
		slices.Sort(want)
		got := slices.Clone(v)
		done := insertionSort(got, func(a, b int32) int { return cmp.Compare(a, b) }, n/8+16)
		if done && !slices.Equal(got, want) {
			t.Fatalf("trial %d: reported sorted, is not", trial)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: not a permutation of the input", trial)
		}
		if swaps == 0 && !done {
			t.Fatalf("trial %d: sorted input not accepted", trial)
		}
	}
}
