package metrics

import (
	"iter"
	"maps"
	"slices"
)

// smallSet is the size up to which a set is a slice, scanned on each add.
const smallSet = 8

// set is a distinct set of a partial's scope (flagged assets, txs or
// wallets). Most scopes (an nft, a wallet) hold a few elements: a slice
// then takes their bytes alone, where a map takes hundreds of bytes even
// for one element; past smallSet elements it is a map.
type set[K comparable] struct {
	s []K
	m map[K]struct{}
}

func (x *set[K]) add(k K) {
	if x.m != nil {
		x.m[k] = struct{}{}
		return
	}
	if slices.Contains(x.s, k) {
		return
	}
	if len(x.s) < smallSet {
		x.s = append(x.s, k)
		return
	}
	x.m = make(map[K]struct{}, 2*smallSet)
	for _, v := range x.s {
		x.m[v] = struct{}{}
	}
	x.m[k] = struct{}{}
	x.s = nil
}

func (x *set[K]) len() int {
	if x.m != nil {
		return len(x.m)
	}
	return len(x.s)
}

// all yields the elements, in no particular order.
func (x *set[K]) all() iter.Seq[K] {
	if x.m != nil {
		return maps.Keys(x.m)
	}
	return slices.Values(x.s)
}

// union adds the elements of y to x (y unchanged, never shared).
func (x *set[K]) union(y *set[K]) {
	switch {
	case y.len() == 0:
	case x.len() == 0 && y.m != nil:
		x.s, x.m = nil, maps.Clone(y.m)
	case x.len() == 0:
		x.s = slices.Clone(y.s)
	default:
		for k := range y.all() {
			x.add(k)
		}
	}
}
