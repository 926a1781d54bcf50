package graph

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// partnersRef counts distinct counterparties by sorting the pair keys, the
// plain form of ComputePartners.
func partnersRef(seller, buyer []uint32, nWallets int) []int32 {
	var keys []uint64
	for i, s := range seller {
		b := buyer[i]
		if s == 0 || b == 0 || s == b {
			continue
		}
		keys = append(keys, uint64(min(s, b))<<32|uint64(max(s, b)))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	count := make([]int32, nWallets)
	for _, k := range keys {
		count[k>>32]++
		count[uint32(k)]++
	}
	return count
}

// TestComputePartnersMatchesSort checks ComputePartners against the sort of
// pair keys on random rows with unknown parties, self-trades and many
// repeated pairs in both directions.
func TestComputePartnersMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		nw := 1 + r.IntN(300)
		n := r.IntN(2000)
		seller, buyer := make([]uint32, n), make([]uint32, n)
		for i := range seller {
			seller[i], buyer[i] = r.Uint32N(uint32(nw)), r.Uint32N(uint32(nw))
			if r.IntN(4) == 0 && i > 0 { // repeat or reverse an earlier pair
				j := r.IntN(i)
				seller[i], buyer[i] = buyer[j], seller[j]
			}
		}
		want := partnersRef(seller, buyer, nw)
		if got := ComputePartners(seller, buyer, nw).Count; !slices.Equal(got, want) {
			t.Fatalf("trial %d: got %v, want %v", trial, got, want)
		}
	}
}

// BenchmarkComputePartners counts the partners of 2M random rows over 250k
// wallets, a fifth of them repeated pairs.
func BenchmarkComputePartners(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, nw = 2_000_000, 250_000
	seller, buyer := make([]uint32, n), make([]uint32, n)
	for i := range seller {
		seller[i], buyer[i] = 1+r.Uint32N(nw-1), 1+r.Uint32N(nw-1)
		if i > 0 && r.IntN(5) == 0 {
			j := r.IntN(i)
			seller[i], buyer[i] = buyer[j], seller[j]
		}
	}
	for b.Loop() {
		ComputePartners(seller, buyer, nw)
	}
}
