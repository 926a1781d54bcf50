package metrics

import (
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/washscan/washscan/datasets"
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

// ids numbers the distinct elements of a partial's sets: the flagged txs,
// assets and wallets, each stored once; the sets of its scopes hold the
// numbers (4 bytes where a tx hash takes 32).
type ids struct {
	txOf     map[datasets.Hash]uint32
	assetOf  map[assetKey]uint32
	walletOf map[datasets.Address]uint32
	txs      []datasets.Hash
	assets   []assetKey
	wallets  []datasets.Address
}

func newIDs() *ids {
	return &ids{txOf: map[datasets.Hash]uint32{}, assetOf: map[assetKey]uint32{}, walletOf: map[datasets.Address]uint32{}}
}

func intern[K comparable](of map[K]uint32, list *[]K, k K) uint32 {
	id, ok := of[k]
	if !ok {
		id = uint32(len(*list))
		of[k] = id
		*list = append(*list, k)
	}
	return id
}

func (d *ids) tx(h datasets.Hash) uint32 { return intern(d.txOf, &d.txs, h) }

func (d *ids) wallet(a datasets.Address) uint32 { return intern(d.walletOf, &d.wallets, a) }

// asset numbers k; a new key's token id is copied, so that the partial
// does not keep the loaded table's token id storage alive.
func (d *ids) asset(k assetKey) uint32 {
	if id, ok := d.assetOf[k]; ok {
		return id
	}
	k.TokenID = strings.Clone(k.TokenID)
	return intern(d.assetOf, &d.assets, k)
}

// remap returns, for every id of e, its id in d (interning it).
func (d *ids) remap(e *ids) (tx, asset, wallet []uint32) {
	tx = make([]uint32, len(e.txs))
	for i, h := range e.txs {
		tx[i] = d.tx(h)
	}
	asset = make([]uint32, len(e.assets))
	for i, k := range e.assets {
		asset[i] = d.asset(k)
	}
	wallet = make([]uint32, len(e.wallets))
	for i, a := range e.wallets {
		wallet[i] = d.wallet(a)
	}
	return tx, asset, wallet
}

// mapped rewrites the elements of x through to (x's storage is reused).
func (x *set[K]) mapped(to func(K) K) {
	if x.m != nil {
		m := make(map[K]struct{}, len(x.m))
		for k := range x.m {
			m[to(k)] = struct{}{}
		}
		x.m = m
		return
	}
	for i, k := range x.s {
		x.s[i] = to(k)
	}
}
