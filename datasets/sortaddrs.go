package datasets

import (
	"bytes"
	"slices"
)

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
	order := make([]AddrID, 0, n-1)
	for id := 1; id < n; id++ {
		order = append(order, AddrID(id))
	}
	if slices.IsSortedFunc(order, func(a, b AddrID) int { return bytes.Compare(d.list[a][:], d.list[b][:]) }) {
		// Already in order: only the index goes (Lookup searches the list).
		d.index, d.sorted = addrIndex{}, true
		return
	}
	slices.SortFunc(order, func(a, b AddrID) int { return bytes.Compare(d.list[a][:], d.list[b][:]) })
	// The new dictionary is the sorted list itself: ids are positions, and
	// no index is built (Addresses.sorted).
	newID := make([]AddrID, n)
	nd := &Addresses{list: make([]Address, n), unknown: make([]bool, n), sorted: true}
	nd.unknown[0] = true
	for i, old := range order {
		id := AddrID(i + 1)
		nd.list[id] = d.list[old]
		nd.unknown[id] = d.unknown[old]
		newID[old] = id
	}
	order = nil
	for _, col := range [][]AddrID{t.Seller, t.Buyer, t.TxFrom} {
		for i, id := range col {
			col[i] = newID[id]
		}
	}
	t.Assets.renumberContracts(newID)
	if f := t.Funders; f != nil {
		nf := &Funders{}
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
