// Package pqrle decodes Parquet's RLE/bit-packing hybrid encoding, the
// encoding of definition levels and dictionary indices, for the loader's
// Parquet fast path (datasets/parquetfast.go). It trusts nothing in its
// input: every run is checked against the bytes left.
package pqrle

import (
	"encoding/binary"
	"errors"
)

// ErrMalformed marks a run-length/bit-packed stream that ends early or whose
// header cannot be read.
var ErrMalformed = errors.New("truncated or malformed RLE/bit-packed data")

// Decoder reads Parquet's RLE/bit-packing hybrid encoding, the encoding of
// definition levels and of dictionary indices. The stream is a sequence of
// runs, each led by a ULEB128 header h: h&1 == 0 is a run of h>>1 copies of
// one value stored in ⌈bw/8⌉ little-endian bytes (a value over bw bits is an
// error); h&1 == 1 is h>>1 groups
// of 8 values bit-packed LSB first, bw bits each. bw is at most 32. Decoding
// n values costs O(n) and never reads past data.
type Decoder struct {
	data     []byte // the stream after the current run's header and body
	bw       uint
	mask     uint64
	rleLeft  int    // values left in the current RLE run
	rleVal   uint32 // its value
	packLeft int    // values left in the current bit-packed run
	pack     []byte // its body
	bit      uint   // next value's bit offset in pack
}

// New returns a decoder of data with values of bw bits (at most 32).
func New(data []byte, bw uint) Decoder {
	return Decoder{data: data, bw: bw, mask: 1<<bw - 1}
}

// next starts the next run.
func (d *Decoder) next() error {
	h, n := binary.Uvarint(d.data)
	if n <= 0 {
		return ErrMalformed
	}
	d.data = d.data[n:]
	if h&1 == 0 {
		count := min(h>>1, 1<<31)
		w := int(d.bw+7) / 8
		if len(d.data) < w {
			return ErrMalformed
		}
		var v uint32
		for i := w - 1; i >= 0; i-- {
			v = v<<8 | uint32(d.data[i])
		}
		d.data = d.data[w:]
		if uint64(v) > d.mask { // a value wider than bw bits: a damaged run
			return ErrMalformed
		}
		d.rleLeft, d.rleVal = int(count), v
		return nil
	}
	groups := min(h>>1, 1<<28)
	size := int(groups) * int(d.bw) // bytes of the run body
	count := int(groups) * 8
	if size > len(d.data) {
		// A writer may leave the last run short of whole groups: read the
		// values its bytes hold.
		size = len(d.data)
		if d.bw > 0 {
			count = size * 8 / int(d.bw)
		}
	}
	d.pack, d.data = d.data[:size], d.data[size:]
	d.packLeft, d.bit = count, 0
	return nil
}

// Fill decodes len(dst) values into dst.
func (d *Decoder) Fill(dst []uint32) error {
	for len(dst) > 0 {
		if d.rleLeft == 0 && d.packLeft == 0 {
			if err := d.next(); err != nil {
				return err
			}
			continue
		}
		if d.rleLeft > 0 {
			n := min(d.rleLeft, len(dst))
			v := d.rleVal
			for i := range dst[:n] {
				dst[i] = v
			}
			d.rleLeft -= n
			dst = dst[n:]
			continue
		}
		n := min(d.packLeft, len(dst))
		d.unpack(dst[:n])
		d.packLeft -= n
		dst = dst[n:]
	}
	return nil
}

// unpack reads len(dst) values of the current bit-packed run.
func (d *Decoder) unpack(dst []uint32) {
	if d.bw == 0 {
		clear(dst)
		return
	}
	p, bw, mask, bit := d.pack, d.bw, d.mask, d.bit
	for i := range dst {
		at := bit >> 3
		var w uint64
		if int(at)+8 <= len(p) {
			w = binary.LittleEndian.Uint64(p[at:])
		} else {
			for j := len(p) - 1; j >= int(at); j-- {
				w = w<<8 | uint64(p[j])
			}
		}
		dst[i] = uint32(w >> (bit & 7) & mask)
		bit += bw
	}
	d.bit = bit
}
