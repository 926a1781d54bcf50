package report

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"unsafe"
)

// TestIDDictNumber compares idDict.number, over many generations on one
// idDict, with numbering by a map in order of first use.
func TestIDDictNumber(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var d idDict
	for round := range 300 {
		space := 1 + r.IntN(1000)
		if round%50 == 49 {
			d.gen = math.MaxUint32 // the next generation wraps
		}
		ids := make([]uint32, r.IntN(3000))
		for k := range ids {
			ids[k] = uint32(r.IntN(space))
		}
		got := d.number(nil, ids, space)
		seen := map[uint32]int32{}
		var order []uint32
		for k, id := range ids {
			j, ok := seen[id]
			if !ok {
				j = int32(len(order))
				seen[id] = j
				order = append(order, id)
			}
			if got[k] != j {
				t.Fatalf("round %d row %d: index %d, want %d", round, k, got[k], j)
			}
		}
		if len(order) != len(d.order) {
			t.Fatalf("round %d: %d distinct, want %d", round, len(d.order), len(order))
		}
		for k := range order {
			if d.order[k] != order[k] {
				t.Fatalf("round %d: order[%d] = %d, want %d", round, k, d.order[k], order[k])
			}
		}
	}
}

// TestRound6 compares round6, whose zero fast path skips the decimal
// form, with rounding through the decimal form, bit for bit (−0 → 0).
func TestRound6(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cases := []float64{0, math.Copysign(0, -1), 4e-7, -4e-7, 5e-7, 6e-7, 0.1234565, 1, math.Inf(1)}
	for range 10000 {
		cases = append(cases, r.Float64(), -r.Float64()*1e-6)
	}
	for _, v := range cases {
		d, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 6, 64), 64)
		want := d + 0
		if got := round6(v); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("round6(%v) = %v, want %v", v, got, want)
		}
	}
}

// TestArena: slices are 8-byte aligned, disjoint, of capacity n; a full
// block falls back to the heap and the next reset grows the block.
func TestArena(t *testing.T) {
	a := newArena(100)
	x := arenaSlice[byte](a, 3)
	y := arenaSlice[float64](a, 4)
	if uintptr(unsafe.Pointer(&y[0]))%8 != 0 || cap(x) != 3 || len(y) != 4 || cap(y) != 4 {
		t.Fatalf("x %d/%d, y %d/%d at %p", len(x), cap(x), len(y), cap(y), &y[0])
	}
	for i := range x {
		x[i] = 0xff
	}
	x = append(x, 1) // reallocates rather than overwrite y
	if y[0] != 0 {
		t.Fatal("append past the capacity overwrote the next slice")
	}
	z := arenaSlice[int32](a, 100) // does not fit: heap
	z[99] = 1
	if a.off != 40 || a.need != 40+400 {
		t.Fatalf("off %d need %d", a.off, a.need)
	}
	a.reset()
	if len(a.buf) < 440 || a.off != 0 || a.need != 0 {
		t.Fatalf("after reset: %d bytes, off %d need %d", len(a.buf), a.off, a.need)
	}
	if w := arenaSlice[uint32](a, 0); w == nil || len(w) != 0 {
		t.Fatal("empty slice")
	}
}
