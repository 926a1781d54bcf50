package pqrle

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// rleEncode is a reference encoder of the RLE/bit-packing hybrid: runs of
// equal values longer than 8 become RLE runs, the rest bit-packed groups of 8
// (the last padded with zeros).
func rleEncode(vals []uint32, bw uint) []byte {
	var out []byte
	for i := 0; i < len(vals); {
		j := i
		for j < len(vals) && vals[j] == vals[i] {
			j++
		}
		if j-i >= 8 {
			out = binary.AppendUvarint(out, uint64(j-i)<<1)
			for b := uint(0); b < bw; b += 8 {
				out = append(out, byte(vals[i]>>b))
			}
			i = j
			continue
		}
		groups := min(len(vals)-i+7, 8*8) / 8
		out = binary.AppendUvarint(out, uint64(groups)<<1|1)
		var acc uint64
		var nb uint
		for k := 0; k < groups*8; k++ {
			var v uint32
			if i+k < len(vals) {
				v = vals[i+k]
			}
			acc |= uint64(v) << nb
			nb += bw
			for nb >= 8 {
				out = append(out, byte(acc))
				acc >>= 8
				nb -= 8
			}
		}
		i += groups * 8
	}
	return out
}

func TestRLEDecoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		bw := uint(rng.IntN(33))
		vals := make([]uint32, rng.IntN(300))
		for i := range vals {
			if i > 0 && rng.IntN(3) > 0 {
				vals[i] = vals[i-1]
			} else if bw > 0 {
				vals[i] = uint32(rng.Uint64() & (1<<bw - 1))
			}
		}
		enc := rleEncode(vals, bw)
		got := make([]uint32, len(vals))
		d := New(enc, bw)
		if err := d.Fill(got); err != nil {
			t.Fatalf("bw %d: %v", bw, err)
		}
		if !slices.Equal(got, vals) {
			t.Fatalf("bw %d: decoded %v, want %v", bw, got, vals)
		}
		if len(enc) > 0 {
			d := New(enc[:len(enc)-1], bw)
			if d.Fill(make([]uint32, len(vals)+9)) == nil {
				t.Fatalf("bw %d: a truncated stream decoded without error", bw)
			}
		}
	}
	// An RLE run whose value is wider than the bit width (a damaged
	// definition level: 0x72 for bit width 1) is an error, not masked.
	d := New([]byte{24 << 1, 0x72}, 1)
	if err := d.Fill(make([]uint32, 24)); err == nil {
		t.Fatal("an RLE value over the bit width decoded without error")
	}
	d = New([]byte{24 << 1, 0x01}, 1)
	if err := d.Fill(make([]uint32, 24)); err != nil {
		t.Fatalf("a valid RLE run: %v", err)
	}
}

// FuzzRLEDecoder: any bytes decode without a panic, and encoded values come back.
func FuzzRLEDecoder(f *testing.F) {
	f.Add([]byte{0x03, 0xff}, uint8(1), uint16(8))
	f.Add(rleEncode([]uint32{1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3}, 2), uint8(2), uint16(11))
	f.Fuzz(func(t *testing.T, data []byte, bw uint8, n uint16) {
		d := New(data, uint(bw%33))
		_ = d.Fill(make([]uint32, n))
	})
}
