package datasets

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strconv"
)

// The dictionaries below are open-addressing hash tables with linear probing
// whose slots hold only integers (no pointers), so the garbage collector never
// scans them and a lookup costs one or two cache misses. Hashes are seeded
// per process (against inputs crafted to collide); ids never depend on them.

var hashSeed = rand.Uint64() | 1

const (
	mixK1 = 0xa0761d6478bd642f
	mixK2 = 0xe7037ed1a0b428db
	mixK3 = 0x8ebc6af09c88c6e3
)

// mix is the 64×64→128-bit multiply-fold of wyhash.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hashAddr hashes a 20-byte address.
func hashAddr(a *Address) uint64 {
	x := binary.LittleEndian.Uint64(a[0:8])
	y := binary.LittleEndian.Uint64(a[8:16])
	z := uint64(binary.LittleEndian.Uint32(a[16:20]))
	return mix(mix(x^hashSeed, y^mixK1)^z, mixK2)
}

// hashBytes hashes a short byte string.
func hashBytes(s []byte) uint64 {
	h := hashSeed ^ uint64(len(s))*mixK3
	for len(s) >= 8 {
		h = mix(h^binary.LittleEndian.Uint64(s), mixK1)
		s = s[8:]
	}
	var t uint64
	for i, c := range s {
		t |= uint64(c) << (8 * i)
	}
	return mix(h^t, mixK2)
}

// eqAddr compares two addresses word by word (no memequal call).
func eqAddr(x, y *Address) bool {
	return binary.LittleEndian.Uint64(x[0:8]) == binary.LittleEndian.Uint64(y[0:8]) &&
		binary.LittleEndian.Uint64(x[8:16]) == binary.LittleEndian.Uint64(y[8:16]) &&
		binary.LittleEndian.Uint32(x[16:20]) == binary.LittleEndian.Uint32(y[16:20])
}

// tableSize returns the power-of-two slot count for n keys at load ≤ 5/8.
func tableSize(n int) int {
	s := 1 << 10
	for s*5/8 < n {
		s <<= 1
	}
	return s
}

// addrSlot is one slot of addrIndex: the address is stored in the slot so
// that a lookup usually costs one cache miss. id 0 marks an empty slot.
type addrSlot struct {
	a  Address
	id AddrID
}

// addrIndex maps addresses to ids ≥ 1 (id 0, the empty address, is never indexed).
type addrIndex struct {
	slots []addrSlot
	n     int
}

func (x *addrIndex) find(a *Address, h uint64) (AddrID, uint64) {
	if len(x.slots) == 0 {
		return 0, 0
	}
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.id == 0 {
			return 0, i
		}
		if eqAddr(&s.a, a) {
			return s.id, i
		}
	}
}

func (x *addrIndex) grow(want int) {
	n := tableSize(want)
	if n <= len(x.slots) {
		return
	}
	old := x.slots
	x.slots = make([]addrSlot, n)
	adviseHuge(x.slots)
	mask := uint64(n - 1)
	for j := range old {
		s := &old[j]
		if s.id == 0 {
			continue
		}
		i := hashAddr(&s.a) & mask
		for x.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = *s
	}
}

// contractCache maps every contract seen so far to its id. Contracts are
// few and repeat, so a table of their own stays in cache and spares a probe
// of the large address index per row. (A direct-mapped cache of 16 Ki slots
// missed ~40% of the rows of a 10,000-collection market.)
type contractCache struct{ x addrIndex }

func (c *contractCache) get(a *Address, h uint64) (AddrID, bool) {
	id, _ := c.x.find(a, h)
	return id, id != 0
}

// put adds a, not in the cache, with id ≥ 1; h is hashAddr(a).
func (c *contractCache) put(a *Address, h uint64, id AddrID) {
	c.x.grow(c.x.n + 1)
	_, i := c.x.find(a, h)
	c.x.slots[i] = addrSlot{*a, id}
	c.x.n++
}

// tokKey is a token id in compact form: kind tokEmpty (""), tokSmall (a
// canonical decimal of at most 19 digits, value v) or tokRaw (any other
// string; in an asset record v is its offset in the raw arena).
type tokKey struct {
	v    uint64
	n    uint32 // raw: length
	kind uint8
}

const (
	tokEmpty uint8 = iota
	tokSmall
	tokRaw
)

// smallToken reports whether s is a canonical decimal ("0" or no leading
// zero) of at most 19 digits, and its value.
func smallToken(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 19 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + uint64(c)
	}
	return v, true
}

// tokKeyOf returns the compact key of s (raw keys get v = 0, unset).
func tokKeyOf(s string) tokKey {
	if s == "" {
		return tokKey{kind: tokEmpty}
	}
	if v, ok := smallToken(s); ok {
		return tokKey{v: v, kind: tokSmall}
	}
	return tokKey{n: uint32(len(s)), kind: tokRaw}
}

// assetRec is an interned asset: contract id and compact token id
// (nk = kind<<30 | raw length). 16 bytes, no pointers.
type assetRec struct {
	v  uint64
	c  AddrID
	nk uint32
}

func (r *assetRec) kind() uint8 { return uint8(r.nk >> 30) }
func (r *assetRec) n() uint32   { return r.nk & (1<<30 - 1) }

// assetHash hashes (contract, token); raw is the token text for tokRaw.
func assetHash(c AddrID, kind uint8, v uint64, raw []byte) uint64 {
	switch kind {
	case tokSmall:
		return mix(uint64(c)^hashSeed, v^mixK1)
	case tokRaw:
		return mix(uint64(c)^hashSeed, hashBytes(raw)^mixK2)
	}
	return mix(uint64(c)^hashSeed, mixK3)
}

// find looks (c, k) up; raw is the token text for tokRaw keys. Slots hold
// hash high 32 bits << 32 | id+1 (0 empty).
func (a *Assets) find(c AddrID, k *tokKey, raw []byte, h uint64) (AssetID, bool, uint64) {
	mask := uint64(len(a.slots) - 1)
	tag := h &^ 0xffffffff
	nk := uint32(k.kind)<<30 | k.n
	for i := h & mask; ; i = (i + 1) & mask {
		s := a.slots[i]
		if s == 0 {
			return 0, false, i
		}
		if s&^0xffffffff != tag {
			continue
		}
		id := uint32(s) - 1
		r := &a.rec[id]
		if r.c != c || r.nk != nk {
			continue
		}
		switch k.kind {
		case tokSmall:
			if r.v != k.v {
				continue
			}
		case tokRaw:
			if string(a.raw[r.v:r.v+uint64(r.n())]) != string(raw) {
				continue
			}
		}
		return id, true, i
	}
}

func (a *Assets) growIndex(want int) {
	n := tableSize(want)
	if n <= len(a.slots) {
		return
	}
	a.slots = make([]uint64, n)
	adviseHuge(a.slots)
	mask := uint64(n - 1)
	for id := range a.rec {
		r := &a.rec[id]
		var raw []byte
		if r.kind() == tokRaw {
			raw = a.raw[r.v : r.v+uint64(r.n())]
		}
		h := assetHash(r.c, r.kind(), r.v, raw)
		i := h & mask
		for a.slots[i] != 0 {
			i = (i + 1) & mask
		}
		a.slots[i] = h&^0xffffffff | uint64(id+1)
	}
}

// reserve makes room for n more asset records (one per row at worst) and
// sizes the index for n/8 more: sized for n it would be ~10× larger than
// an NFT market needs (10M sales of 1M NFTs), and a sparse table is as
// resident as a full one (every page holds a few entries) and misses the
// cache more. It grows as assets come.
func (a *Assets) reserve(n int) {
	a.growIndex(len(a.rec) + n/8)
	a.rec = reserveCap(a.rec, n)
}

// internKey returns the id of (c, k), adding it if new; raw is the token text
// for tokRaw keys. It does not extend Contract (the caller does) nor TokenID
// (see materialize).
func (a *Assets) internKey(c AddrID, k tokKey, raw []byte) AssetID {
	return a.internHash(c, k, raw, assetHash(c, k.kind, k.v, raw))
}

// internHash is internKey with h = assetHash(c, k.kind, k.v, raw) given.
func (a *Assets) internHash(c AddrID, k tokKey, raw []byte, h uint64) AssetID {
	if len(a.rec)+1 > len(a.slots)*5/8 {
		a.growIndex(len(a.rec) + 1)
	}
	id, ok, slot := a.find(c, &k, raw, h)
	if ok {
		return id
	}
	id = AssetID(len(a.rec))
	if k.kind == tokRaw {
		k.v = uint64(len(a.raw))
		a.raw = append(a.raw, raw...)
	}
	a.rec = append(a.rec, assetRec{v: k.v, c: c, nk: uint32(k.kind)<<30 | k.n})
	a.slots[slot] = h&^0xffffffff | uint64(id+1)
	return id
}

// lookupKey returns the id of (c, k) if interned.
func (a *Assets) lookupKey(c AddrID, k *tokKey, raw []byte) (AssetID, bool) {
	return a.lookupHash(c, k, raw, assetHash(c, k.kind, k.v, raw))
}

// lookupHash is lookupKey with h = assetHash(c, k.kind, k.v, raw) given.
func (a *Assets) lookupHash(c AddrID, k *tokKey, raw []byte, h uint64) (AssetID, bool) {
	if len(a.slots) == 0 {
		return 0, false
	}
	id, ok, _ := a.find(c, k, raw, h)
	return id, ok
}

// fixContracts sets the contract of every asset record from Contract (the
// loader's stage A numbers contracts privately) and frees the index, which
// is rebuilt on demand.
func (a *Assets) fixContracts() {
	for i := range a.rec {
		a.rec[i].c = a.Contract[i]
	}
	a.slots = nil
}

// renumberContracts maps the contract id of every asset through newID
// (SortAddrs): asset ids stay and the index, keyed by contract id, is
// rebuilt, so that Lookup on the finished table only reads.
func (a *Assets) renumberContracts(newID []AddrID) {
	a.materialize()
	for i, c := range a.Contract {
		a.Contract[i] = newID[c]
	}
	if len(a.rec) != len(a.Contract) {
		// Not built by Intern (no records): rebuild them from the columns.
		a.rec, a.raw = a.rec[:0], a.raw[:0]
		for i, c := range a.Contract {
			k := tokKeyOf(a.TokenID[i])
			if k.kind == tokRaw {
				k.v = uint64(len(a.raw))
				a.raw = append(a.raw, a.TokenID[i]...)
			}
			a.rec = append(a.rec, assetRec{v: k.v, c: c, nk: uint32(k.kind)<<30 | k.n})
		}
	}
	for i := range a.rec {
		a.rec[i].c = a.Contract[i]
	}
	a.slots = nil
	a.growIndex(len(a.rec))
}

// trim reallocates the columns the loader reserved for one asset per row
// to the assets there are.
func (a *Assets) trim() {
	a.Contract = trimCap(a.Contract)
	a.rec = trimCap(a.rec)
	a.raw = trimCap(a.raw)
}

// trimCap returns s, copied to a slice of its length when more than an
// eighth of its capacity is unused.
func trimCap[T any](s []T) []T {
	if cap(s)-len(s) <= cap(s)/8 {
		return s
	}
	return append(make([]T, 0, len(s)), s...)
}

// materialize extends TokenID to every asset, writing the decimal strings of
// the new ones into shared strings of up to 1<<20 ids each.
func (a *Assets) materialize() {
	if len(a.TokenID) == len(a.rec) {
		return
	}
	tok := reserveCap(a.TokenID, len(a.rec)-len(a.TokenID))
	var (
		buf  []byte
		ends []int
	)
	for from := len(tok); from < len(a.rec); {
		to := min(from+1<<20, len(a.rec))
		buf, ends = buf[:0], ends[:0]
		for id := from; id < to; id++ {
			r := &a.rec[id]
			switch r.kind() {
			case tokSmall:
				buf = strconv.AppendUint(buf, r.v, 10)
			case tokRaw:
				buf = append(buf, a.raw[r.v:r.v+uint64(r.n())]...)
			}
			ends = append(ends, len(buf))
		}
		s := string(buf)
		start := 0
		for _, e := range ends {
			tok = append(tok, s[start:e])
			start = e
		}
		from = to
	}
	a.TokenID = tok
}
