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
// value is read. The window grows to the digits the values touch.
// Infinite and NaN inputs are kept aside: +Inf and −Inf together, or a NaN,
// give NaN.
//
// Values of magnitude in [2^-11, 2^40) — prices, in practice — take a
// faster path first: such a value is an integer number of 2^-64, below
// 2^104 of them, so it is added to a 128-bit two's-complement fixed-point
// total held in the struct (no memory but the Sum's own), which moves into
// the digits every 2^22 additions, before it could overflow, and when the
// value is read. The digits, needed only for other values and for reading,
// live behind a pointer, so a Sum is 32 bytes: the scopes of a metrics
// computation touch few cache lines per row.
//
// The zero Sum is an empty sum, whose Value is 0. Copy a Sum with Merge
// into a zero Sum, not by assignment (the digits would be shared).
type Sum struct {
	fx [2]uint64 // fixed-point total in units of 2^-64: fx[1]·2^64 + fx[0], two's complement
	fn int32     // additions to fx since it was last moved into the digits
	g  *digits   // the rest; nil until needed
}

// digits is a Sum's superaccumulator and its special values.
type digits struct {
	lo      int32   // digit index of d[0]: d[i] weighs 2^(32·(lo+i)) units
	n       int32   // additions since the digits were last normalized
	special uint8   // specialPosInf | specialNegInf | specialNaN
	d       []int64 // the digits
}

// fxEvery bounds the additions to the fixed-point total: each is below 2^104
// in magnitude, so 2^22 of them stay below 2^126.
const fxEvery = 1 << 22

// fxDigit and fxBit place the fixed-point total's unit, 2^-64 = 2^1010 units
// of 2^-1074, in the digits: digit 31, bit 18.
const fxDigit, fxBit = 1010 / 32, 1010 % 32

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
	// |x| in [2^-11, 2^40): biased exponents 1012 to 1062; then
	// |x|·2^64 = m·2^(e−1011), a shift of 1 to 51.
	if e >= 1012 && e < 1063 {
		if s.fn >= fxEvery {
			s.flushFixed()
		}
		m := b&(1<<52-1) | 1<<52
		sh := uint(e - 1011)
		lo, hi := m<<sh, m>>(64-sh)
		var c uint64
		if b>>63 == 0 {
			s.fx[0], c = bits.Add64(s.fx[0], lo, 0)
			s.fx[1], _ = bits.Add64(s.fx[1], hi, c)
		} else {
			s.fx[0], c = bits.Sub64(s.fx[0], lo, 0)
			s.fx[1], _ = bits.Sub64(s.fx[1], hi, c)
		}
		s.fn++
		return
	}
	s.dig().add(x)
}

// dig returns s's digits, allocating them.
func (s *Sum) dig() *digits {
	if s.g == nil {
		s.g = &digits{}
	}
	return s.g
}

// flushFixed moves the fixed-point total into the digits.
func (s *Sum) flushFixed() {
	if s.fx == [2]uint64{} {
		s.fn = 0
		return
	}
	ch, neg := s.fixedDigits()
	g := s.dig()
	i := int32(fxDigit) - g.lo
	if g.d == nil || i < 0 || int(i)+len(ch) > len(g.d) {
		g.grow(fxDigit, fxDigit+int32(len(ch)))
		i = int32(fxDigit) - g.lo
	}
	for k, c := range ch {
		if neg {
			g.d[int(i)+k] -= c
		} else {
			g.d[int(i)+k] += c
		}
	}
	s.fx, s.fn = [2]uint64{}, 0
	g.n++ // each digit moved by less than 2^32: one addition
	if g.n >= normalizeEvery {
		g.normalize()
	}
}

// fixedDigits returns the magnitude of the fixed-point total as normalized
// digits fxDigit … fxDigit+4, and its sign.
func (s *Sum) fixedDigits() (ch [5]int64, neg bool) {
	neg = int64(s.fx[1]) < 0
	lo, hi := s.fx[0], s.fx[1]
	if neg { // magnitude
		var c uint64
		lo, c = bits.Sub64(0, lo, 0)
		hi, _ = bits.Sub64(0, hi, c)
	}
	// Shift the 128-bit magnitude left by fxBit into three words (the
	// magnitude is below 2^127, so 146 bits).
	w0 := lo << fxBit
	w1 := hi<<fxBit | lo>>(64-fxBit)
	w2 := hi >> (64 - fxBit)
	return [5]int64{int64(w0 & 0xffffffff), int64(w0 >> 32), int64(w1 & 0xffffffff), int64(w1 >> 32), int64(w2)}, neg
}

// add adds x to the digits (or the special values).
func (g *digits) add(x float64) {
	b := math.Float64bits(x)
	e := int32(b >> 52 & 0x7ff)
	m := b & (1<<52 - 1)
	switch e {
	case 0x7ff:
		switch {
		case m != 0:
			g.special |= specialNaN
		case b>>63 == 0:
			g.special |= specialPosInf
		default:
			g.special |= specialNegInf
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
	i := ci - g.lo
	if g.d == nil || i < 0 || int(i)+3 > len(g.d) {
		g.grow(ci, ci+3)
		i = ci - g.lo
	}
	d := g.d[i : i+3]
	if b>>63 == 0 {
		d[0] += c0
		d[1] += c1
		d[2] += c2
	} else {
		d[0] -= c0
		d[1] -= c1
		d[2] -= c2
	}
	g.n++
	if g.n >= normalizeEvery {
		g.normalize()
	}
}

// grow widens the window to hold digits [from, to), with a digit to spare
// below and two above.
func (g *digits) grow(from, to int32) {
	if g.d == nil {
		g.lo = from - 1
		g.d = make([]int64, to-from+3)
		return
	}
	lo, hi := min(g.lo, from-1), max(g.lo+int32(len(g.d)), to+2)
	d := make([]int64, hi-lo)
	copy(d[g.lo-lo:], g.d)
	g.lo, g.d = lo, d
}

// normalize propagates carries: every digit but the top one in [0, 2^32),
// the top one signed (the sign of the sum).
func (g *digits) normalize() {
	g.d = carry(g.d)
	g.n = 0
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

// Merge adds the values added to o to s. o is not changed; s may be o.
func (s *Sum) Merge(o *Sum) {
	// Read all of o before s changes.
	ofx, ofn := o.fx, o.fn
	var od []int64
	var olo int32
	var ospecial uint8
	if o.g != nil {
		ospecial, olo = o.g.special, o.g.lo
		if len(o.g.d) > 0 {
			od = carry(append([]int64(nil), o.g.d...))
		}
	}
	if ospecial != 0 {
		s.dig().special |= ospecial
	}
	if ofn > 0 || ofx != ([2]uint64{}) {
		if s.fn+ofn >= fxEvery {
			s.flushFixed()
		}
		var c uint64
		s.fx[0], c = bits.Add64(s.fx[0], ofx[0], 0)
		s.fx[1], _ = bits.Add64(s.fx[1], ofx[1], c)
		s.fn += ofn
	}
	if len(od) == 0 {
		return
	}
	g := s.dig()
	g.grow(olo, olo+int32(len(od)))
	for i, v := range od {
		g.d[olo-g.lo+int32(i)] += v
	}
	// Every normalized digit is below 2^32 in magnitude: one addition.
	g.n++
	if g.n >= normalizeEvery {
		g.normalize()
	}
}

// Value returns the exact sum rounded to the nearest float64, ties to even.
func (s *Sum) Value() float64 {
	if s.g == nil { // only the fixed-point total: read it in place
		ch, neg := s.fixedDigits()
		h := len(ch) - 1
		for h >= 0 && ch[h] == 0 {
			h--
		}
		if h < 0 {
			return 0
		}
		sign := 1.0
		if neg {
			sign = -1
		}
		return roundDigits(ch[:h+1], fxDigit, sign)
	} else {
		switch sp := s.g.special; {
		case sp&specialNaN != 0 || sp == specialPosInf|specialNegInf:
			return math.NaN()
		case sp == specialPosInf:
			return math.Inf(1)
		case sp == specialNegInf:
			return math.Inf(-1)
		}
	}
	s.flushFixed()
	g := s.dig()
	g.normalize()
	d := g.d
	h := len(d) - 1
	for h >= 0 && d[h] == 0 {
		h--
	}
	if h < 0 {
		return 0
	}
	if d[h] > 0 {
		return roundDigits(d[:h+1], g.lo, 1)
	}
	neg := make([]int64, h+1)
	for i := range neg {
		neg[i] = -d[i]
	}
	neg = carry(neg)
	for len(neg) > 0 && neg[len(neg)-1] == 0 {
		neg = neg[:len(neg)-1]
	}
	return roundDigits(neg, g.lo, -1)
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
	s.fx, s.fn = [2]uint64{}, 0
	if g := s.g; g != nil {
		clear(g.d)
		g.n, g.special = 0, 0
	}
}
