package metrics

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/washscan/washscan/datasets"
)

// partialWireVersion is the format number of MarshalBinary.
const partialWireVersion = 1

// MarshalBinary encodes p (encoding.BinaryMarshaler), e.g. for a Beam
// coder or a state directory. UnmarshalBinary decodes it; the decoded
// Partial merges and reports as p does.
func (p *Partial) MarshalBinary() ([]byte, error) {
	toWire := func(a *pacc) wirePacc { return toWire(p.ids, a) }
	wireScope := func(x *[2]pacc) [2]wirePacc { return [2]wirePacc{toWire(&x[0]), toWire(&x[1])} }
	wireBuckets := func(m map[int64]*pacc) map[int64]wirePacc { return mapAll(m, toWire) }
	w := wirePartial{
		Version: partialWireVersion, Range: p.rng, AsOf: p.asOf, Lo: p.lo, PrevLo: p.prevLo,
		First: p.first, HasFirst: p.hasFirst, Market: wireScope(&p.market),
		Plats: mapAll(p.plats, wireScope), Colls: mapAll(p.colls, wireScope), NFTs: mapAll(p.nfts, wireScope),
		Wallets: mapAll(p.wallets, wireScope), TMarket: wireBuckets(p.tMarket),
		TPlats: mapAll(p.tPlats, wireBuckets), TColls: mapAll(p.tColls, wireBuckets),
		Sales: p.sales, Stats: p.stats, FineLen: p.fineLen, FineOrig: p.fineOrig, Split: p.split,
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&w); err != nil {
		return nil, fmt.Errorf("metrics: encode partial: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into p.
func (p *Partial) UnmarshalBinary(data []byte) error {
	var w wirePartial
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return fmt.Errorf("metrics: decode partial: %w", err)
	}
	if w.Version != partialWireVersion {
		return fmt.Errorf("metrics: partial format %d, want %d", w.Version, partialWireVersion)
	}
	d := newIDs()
	fromWire := func(w wirePacc) pacc { return fromWire(d, w) }
	unwireScope := func(w [2]wirePacc) [2]pacc { return [2]pacc{fromWire(w[0]), fromWire(w[1])} }
	newScope := func(w [2]wirePacc) *[2]pacc {
		s := unwireScope(w)
		return &s
	}
	unwireBuckets := func(m map[int64]wirePacc) map[int64]*pacc {
		return mapAll(m, func(w wirePacc) *pacc {
			a := fromWire(w)
			return &a
		})
	}
	*p = Partial{ids: d, rng: w.Range, asOf: w.AsOf, lo: w.Lo, prevLo: w.PrevLo, first: w.First, hasFirst: w.HasFirst,
		plats: mapAll(w.Plats, newScope), colls: mapAll(w.Colls, newScope), nfts: mapAll(w.NFTs, newScope),
		wallets: mapAll(w.Wallets, newScope), tMarket: unwireBuckets(w.TMarket),
		tPlats: mapAll(w.TPlats, unwireBuckets), tColls: mapAll(w.TColls, unwireBuckets),
		sales: w.Sales, stats: w.Stats, fineLen: w.FineLen, fineOrig: w.FineOrig, split: w.Split}
	if p.sales == nil {
		p.sales = map[SaleGroup][]float64{}
	}
	p.market = unwireScope(w.Market)
	return nil
}

type wirePartial struct {
	Version           int
	Range             Range
	AsOf, Lo, PrevLo  int64
	First             int64
	HasFirst          bool
	Market            [2]wirePacc
	Plats             map[string][2]wirePacc
	Colls             map[CollKey][2]wirePacc
	NFTs              map[NFTKey][2]wirePacc
	Wallets           map[datasets.Address][2]wirePacc
	TMarket           map[int64]wirePacc
	TPlats            map[string]map[int64]wirePacc
	TColls            map[CollKey]map[int64]wirePacc
	Sales             map[SaleGroup][]float64
	Stats             datasets.LoadStats
	FineLen, FineOrig int64
	Split             bool
}

type wireSum struct {
	Lo      int32
	Special uint8
	D       []int64
}

type wireAsset struct {
	Contract datasets.Address
	TokenID  string
}

type wirePacc struct {
	Vol, WVol, USD, WUSD         wireSum
	Rows, Sales, FSales, Flagged int64
	Chain                        string
	HasChain, Mixed, HasUSD      bool
	Assets                       []wireAsset
	Txs                          []datasets.Hash
	Wallets                      []datasets.Address
}

// toWireSum is s as digits alone: a copy of s with its fixed-point total
// moved into the digits, carried.
func toWireSum(s *Sum) wireSum {
	c := Sum{fx: s.fx, fn: s.fn}
	if s.g != nil {
		g := *s.g
		g.d = append([]int64(nil), s.g.d...)
		c.g = &g
	}
	c.flushFixed()
	if c.g == nil {
		return wireSum{}
	}
	return wireSum{Lo: c.g.lo, Special: c.g.special, D: carry(c.g.d)}
}

func fromWireSum(w wireSum) Sum {
	if w.Special == 0 && len(w.D) == 0 {
		return Sum{}
	}
	return Sum{g: &digits{lo: w.Lo, special: w.Special, d: w.D}}
}

func toWire(d *ids, a *pacc) wirePacc {
	w := wirePacc{Vol: toWireSum(&a.vol), WVol: toWireSum(&a.wvol), USD: toWireSum(&a.usd), WUSD: toWireSum(&a.wusd),
		Rows: a.rows, Sales: a.sales, FSales: a.fsales, Flagged: a.flagged, Chain: a.chain,
		HasChain: a.hasChain, Mixed: a.mixed, HasUSD: a.hasUSD}
	for k := range a.assets.all() {
		w.Assets = append(w.Assets, wireAsset(d.assets[k]))
	}
	for k := range a.txs.all() {
		w.Txs = append(w.Txs, d.txs[k])
	}
	for k := range a.wallets.all() {
		w.Wallets = append(w.Wallets, d.wallets[k])
	}
	return w
}

func fromWire(d *ids, w wirePacc) pacc {
	a := pacc{saleSums: saleSums{vol: fromWireSum(w.Vol), wvol: fromWireSum(w.WVol), usd: fromWireSum(w.USD), wusd: fromWireSum(w.WUSD),
		sales: w.Sales, fsales: w.FSales}, rows: w.Rows, flagged: w.Flagged, chain: w.Chain,
		hasChain: w.HasChain, mixed: w.Mixed, hasUSD: w.HasUSD}
	for _, k := range w.Assets {
		a.assets.add(d.asset(assetKey(k)))
	}
	for _, k := range w.Txs {
		a.txs.add(d.tx(k))
	}
	for _, k := range w.Wallets {
		a.wallets.add(d.wallet(k))
	}
	return a
}

// mapAll returns the map of f(x) for every k, x of src (never nil).
func mapAll[K comparable, A, B any](src map[K]A, f func(A) B) map[K]B {
	dst := make(map[K]B, len(src))
	for k, x := range src {
		dst[k] = f(x)
	}
	return dst
}
