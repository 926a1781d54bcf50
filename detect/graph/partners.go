package graph

import (
	"reflect"
	"slices"

	"github.com/washscan/washscan/detect"
)

// PartnerTable counts, for every wallet, its distinct counterparties over
// the whole dataset (rows with two known, different parties).
type PartnerTable struct {
	// Count is indexed by wallet id; 0 for ids that never traded.
	Count []int32
}

// Of returns the number of distinct counterparties of wallet w.
func (p *PartnerTable) Of(w uint32) int32 {
	if p == nil || int(w) >= len(p.Count) {
		return 0
	}
	return p.Count[w]
}

// Concentration returns, for a group of k wallets, how much of wallet w's
// trading is with the group: (k−1) / partners(w), capped at 1. An honest
// trader with many counterparties scores low; a wallet that trades almost
// only inside a ring scores near 1.
func (p *PartnerTable) Concentration(w uint32, k int) float64 {
	c := p.Of(w)
	if c <= 0 {
		return 1
	}
	return min(1, float64(k-1)/float64(c))
}

// Partners is the shared computation of distinct counterparties per wallet.
// It reports no findings; its result is a *[PartnerTable].
var Partners = &detect.Detector{
	Name: "graph_partners",
	Doc: `distinct counterparties per wallet (shared computation)

For every wallet, the number of distinct wallets it traded with, in either
direction, over the whole input. Unknown parties and self-trades do not
count. The graph detectors use it to tell a closed group (wallets trading
almost only with each other) from honest traders with many counterparties.`,
	ResultType: reflect.TypeOf((*PartnerTable)(nil)),
	Run: func(pass *detect.Pass) (any, error) {
		f := pass.Features
		return ComputePartners(f.Seller, f.Buyer, f.T.Addrs.Len()), nil
	},
}

// ComputePartners returns the partner table of the rows given by seller and
// buyer wallet ids (0 = unknown); nWallets bounds the ids. Time O(N log N).
func ComputePartners(seller, buyer []uint32, nWallets int) *PartnerTable {
	keys := make([]uint64, 0, len(seller))
	for i, s := range seller {
		b := buyer[i]
		if s == 0 || b == 0 || s == b {
			continue
		}
		lo, hi := min(s, b), max(s, b)
		keys = append(keys, uint64(lo)<<32|uint64(hi))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	t := &PartnerTable{Count: make([]int32, nWallets)}
	for _, k := range keys {
		t.Count[k>>32]++
		t.Count[uint32(k)]++
	}
	return t
}
