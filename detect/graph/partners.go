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
// buyer wallet ids (0 = unknown); nWallets bounds the ids (the table grows
// to cover larger ones).
//
// Each row is an unordered pair {lo, hi}, lo < hi. A counting sort by lo
// gathers every lo's partners hi; a stamp per wallet (the last lo + 1 that
// counted it) drops repeated pairs, and each distinct pair counts once for
// both of its wallets. Time O(N + W) for N rows and W wallets, no sort;
// memory 4 bytes per row and 12 per wallet.
func ComputePartners(seller, buyer []uint32, nWallets int) *PartnerTable {
	nw := nWallets
	for i, s := range seller {
		nw = max(nw, int(s)+1, int(buyer[i])+1)
	}
	start := make([]int32, nw+1) // partners of lo: his[start[lo]:start[lo+1]]
	for i, s := range seller {
		b := buyer[i]
		if s == 0 || b == 0 || s == b {
			continue
		}
		start[min(s, b)+1]++
	}
	for w := 1; w <= nw; w++ {
		start[w] += start[w-1]
	}
	his := make([]uint32, start[nw])
	next := slices.Clone(start[:nw])
	for i, s := range seller {
		b := buyer[i]
		if s == 0 || b == 0 || s == b {
			continue
		}
		lo := min(s, b)
		his[next[lo]] = max(s, b)
		next[lo]++
	}
	count := make([]int32, nw)
	stamp := next[:nw] // reused: stamp[w] = lo + 1 of the last lo that counted w
	clear(stamp)
	for lo := 0; lo < nw; lo++ {
		k := int32(0)
		for _, h := range his[start[lo]:start[lo+1]] {
			if stamp[h] != int32(lo)+1 {
				stamp[h] = int32(lo) + 1
				count[h]++
				k++
			}
		}
		count[lo] += k
	}
	return &PartnerTable{Count: count}
}
