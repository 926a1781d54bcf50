package datasets

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/washscan/washscan/internal/radix"
)

// SortAddrs renumbers the address ids of t in increasing address order
// (id 0 stays the empty address): every column, the asset contracts, the
// funders and the deny list follow. Ids then order wallets as their
// addresses do, whatever rows a table holds, so any choice a detector makes
// by id (ring rotation, tie-breaks) is the same in a time slice as in the
// whole input (README "Horizons"). The loader calls it once the side tables
// are applied; Subset too. Time O(A + N) for A addresses, N rows, plus
// O(R log R) for each run of R addresses sharing their first 8 bytes.
func (t *Trades) SortAddrs() {
	d := t.Addrs
	if d.sorted {
		return
	}
	n := d.Len()
	// Sorted by the first 33 bits (a radix sort of 3 digits: 1.5M addresses
	// in a fifth of a comparison sort's time), then each run of addresses
	// sharing them (few among random addresses) by comparison.
	keys := make([]uint64, n-1)
	ids := make([]AddrID, n-1)
	inOrder := true
	for id := 1; id < n; id++ {
		k := binary.BigEndian.Uint64(d.list[id][:8])
		if inOrder && id > 1 && (keys[id-2] > k || keys[id-2] == k && bytes.Compare(d.list[id-1][8:], d.list[id][8:]) > 0) {
			inOrder = false
		}
		keys[id-1], ids[id-1] = k, AddrID(id)
	}
	if inOrder {
		// Already in order: only the index goes (Lookup searches the list).
		d.index, d.sorted = addrIndex{}, true
		return
	}
	const lowBit = 31
	radix.SortWith(keys, ids, nil, nil, lowBit, 64)
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && keys[hi]>>lowBit == keys[lo]>>lowBit {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(ids[lo:hi], func(a, b AddrID) int {
				return bytes.Compare(d.list[a][:], d.list[b][:])
			})
		}
		lo = hi
	}
	keys = nil
	// The new dictionary is the sorted list itself: ids are positions, and
	// no index is built (Addresses.sorted).
	newID := make([]AddrID, n)
	nd := &Addresses{list: make([]Address, n), unknown: make([]bool, n), sorted: true}
	nd.unknown[0] = true
	for i, old := range ids {
		id := AddrID(i + 1)
		nd.list[id] = d.list[old]
		nd.unknown[id] = d.unknown[old]
		newID[old] = id
	}
	ids = nil
	// The columns are renumbered side by side (each a pass of random
	// reads in newID, a few MB).
	var wg sync.WaitGroup
	for _, col := range [][]AddrID{t.Seller, t.Buyer, t.TxFrom} {
		wg.Go(func() {
			for i, id := range col {
				col[i] = newID[id]
			}
		})
	}
	t.Assets.renumberContracts(newID)
	wg.Wait()
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
