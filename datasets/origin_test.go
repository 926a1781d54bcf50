package datasets

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOriginsReference checks Origins against a plain list of (file, line)
// pairs: runs of consecutive lines, gaps, file changes and lines going back.
func TestOriginsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type ref struct {
		src  uint32
		line int64
	}
	var o Origins
	var want []ref
	src, line := uint32(0), int64(2)
	for range 5000 {
		switch r.IntN(20) {
		case 0:
			src++
			line = 1
		case 1:
			line += int64(r.IntN(5)) + 2 // a gap: a reject, a duplicate, a blank line
		case 2:
			line -= int64(r.IntN(3)) // never from a loader, but must still hold
		default:
			line++
		}
		o.Append(src, line)
		want = append(want, ref{src, line})
	}
	if o.Len() != len(want) {
		t.Fatalf("Len %d, want %d", o.Len(), len(want))
	}
	for i, w := range want {
		if s, l := o.At(i); s != w.src || l != w.line || o.Source(i) != w.src || o.Line(i) != w.line {
			t.Fatalf("row %d: got %d:%d, want %d:%d", i, s, l, w.src, w.line)
		}
	}
	if o.Runs() >= len(want)/2 || o.Runs() < 2 {
		t.Errorf("%d runs for %d rows", o.Runs(), len(want))
	}
}

func TestOriginsOneRunPerFile(t *testing.T) {
	var o Origins
	for i := range 1000 {
		o.Append(0, int64(i)+2)
	}
	for i := range 10 {
		o.Append(1, int64(i)+1)
	}
	if o.Runs() != 2 {
		t.Errorf("%d runs, want 2", o.Runs())
	}
	if s, l := o.At(999); s != 0 || l != 1001 {
		t.Errorf("row 999 at %d:%d", s, l)
	}
	if s, l := o.At(1000); s != 1 || l != 1 {
		t.Errorf("row 1000 at %d:%d", s, l)
	}
}

// TestSortedLookup checks Lookup after SortAddrs (a binary search of the
// sorted list, the index dropped) and that Intern afterwards still works.
func TestSortedLookup(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tr := NewTrades()
	var addrs []Address
	for i := range 3000 {
		var a Address
		if i > 0 { // the zero address is one of them
			a = randAddr(r)
		}
		addrs = append(addrs, a)
		tr.Seller = append(tr.Seller, tr.Addrs.Intern(a))
	}
	tr.Buyer = make([]AddrID, len(tr.Seller))
	tr.SortAddrs()
	if !tr.Addrs.sorted || len(tr.Addrs.index.slots) != 0 {
		t.Fatal("the index is kept after sorting")
	}
	for i, a := range addrs {
		id, ok := tr.Addrs.Lookup(a)
		if !ok || id != tr.Seller[i] || tr.Addrs.Addr(id) != a {
			t.Fatalf("address %d: id %d ok %v, row has %d", i, id, ok, tr.Seller[i])
		}
	}
	if !tr.Addrs.Unknown(tr.Seller[0]) {
		t.Error("the zero address is not unknown after sorting")
	}
	var missing Address
	missing[0] = 0xff
	missing[19] = 0x01
	if _, ok := tr.Addrs.Lookup(missing); ok {
		t.Error("found an address never interned")
	}
	id := tr.Addrs.Intern(missing)
	if int(id) != len(addrs)+1 || tr.Addrs.sorted {
		t.Fatalf("Intern after sorting gave id %d", id)
	}
	for _, a := range append(addrs, missing) {
		if got, ok := tr.Addrs.Lookup(a); !ok || tr.Addrs.Addr(got) != a {
			t.Fatalf("lookup after re-indexing: %v %v", got, ok)
		}
	}
}

// randAddr is a random address.
func randAddr(r *rand.Rand) Address {
	var a Address
	for j := range a {
		a[j] = byte(r.IntN(256))
	}
	return a
}

// TestSortAddrsOrder checks SortAddrs against a comparison sort of the
// addresses: many share their first 8 bytes (runs the radix sort leaves to
// a comparison of the rest), some differ only in the last 2 bytes, and the
// rows, contracts and funders keep their addresses.
func TestSortAddrsOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tr := NewTrades()
	var addrs []Address
	for i := range 5000 {
		a := randAddr(r)
		switch i % 4 {
		case 0: // a shared prefix
			copy(a[:8], []byte{0, 0, 0, 0, 0, 0, 0, byte(i % 3)})
		case 1: // differs from others in the last bytes only
			copy(a[:18], bytes.Repeat([]byte{0xab}, 18))
		}
		addrs = append(addrs, a)
		tr.Seller = append(tr.Seller, tr.Addrs.Intern(a))
		tr.Buyer = append(tr.Buyer, tr.Addrs.Intern(addrs[r.IntN(len(addrs))]))
		tr.TxFrom = append(tr.TxFrom, NoAddr)
	}
	f := NewFunders()
	f.Set(tr.Seller[10], tr.Seller[20], 7)
	tr.Funders = f
	buyers := make([]Address, len(tr.Buyer))
	for i, id := range tr.Buyer {
		buyers[i] = tr.Addrs.Addr(id)
	}
	tr.SortAddrs()
	want := slices.Clone(tr.Addrs.list[1:])
	slices.SortFunc(want, func(a, b Address) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(want, tr.Addrs.list[1:]) {
		t.Fatal("addresses not in byte order after SortAddrs")
	}
	for i, a := range addrs {
		if tr.Addrs.Addr(tr.Seller[i]) != a || tr.Addrs.Addr(tr.Buyer[i]) != buyers[i] || tr.TxFrom[i] != NoAddr {
			t.Fatalf("row %d lost its addresses", i)
		}
	}
	if w := tr.Seller[10]; tr.Addrs.Addr(tr.Funders.Of(w)) != addrs[20] || tr.Funders.Time(w) != 7 {
		t.Error("the funder did not follow its ids")
	}
}
