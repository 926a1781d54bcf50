// Package hex0x decodes and encodes the fixed-width hex strings of Ethereum:
// 20-byte addresses and 32-byte hashes written as "0x" and 40 or 64 hex
// digits. They are most of the bytes of a trade file, so on amd64 with AVX2
// a string is decoded 32 digits per instruction sequence (~4× the
// table-driven loop); elsewhere, and for other widths, a table is used. Both
// ways accept exactly the same strings and give the same bytes
// (TestMatchesTable, FuzzDecode). Encoding goes through a table of digit
// pairs: an AVX2 encoder was 2.5× as fast alone but changed nothing in a
// whole flags file, whose writing waits on memory.
package hex0x

import (
	"encoding/binary"
	"slices"
)

// unhex maps an ASCII byte to its hex value, or 0xff.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// Decode0x decodes s, "0x" (or "0X") followed by exactly 2*len(dst) hex
// digits of any case, into dst, and reports whether s had that form. On
// false dst holds unspecified bytes.
func Decode0x(dst []byte, s string) bool {
	if len(s) != 2+2*len(dst) || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return false
	}
	switch {
	case len(dst) == 20 && useAVX2:
		return decode40(&dst[0], s[2:])
	case len(dst) == 32 && useAVX2:
		return decode64(&dst[0], s[2:])
	}
	return decodeTable(dst, s[2:])
}

// decodeTable decodes the 2*len(dst) hex digits of s into dst, a byte at a
// time through unhex.
func decodeTable(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := unhex[s[2*i]], unhex[s[2*i+1]]
		if hi|lo == 0xff {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

// Append appends "0x" and the lower-case hex digits of p to b, as
// hex.AppendEncode would after the prefix.
func Append(b, p []byte) []byte {
	n := 2 + 2*len(p)
	b = slices.Grow(b, n)
	d := b[len(b) : len(b)+n]
	d[0], d[1] = '0', 'x'
	encodeTable(d[2:], p)
	return b[:len(b)+n]
}

// encodeTable writes the 2*len(p) hex digits of p to d, a byte pair at a
// time from hexPairs, four pairs to a store.
func encodeTable(d, p []byte) {
	for len(p) >= 4 && len(d) >= 8 {
		binary.LittleEndian.PutUint64(d, uint64(hexPairs[p[0]])|uint64(hexPairs[p[1]])<<16|
			uint64(hexPairs[p[2]])<<32|uint64(hexPairs[p[3]])<<48)
		p, d = p[4:], d[8:]
	}
	for i, c := range p {
		binary.LittleEndian.PutUint16(d[2*i:], hexPairs[c])
	}
}

// hexPairs holds, for each byte, its two lower-case hex digits as a
// little-endian uint16 (first digit in the low byte).
var hexPairs = func() (t [256]uint16) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = uint16(digits[i>>4]) | uint16(digits[i&15])<<8
	}
	return t
}()
