package datasets

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
)

// addrKey is an address id with the first 8 bytes of its address, big-endian.
type addrKey struct {
	k  uint64
	id AddrID
}

// SortAddrs renumbers the address ids of t in increasing address order
// (id 0 stays the empty address): every column, the asset contracts, the
// funders and the deny list follow. Ids then order wallets as their
// addresses do, whatever rows a table holds, so any choice a detector makes
// by id (ring rotation, tie-breaks) is the same in a time slice as in the
// whole input (README "Horizons"). The loader calls it once the side tables
// are applied; Subset too. Time O(A log A + N) for A addresses, N rows.
func (t *Trades) SortAddrs() {
	d := t.Addrs
	if d.sorted {
		return
	}
	n := d.Len()
	// Sorted by the first 8 bytes as a number, the rest compared only on a
	// tie: about 5x faster than bytes.Compare on every comparison (1.5M
	// addresses: 0.9 CPU-s).
	keys := make([]addrKey, n-1)
	for id := 1; id < n; id++ {
		keys[id-1] = addrKey{binary.BigEndian.Uint64(d.list[id][:8]), AddrID(id)}
	}
	byAddr := func(a, b addrKey) int {
		if a.k != b.k {
			return cmp.Compare(a.k, b.k)
		}
		return bytes.Compare(d.list[a.id][8:], d.list[b.id][8:])
	}
	if slices.IsSortedFunc(keys, byAddr) {
		// Already in order: only the index goes (Lookup searches the list).
		d.index, d.sorted = addrIndex{}, true
		return
	}
	slices.SortFunc(keys, byAddr)
	// The new dictionary is the sorted list itself: ids are positions, and
	// no index is built (Addresses.sorted).
	newID := make([]AddrID, n)
	nd := &Addresses{list: make([]Address, n), unknown: make([]bool, n), sorted: true}
	nd.unknown[0] = true
	for i, key := range keys {
		old, id := key.id, AddrID(i+1)
		nd.list[id] = d.list[old]
		nd.unknown[id] = d.unknown[old]
		newID[old] = id
	}
	keys = nil
	for _, col := range [][]AddrID{t.Seller, t.Buyer, t.TxFrom} {
		for i, id := range col {
			col[i] = newID[id]
		}
	}
	t.Assets.renumberContracts(newID)
	if f := t.Funders; f != nil {
		nf := &Funders{}
		top := -1 // the highest new wallet id with a funder: Set grows to it
		for w, fr := range f.funder {
			if fr != NoAddr {
				top = max(top, int(newID[w]))
			}
		}
		nf.funder, nf.time = make([]AddrID, top+1), make([]int64, top+1)
		for w, fr := range f.funder {
			if fr != NoAddr {
				nf.Set(newID[w], newID[fr], f.time[w])
			}
		}
		if f.fanout != nil {
			nf.fanout = make(map[AddrID]int32, len(f.fanout))
			for fr, c := range f.fanout {
				nf.fanout[newID[fr]] = c
			}
		}
		t.Funders = nf
	}
	if len(t.DenyFunders) > 0 {
		deny := make(map[AddrID]bool, len(t.DenyFunders))
		for id, v := range t.DenyFunders {
			deny[newID[id]] = v
		}
		t.DenyFunders = deny
	}
	t.Addrs = nd
}
