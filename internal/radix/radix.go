// Package radix is washscan's one radix sort: an LSD sort of 11-bit digits
// of integer keys, used where the detectors and the market tests sort long
// lists of ids, rows or prices, and where the loader sorts addresses.
package radix

// Key is an integer sorted by its bits: a signed key must be non-negative
// (or biased) for its bits to order it.
type Key interface {
	~uint32 | ~uint64 | ~int64
}

const (
	digitBits = 11
	digits    = 1 << digitBits
)

// Sort sorts keys stably by their bits [lo, hi), ascending (other bits are
// ignored), by an LSD radix sort of 11-bit digits; digits every key shares
// are skipped. tmp is scratch space, grown when shorter than keys and
// returned for the next call. Time O(len(keys)·(hi−lo)/11).
func Sort[K Key](keys, tmp []K, lo, hi uint) []K {
	tmp, _ = SortWith[K, struct{}](keys, nil, tmp, nil, lo, hi)
	return tmp
}

// SortWith is Sort moving vals (nil, or as long as keys) along with keys:
// vals[i] stays with keys[i]. ktmp and vtmp are scratch space, returned.
func SortWith[K Key, V any](keys []K, vals []V, ktmp []K, vtmp []V, lo, hi uint) ([]K, []V) {
	if len(keys) < 2 || hi <= lo {
		return ktmp, vtmp
	}
	carry := vals != nil
	if cap(ktmp) < len(keys) {
		ktmp = make([]K, len(keys))
	}
	if carry && cap(vtmp) < len(vals) {
		vtmp = make([]V, len(vals))
	}
	src, dst := keys, ktmp[:len(keys)]
	vsrc, vdst := vals, vtmp[:len(vals)]
	var count [digits]int
	for shift := lo; shift < hi; shift += digitBits {
		m := uint64(digits - 1)
		if hi-shift < digitBits {
			m = 1<<(hi-shift) - 1
		}
		clear(count[:])
		for _, k := range src {
			count[uint64(k)>>shift&m]++
		}
		if count[uint64(src[0])>>shift&m] == len(src) {
			continue // every key has this digit
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		if carry {
			for i, k := range src {
				d := uint64(k) >> shift & m
				dst[count[d]], vdst[count[d]] = k, vsrc[i]
				count[d]++
			}
		} else {
			for _, k := range src {
				d := uint64(k) >> shift & m
				dst[count[d]] = k
				count[d]++
			}
		}
		src, dst = dst, src
		vsrc, vdst = vdst, vsrc
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
		copy(vals, vsrc)
	}
	return ktmp, vtmp
}
