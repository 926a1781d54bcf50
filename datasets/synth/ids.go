package synth

import (
	"encoding/binary"
	"math/big"
	"strconv"

	"github.com/washscan/washscan/datasets"
)

// Address kinds: every synthetic address is derived from (seed, kind, index),
// so no address table is stored and no two derived addresses collide.
const (
	kindWallet       = 1 // organic and wash wallets share one index space
	kindExchange     = 2 // exchange hot wallets (huge funder fan-out)
	kindFriendFunder = 3 // a person funding a small group of friends
	kindOwnFunder    = 4 // a person funding one wallet
	kindWashFunder   = 5 // fresh funder created for one wash group
	kindCollection   = 6 // NFT contracts
	kindERC20        = 7 // ERC-20 contracts
	kindPool         = 8 // the DEX pool of an ERC-20
	kindTx           = 9 // transaction hashes
	kindTokenID      = 10
)

// mix64 is the splitmix64 finalizer: a bijection on uint64 with good avalanche.
func mix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

// keyed returns the first word of a derived identifier. It is a bijection of
// (kind, idx) for a fixed salt (idx < 2^56), which makes every derived address
// and hash unique within one seed.
func keyed(salt, kind, idx uint64) uint64 { return mix64(salt ^ (kind<<56 | idx)) }

// deriveAddress returns the address of (kind, idx).
func deriveAddress(salt uint64, kind int, idx uint64) datasets.Address {
	var a datasets.Address
	h := keyed(salt, uint64(kind), idx)
	binary.BigEndian.PutUint64(a[0:8], h)
	binary.BigEndian.PutUint64(a[8:16], mix64(h+0x9e3779b97f4a7c15))
	binary.BigEndian.PutUint32(a[16:20], uint32(mix64(h+0x3c6ef372fe94f82a)))
	return a
}

// deriveHash returns the transaction hash number n.
func deriveHash(salt uint64, n uint64) datasets.Hash {
	var x datasets.Hash
	h := keyed(salt, kindTx, n)
	binary.BigEndian.PutUint64(x[0:8], h)
	binary.BigEndian.PutUint64(x[8:16], mix64(h+0x9e3779b97f4a7c15))
	binary.BigEndian.PutUint64(x[16:24], mix64(h+0x3c6ef372fe94f82a))
	binary.BigEndian.PutUint64(x[24:32], mix64(h+0xdaa66d2c7ddf743f))
	return x
}

// bigTokenID returns a 256-bit token id (ENS-style hashed ids) in decimal.
func bigTokenID(salt, collection, local uint64) string {
	var b [32]byte
	h := keyed(salt, kindTokenID, collection<<24|local)
	binary.BigEndian.PutUint64(b[0:8], h)
	binary.BigEndian.PutUint64(b[8:16], mix64(h+1))
	binary.BigEndian.PutUint64(b[16:24], mix64(h+2))
	binary.BigEndian.PutUint64(b[24:32], mix64(h+3))
	return new(big.Int).SetBytes(b[:]).String()
}

// unit returns a deterministic number in [0,1) from (salt, kind, idx).
func unit(salt uint64, kind int, idx uint64) float64 {
	return float64(keyed(salt^0x5851f42d4c957f2d, uint64(kind), idx)>>11) / (1 << 53)
}

// appendFixed appends v/10^dec with exactly dec decimals (v ≥ 0).
func appendFixed(dst []byte, v int64, dec int) []byte {
	if dec == 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	p := int64(1)
	for range dec {
		p *= 10
	}
	dst = strconv.AppendInt(dst, v/p, 10)
	dst = append(dst, '.')
	f := v % p
	for q := p / 10; q > 0; q /= 10 {
		dst = append(dst, byte('0'+f/q))
		f %= q
	}
	return dst
}
