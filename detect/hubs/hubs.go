package hubs

import (
	"cmp"
	"math/bits"
	"reflect"
	"slices"
	"sync"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
	"github.com/washscan/washscan/internal/radix"
)

// Table is the result of the hubs detector.
type Table struct {
	// Hubs lists the hubs found, by asset then wallet.
	Hubs []Hub

	// hubSeller and hubBuyer have bit r set where row r's seller (buyer) is
	// a hub of the row's asset at that row; nil when there is no hub. Two
	// bits a row instead of a patched copy of both wallet columns (8 bytes
	// a row).
	hubSeller, hubBuyer []uint64

	tradesOnce sync.Once
	hubAsset   []uint64                              // bitset of the assets with a hub
	trades     map[datasets.AssetID][]features.Trade // their trades, patched
}

// Hub is a wallet that trades an asset with very many counterparties.
type Hub struct {
	Asset          datasets.AssetID
	Wallet         uint32
	Counterparties int32
}

// Parties are the wallet columns of a feature set as the hub-aware
// detectors see them: the hub party of each row of a hub's asset where it
// is a hub reads as features.NoWallet.
type Parties struct {
	seller, buyer       []uint32 // the feature set's columns
	hubSeller, hubBuyer []uint64 // the Table's bits; nil: no hub
}

// Parties returns the parties of the rows of f under t, f's own when t is
// nil (the hubs detector did not run) or found no hub. t must be the table
// computed from f.
func (t *Table) Parties(f *features.Set) Parties {
	if t == nil || t.hubSeller == nil {
		return Parties{seller: f.Seller, buyer: f.Buyer}
	}
	return Parties{f.Seller, f.Buyer, t.hubSeller, t.hubBuyer}
}

// At returns the seller and buyer of row r.
func (p Parties) At(r int32) (seller, buyer uint32) {
	seller, buyer = p.seller[r], p.buyer[r]
	if p.hubSeller != nil {
		if hasBit(p.hubSeller, r) {
			seller = features.NoWallet
		}
		if hasBit(p.hubBuyer, r) {
			buyer = features.NoWallet
		}
	}
	return seller, buyer
}

// Columns returns the parties as two columns: the feature set's own when
// there is no hub, else new copies (8 bytes a row), for reference
// computations and tests. Never modify the feature set's.
func (p Parties) Columns() (seller, buyer []uint32) {
	if p.hubSeller == nil {
		return p.seller, p.buyer
	}
	seller, buyer = make([]uint32, len(p.seller)), make([]uint32, len(p.buyer))
	for r := range seller {
		seller[r], buyer[r] = p.At(int32(r))
	}
	return seller, buyer
}

// newBits returns a zero bitset of n bits.
func newBits(n int) []uint64 { return make([]uint64, (n+63)/64) }

// setBit sets bit r of bits.
func setBit(bits []uint64, r int32) { bits[r>>6] |= 1 << uint(r&63) }

// hasBit reports whether bit r of bits is set.
func hasBit(bits []uint64, r int32) bool { return bits[r>>6]>>uint(r&63)&1 != 0 }

// AssetTrades returns the trades of asset a in canonical order
// (features.Set.AssetTradesAt) with t's wallet columns: the hub party of each
// row of a hub's asset is features.NoWallet. It is f's own slice when t is
// nil or a has no hub; the trades of the hubs' assets are copied and patched
// from t.Seller and t.Buyer on first use (time and 16 bytes per row of those
// assets only; O(1) per call after that). t must be the table computed from
// f. Never modify the result; safe for concurrent use.
func (t *Table) AssetTrades(f *features.Set, a datasets.AssetID) []features.Trade {
	if t == nil || len(t.Hubs) == 0 {
		return f.AssetTradesAt(a)
	}
	t.tradesOnce.Do(func() { t.patch(f) })
	if int(a>>6) >= len(t.hubAsset) || !hasBit(t.hubAsset, int32(a)) {
		return f.AssetTradesAt(a)
	}
	return t.trades[a]
}

// patch builds the trades of the hubs' assets (see AssetTrades).
func (t *Table) patch(f *features.Set) {
	t.hubAsset = newBits(len(f.AssetStart) - 1)
	t.trades = make(map[datasets.AssetID][]features.Trade)
	p := t.Parties(f)
	for _, h := range t.Hubs {
		a := h.Asset
		if t.trades[a] != nil {
			continue
		}
		lo, hi := f.AssetStart[a], f.AssetStart[a+1]
		tr := slices.Clone(f.Trades()[lo:hi])
		for i, r := range f.AssetRows[lo:hi] {
			tr[i].Seller, tr[i].Buyer = p.At(r)
		}
		setBit(t.hubAsset, int32(a))
		t.trades[a] = tr
	}
}

// The parameters of Detector.
var (
	paramMaxCounterparties = &detect.Param{Name: "max_counterparties", Kind: detect.Int, Default: "50", Doc: "distinct counterparties on one fungible asset from which a wallet is a hub of it (0 disables)"}
	paramERC1155           = &detect.Param{Name: "erc1155", Kind: detect.Int, Default: "0", Max: 1, Doc: "1 to apply the rule to erc1155 tokens as well as erc20"}
	paramWindow            = &detect.Param{Name: "window", Kind: detect.Duration, Default: "30d", Doc: "counterparties are counted within this time before and after each row (0: over the whole input)"}
)

// Detector finds the hubs of fungible assets. It reports no findings; its
// result is a *[Table].
var Detector = &detect.Detector{
	Name: "hubs",
	Doc: `liquidity hubs of fungible tokens (shared computation)

A wallet that trades an ERC-20 token (an ERC-1155 token too when erc1155 is
1) with at least max_counterparties distinct counterparties (a DEX pool,
router or market maker) within window before or after a row is a hub of that
asset at that row: back_and_forth, volume_matching and cycle treat it as an
unknown party there, so no round trip, matched set or ring is formed through
it. NFTs (erc721) are never affected. Reach: window (0: the whole input,
unbounded).`,
	Params: []*detect.Param{paramMaxCounterparties, paramERC1155, paramWindow},
	Reach: func(p detect.ParamReader) (int64, bool) {
		w := p.Duration(paramWindow)
		return w, w > 0 || p.Float(paramMaxCounterparties) <= 0
	},
	ResultType: reflect.TypeOf((*Table)(nil)),
	Run: func(pass *detect.Pass) (any, error) {
		return Compute(pass.Features, pass.Int(paramMaxCounterparties), pass.Duration(paramWindow), pass.Int(paramERC1155) != 0), nil
	},
}

// Compute returns the hub table of f: wallets with at least limit distinct
// counterparties on one erc20 asset (erc1155 too when withERC1155) within
// window of a row (window ≤ 0: over the whole input). limit ≤ 0 finds no
// hub. The candidates, wallets with at least limit counterparties over the
// whole input, are found first; each candidate's rows of the asset are then
// scanned in time order with a sliding window (see windowed). The (asset, wallet, counterparty) triples are packed in
// 64-bit keys and radix sorted when they fit (they do unless there are
// about 2^20 wallets and many fungible assets), sorted by comparisons
// otherwise. Time O(N + F) for N rows, F fungible rows (O(F log F) in the
// fallback).
func Compute(f *features.Set, limit int, window int64, withERC1155 bool) *Table {
	t := &Table{}
	if limit <= 0 {
		return t
	}
	std := f.T.Standard
	fungible := func(r int) bool {
		return std[r] == datasets.ERC20 || (withERC1155 && std[r] == datasets.ERC1155)
	}
	// One key per (asset, wallet, counterparty), both directions, packed in
	// 64 bits when they fit: the asset's rank among the fungible assets
	// (increasing asset id), then the two wallet ids, each in wb bits. Key
	// order is (asset, wallet, counterparty) order.
	rank := make([]int32, f.T.Assets.Len()) // fungible asset → rank + 1
	maxW := uint32(0)
	for r := 0; r < f.N; r++ {
		s, b := f.Seller[r], f.Buyer[r]
		if s == features.NoWallet || b == features.NoWallet || s == b || !fungible(r) {
			continue
		}
		rank[f.T.Asset[r]] = 1
		maxW = max(maxW, s, b)
	}
	wb := bits.Len32(maxW)
	nf := int32(0)
	for a, x := range rank {
		if x != 0 {
			nf++
			rank[a] = nf
		}
	}
	if bits.Len32(uint32(nf))+2*wb > 64 {
		t.Hubs = hubsBySort(f, limit, fungible)
	} else {
		var keys []uint64
		for r := 0; r < f.N; r++ {
			s, b := f.Seller[r], f.Buyer[r]
			if s == features.NoWallet || b == features.NoWallet || s == b || !fungible(r) {
				continue
			}
			hi := uint64(rank[f.T.Asset[r]]-1) << (2 * wb)
			keys = append(keys, hi|uint64(s)<<wb|uint64(b), hi|uint64(b)<<wb|uint64(s))
		}
		if len(keys) < 2*limit {
			return t
		}
		// The fungible assets in increasing id, by rank.
		assets := make([]datasets.AssetID, 0, nf)
		for a, x := range rank {
			if x != 0 {
				assets = append(assets, datasets.AssetID(a))
			}
		}
		if len(keys) < 256 {
			slices.Sort(keys)
		} else {
			radix.Sort(keys, nil, 0, uint(bits.Len32(uint32(nf))+2*wb))
		}
		keys = slices.Compact(keys)
		for i := 0; i < len(keys); {
			j := i + 1
			for j < len(keys) && keys[j]>>wb == keys[i]>>wb {
				j++
			}
			if j-i >= limit {
				k := keys[i] >> wb
				t.Hubs = append(t.Hubs, Hub{assets[k>>wb], uint32(k & (1<<wb - 1)), int32(j - i)})
			}
			i = j
		}
	}
	if len(t.Hubs) == 0 {
		return t
	}
	if window > 0 {
		return windowed(f, t, limit, window, fungible)
	}
	isHub := make(map[[2]uint32]bool, len(t.Hubs))
	for _, h := range t.Hubs {
		isHub[[2]uint32{uint32(h.Asset), h.Wallet}] = true
	}
	t.hubSeller, t.hubBuyer = newBits(f.N), newBits(f.N)
	for r := 0; r < f.N; r++ {
		if !fungible(r) {
			continue
		}
		a := uint32(f.T.Asset[r])
		if isHub[[2]uint32{a, f.Seller[r]}] {
			setBit(t.hubSeller, int32(r))
		}
		if isHub[[2]uint32{a, f.Buyer[r]}] {
			setBit(t.hubBuyer, int32(r))
		}
	}
	return t
}

// hubsBySort is the hub search of Compute with the triples sorted by
// comparisons, for address spaces too large to pack them in 64 bits.
func hubsBySort(f *features.Set, limit int, fungible func(int) bool) []Hub {
	type key struct {
		asset    datasets.AssetID
		w, other uint32
	}
	var keys []key
	for r := 0; r < f.N; r++ {
		s, b := f.Seller[r], f.Buyer[r]
		if s == features.NoWallet || b == features.NoWallet || s == b || !fungible(r) {
			continue
		}
		a := f.T.Asset[r]
		keys = append(keys, key{a, s, b}, key{a, b, s})
	}
	if len(keys) < 2*limit {
		return nil
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := cmp.Compare(x.asset, y.asset); c != 0 {
			return c
		}
		if c := cmp.Compare(x.w, y.w); c != 0 {
			return c
		}
		return cmp.Compare(x.other, y.other)
	})
	keys = slices.Compact(keys)
	var hubs []Hub
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].asset == keys[i].asset && keys[j].w == keys[i].w {
			j++
		}
		if j-i >= limit {
			hubs = append(hubs, Hub{keys[i].asset, keys[i].w, int32(j - i)})
		}
		i = j
	}
	return hubs
}

// windowed finishes Compute for a window: t.Hubs holds the candidates (by
// asset, then wallet). For each candidate (a, w), w's rows of asset a are
// taken in canonical (time) order and, at each row r, w's distinct
// counterparties among its rows within [t_r − window, t_r + window] are
// counted with two pointers and a multiplicity map; w is replaced by
// features.NoWallet in row r when they reach limit. t.Hubs keeps the
// candidates that are hubs at some row, with the most counterparties a
// window held. Time O(R) for the R rows of the candidates' assets.
func windowed(f *features.Set, t *Table, limit int, window int64, fungible func(int) bool) *Table {
	cands := t.Hubs
	t.Hubs = nil
	t.hubSeller, t.hubBuyer = newBits(f.N), newBits(f.N)
	tm := f.T.Time
	count := map[uint32]int32{}
	var mine []int32
	for i := 0; i < len(cands); {
		a := cands[i].Asset
		j := i + 1
		for j < len(cands) && cands[j].Asset == a {
			j++
		}
		rows := f.AssetRows[f.AssetStart[a]:f.AssetStart[a+1]]
		for _, c := range cands[i:j] {
			w := c.Wallet
			mine = mine[:0]
			for _, r := range rows {
				if fungible(int(r)) && (f.Seller[r] == w || f.Buyer[r] == w) {
					mine = append(mine, r)
				}
			}
			other := func(r int32) uint32 { // the counterparty that counts, or NoWallet
				s, b := f.Seller[r], f.Buyer[r]
				if s == features.NoWallet || b == features.NoWallet || s == b {
					return features.NoWallet
				}
				if s == w {
					return b
				}
				return s
			}
			clear(count)
			best := int32(0)
			lo, hi := 0, 0
			for _, r := range mine {
				for hi < len(mine) && tm[mine[hi]] <= tm[r]+window {
					if o := other(mine[hi]); o != features.NoWallet {
						count[o]++
					}
					hi++
				}
				for tm[mine[lo]] < tm[r]-window {
					if o := other(mine[lo]); o != features.NoWallet {
						if count[o]--; count[o] == 0 {
							delete(count, o)
						}
					}
					lo++
				}
				n := int32(len(count))
				if int(n) < limit {
					continue
				}
				best = max(best, n)
				if f.Seller[r] == w {
					setBit(t.hubSeller, r)
				}
				if f.Buyer[r] == w {
					setBit(t.hubBuyer, r)
				}
			}
			if best > 0 {
				t.Hubs = append(t.Hubs, Hub{a, w, best})
			}
		}
		i = j
	}
	if len(t.Hubs) == 0 {
		t.hubSeller, t.hubBuyer = nil, nil
	}
	return t
}
