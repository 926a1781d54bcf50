// Package features computes, once and column-wise, the derived columns every
// detector reads: the canonical time order, per-asset trade sequences, wallet
// ids with unknown parties removed, and per-row masks.
package features

import (
	"cmp"
	"slices"

	"github.com/washscan/washscan/datasets"
)

// NoWallet is the wallet id of an unknown party (empty, zero or allow-listed
// address). It is never a graph node.
const NoWallet uint32 = 0

// Set holds a dataset and the features computed from it. All slices indexed by
// row have length N; rows are numbered as in the Trades table (input order).
type Set struct {
	T *datasets.Trades
	N int

	// Order lists row numbers in canonical order: block_time, block_number,
	// log_index, then input order. Sums over rows follow it (SPEC §3.1).
	Order []int32
	// Rank is the inverse of Order: Rank[Order[k]] == k.
	Rank []int32

	// Seller and Buyer are address ids with every unknown party replaced by
	// NoWallet, so detectors never link through one.
	Seller []uint32
	Buyer  []uint32
	// Contract is the contract address id of each row.
	Contract []uint32
	// Sale marks rows with price > 0.
	Sale []bool
	// Native marks rows paid in the chain's native currency or its wrapped form.
	Native []bool

	// AssetStart and AssetRows form a CSR index: the rows of asset a, in
	// canonical order, are AssetRows[AssetStart[a]:AssetStart[a+1]].
	AssetStart []int32
	AssetRows  []int32
}

// Compute derives the feature set of t. It reads t and never changes it.
// Time O(N log N) for the sort, O(N) otherwise.
func Compute(t *datasets.Trades) *Set {
	n := t.Len()
	s := &Set{T: t, N: n}

	s.Order = make([]int32, n)
	for i := range s.Order {
		s.Order[i] = int32(i)
	}
	slices.SortFunc(s.Order, func(a, b int32) int {
		if c := cmp.Compare(t.Time[a], t.Time[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(t.Block[a], t.Block[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(t.LogIndex[a], t.LogIndex[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	s.Rank = make([]int32, n)
	for k, r := range s.Order {
		s.Rank[r] = int32(k)
	}

	s.Seller = make([]uint32, n)
	s.Buyer = make([]uint32, n)
	s.Contract = make([]uint32, n)
	s.Sale = make([]bool, n)
	s.Native = make([]bool, n)
	addrs := t.Addrs
	nativeOf := make(map[[2]uint32]bool)
	for i := 0; i < n; i++ {
		if id := t.Seller[i]; !addrs.Unknown(id) {
			s.Seller[i] = id
		}
		if id := t.Buyer[i]; !addrs.Unknown(id) {
			s.Buyer[i] = id
		}
		s.Contract[i] = t.Assets.Contract[t.Asset[i]]
		s.Sale[i] = t.Price[i] > 0
		k := [2]uint32{t.Chain[i], t.Currency[i]}
		nat, ok := nativeOf[k]
		if !ok {
			nat = datasets.IsNative(t.Chains.Value(k[0]), t.Currencies.Value(k[1]))
			nativeOf[k] = nat
		}
		s.Native[i] = nat
	}

	na := t.Assets.Len()
	s.AssetStart = make([]int32, na+1)
	for _, a := range t.Asset {
		s.AssetStart[a+1]++
	}
	for a := 0; a < na; a++ {
		s.AssetStart[a+1] += s.AssetStart[a]
	}
	s.AssetRows = make([]int32, n)
	next := slices.Clone(s.AssetStart[:na])
	for _, r := range s.Order {
		a := t.Asset[r]
		s.AssetRows[next[a]] = r
		next[a]++
	}
	return s
}

// AssetTrades returns the rows of asset a in canonical order.
func (s *Set) AssetTrades(a datasets.AssetID) []int32 {
	return s.AssetRows[s.AssetStart[a]:s.AssetStart[a+1]]
}

// Known reports whether wallet id w is a real wallet.
func Known(w uint32) bool { return w != NoWallet }
