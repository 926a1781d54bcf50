package metrics

import (
	"math"
	"math/bits"
)

// Sum is an exact accumulator of float64 values: Value returns the sum as if
// every value added were summed in unlimited precision and the result rounded
// once to the nearest float64 (ties to even). It therefore does not depend on
// the order of the additions, nor on how the values were split between Sums
// later joined by Merge: partial sums from slices or workers merge to the
// same bytes.
//
// Every finite float64 is an integer multiple of 2^-1074 (the smallest
// subnormal), below 2^2098 of them. A Sum holds the exact total in those
// units as a window of signed 32-bit "digits" kept in int64 (a sparse
// superaccumulator after Neal, 2015): an Add splits the value's 53-bit
// significand over the three digits it covers and adds them, with no carry
// and no rounding; carries propagate only every 2^30 additions and when the
// value is read. The window grows to the digits the values touch (four or
// five for sums of prices), so a Sum is 40 bytes and one small allocation.
// Infinite and NaN inputs are kept aside: +Inf and −Inf together, or a NaN,
// give NaN.
//
// The zero Sum is an empty sum, whose Value is 0.
type Sum struct {
	lo      int32   // digit index of d[0]: d[i] weighs 2^(32·(lo+i)) units
	n       int32   // additions since the digits were last normalized
	special uint8   // specialPosInf | specialNegInf | specialNaN
	d       []int64 // the digits
}

const (
	specialPosInf = 1 << iota
	specialNegInf
	specialNaN
)

// normalizeEvery bounds the additions between carries: each adds less than
// 2^32 to a digit, so no digit leaves int64.
const normalizeEvery = 1 << 30

// Add adds x to s.
func (s *Sum) Add(x float64) {
	b := math.Float64bits(x)
	e := int32(b >> 52 & 0x7ff)
	m := b & (1<<52 - 1)
	switch e {
	case 0x7ff:
		switch {
		case m != 0:
			s.special |= specialNaN
		case b>>63 == 0:
			s.special |= specialPosInf
		default:
			s.special |= specialNegInf
		}
		return
	case 0:
		if m == 0 {
			return
		}
		e = 1 // subnormal: m·2^-1074
	default:
		m |= 1 << 52
	}
	pos := e - 1 // |x| = m·2^pos units
	ci, sh := pos>>5, uint(pos&31)
	c0 := int64(m << sh & 0xffffffff)
	c1 := int64(m >> (32 - sh) & 0xffffffff)
	c2 := int64(m >> (64 - sh))
	i := ci - s.lo
	if s.d == nil || i < 0 || int(i)+3 > len(s.d) {
		s.grow(ci, ci+3)
		i = ci - s.lo
	}
	d := s.d[i : i+3]
	if b>>63 == 0 {
		d[0] += c0
		d[1] += c1
		d[2] += c2
	} else {
		d[0] -= c0
		d[1] -= c1
		d[2] -= c2
	}
	s.n++
	if s.n >= normalizeEvery {
		s.normalize()
	}
}

// grow widens the window to hold digits [from, to), with a digit to spare
// below and two above.
func (s *Sum) grow(from, to int32) {
	if s.d == nil {
		s.lo = from - 1
		s.d = make([]int64, to-from+3)
		return
	}
	lo, hi := min(s.lo, from-1), max(s.lo+int32(len(s.d)), to+2)
	d := make([]int64, hi-lo)
	copy(d[s.lo-lo:], s.d)
	s.lo, s.d = lo, d
}

// normalize propagates carries: every digit but the top one in [0, 2^32),
// the top one signed (the sign of the sum).
func (s *Sum) normalize() {
	s.d = carry(s.d)
	s.n = 0
}

// carry normalizes the digits d, appending a digit for a carry out of the
// top one.
func carry(d []int64) []int64 {
	var c int64
	for i := range d {
		v := d[i] + c
		d[i] = v & 0xffffffff
		c = v >> 32
	}
	if c != 0 {
		d = append(d, c)
	}
	return d
}

// Merge adds the values added to o to s. o is not changed.
func (s *Sum) Merge(o *Sum) {
	s.special |= o.special
	if len(o.d) == 0 {
		return
	}
	od := carry(append([]int64(nil), o.d...)) // also a copy for s == o
	olo := o.lo
	s.grow(olo, olo+int32(len(od)))
	for i, v := range od {
		s.d[olo-s.lo+int32(i)] += v
	}
	// Every normalized digit is below 2^32 in magnitude: one addition.
	s.n++
	if s.n >= normalizeEvery {
		s.normalize()
	}
}

// Value returns the exact sum rounded to the nearest float64, ties to even.
func (s *Sum) Value() float64 {
	switch {
	case s.special&specialNaN != 0 || s.special == specialPosInf|specialNegInf:
		return math.NaN()
	case s.special == specialPosInf:
		return math.Inf(1)
	case s.special == specialNegInf:
		return math.Inf(-1)
	}
	s.normalize()
	d := s.d
	h := len(d) - 1
	for h >= 0 && d[h] == 0 {
		h--
	}
	if h < 0 {
		return 0
	}
	if d[h] > 0 {
		return roundDigits(d[:h+1], s.lo, 1)
	}
	neg := make([]int64, h+1)
	for i := range neg {
		neg[i] = -d[i]
	}
	neg = carry(neg)
	for len(neg) > 0 && neg[len(neg)-1] == 0 {
		neg = neg[:len(neg)-1]
	}
	return roundDigits(neg, s.lo, -1)
}

// roundDigits returns sign·(the non-negative number of normalized digits d, the
// top one non-zero, d[0] weighing 2^(32·lo) units of 2^-1074) rounded to
// float64, ties to even.
func roundDigits(d []int64, lo int32, sign float64) float64 {
	h := len(d) - 1
	at := func(i int) uint64 {
		if i < 0 {
			return 0
		}
		return uint64(d[i])
	}
	hi64 := at(h)<<32 | at(h-1)
	lo64 := at(h-2)<<32 | at(h-3)
	sticky := false
	for i := h - 4; i >= 0 && !sticky; i-- {
		sticky = d[i] != 0
	}
	lz := uint(bits.LeadingZeros64(hi64)) // < 32: the top digit is non-zero
	w := hi64<<lz | lo64>>(64-lz)
	if lo64<<lz != 0 {
		sticky = true
	}
	// w holds the bits L down to L−63 of the number, L its leading bit.
	L := 32*(int(lo)+h-1) + 63 - int(lz)
	if L < 53 { // below 2^53 units: exact
		return sign * math.Ldexp(float64(w>>uint(63-L)), -1074)
	}
	mant, rest := w>>11, w&0x7ff
	if rest > 0x400 || (rest == 0x400 && (sticky || mant&1 == 1)) {
		mant++
	}
	return sign * math.Ldexp(float64(mant), L-52-1074)
}

// Reset empties s, keeping its digits' storage.
func (s *Sum) Reset() {
	clear(s.d)
	s.n, s.special = 0, 0
}
