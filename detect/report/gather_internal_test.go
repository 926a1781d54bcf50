package report

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/washscan/washscan/datasets"
)

// strCol.addAddrs, which reads the addresses of a run of ids before it
// formats them, adds what adding each id's address on its own adds: the 0x
// hex form, "" for NoAddr, for runs shorter and longer than its gather
// block and not a multiple of it.
func TestAddAddrsMatchesOneByOne(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a := datasets.NewAddresses()
	var ids []uint32
	for range 5000 {
		var x datasets.Address
		for k := range x {
			x[k] = byte(r.IntN(256))
		}
		ids = append(ids, a.Intern(x))
	}
	for k := range ids {
		if r.IntN(7) == 0 {
			ids[k] = datasets.NoAddr
		}
	}
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, n := range []int{0, 1, addrGather - 1, addrGather, addrGather + 1, 3*addrGather + 5, len(ids)} {
		want := newStrCol(nil, 0, 0)
		for _, id := range ids[:n] {
			if id != datasets.NoAddr {
				p := a.Addr(id)
				want.addHex(p[:])
			} else {
				want.end()
			}
		}
		got := newStrCol(nil, 0, 0)
		got.add("prefix") // appends after what the column holds
		got.addAddrs(a, ids[:n])
		if len(got.off) != n+2 || !bytes.Equal(got.data[6:], want.data) {
			t.Fatalf("%d ids: %d values, %d bytes; want %d values, %d bytes", n, len(got.off)-2, len(got.data)-6, n, len(want.data))
		}
		for k := range n {
			if got.off[k+2]-6 != want.off[k+1] {
				t.Fatalf("%d ids: value %d ends at %d, want %d", n, k, got.off[k+2]-6, want.off[k+1])
			}
		}
	}
}

// BenchmarkAddAddrs formats the wallets of a row group picked at random
// from a large address list (most reads miss the caches, as in a big
// market's flags), gathered first (gather) or read one by one (single).
func BenchmarkAddAddrs(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	a := datasets.NewAddresses()
	for i := range 4_000_000 {
		var x datasets.Address
		x[0], x[1], x[2], x[3], x[19] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24), 1
		a.Intern(x)
	}
	ids := make([]uint32, 1<<18)
	for k := range ids {
		ids[k] = uint32(1 + r.IntN(a.Len()-1))
	}
	c := newStrCol(nil, streamChunkRows, 66)
	run := func(b *testing.B, fill func(ids []uint32)) {
		for b.Loop() {
			for lo := 0; lo < len(ids); lo += streamChunkRows {
				c.off, c.data = c.off[:1], c.data[:0]
				fill(ids[lo:min(len(ids), lo+streamChunkRows)])
			}
		}
	}
	b.Run("gather", func(b *testing.B) { run(b, func(ids []uint32) { c.addAddrs(a, ids) }) })
	b.Run("single", func(b *testing.B) {
		run(b, func(ids []uint32) {
			for _, id := range ids {
				p := a.Addr(id)
				c.addHex(p[:])
			}
		})
	})
}
