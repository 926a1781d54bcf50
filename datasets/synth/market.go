package synth

import (
	"math"
	"math/rand/v2"

	"github.com/washscan/washscan/datasets"
)

// walkStep is the shortest time between two steps of a walk, in seconds.
const walkStep = 60

// Chains.
const (
	chainEthereum = iota
	chainPolygon
)

var chainNames = [...]string{"ethereum", "polygon"}

// chainState numbers blocks and logs on one chain.
type chainState struct {
	base      uint64 // block number at cfg.Start
	secs      int64  // block interval
	lastBlock uint64
	log       uint32
	started   bool
}

// Reference blocks near 2022-01-01T00:00:00Z, used to put block numbers in a
// realistic range; any Start works (numbers are shifted, never below 1).
const (
	refTime         = 1640995200
	refEthereum     = 13916166
	refPolygon      = 23201014
	ethBlockSeconds = 12
	polBlockSeconds = 2
)

func newChainState(ref uint64, secs, start int64) chainState {
	d := start - refTime
	blocks := d / secs
	if d < 0 && d%secs != 0 {
		blocks--
	}
	base := int64(ref) + blocks
	if base < 1 {
		base = 1
	}
	return chainState{base: uint64(base), secs: secs}
}

// walk is a geometric random walk sampled lazily: between two reads dt days
// apart, v ← v·exp(−σ²dt/2 + σ√dt·Z), Z ~ N(0,1), clamped to [lo, hi]. Reads
// less than walkStep seconds after the last step see the same value.
type walk struct {
	v, sigma, lo, hi float64
	t                int64
}

func (w *walk) at(r *rand.Rand, now int64) float64 {
	if now-w.t >= walkStep {
		dt := float64(now-w.t) / 86400
		w.v *= math.Exp(-0.5*w.sigma*w.sigma*dt + w.sigma*math.Sqrt(dt)*r.NormFloat64())
		w.v = min(max(w.v, w.lo), w.hi)
		w.t = now
	}
	return w.v
}

// collection is one NFT contract: tokens first..first+size-1 of the token arrays.
type collection struct {
	idx      int
	chain    int
	addr     datasets.Address
	first    uint32
	size     uint32
	floor    walk // in the chain's currency
	mint     float64
	launch   int64
	bigIDs   bool
	zeroBase bool
}

// erc20 is one fungible token traded against its DEX pool and between wallets.
type erc20 struct {
	idx   int
	addr  datasets.Address
	pool  datasets.Address
	price walk             // ETH per token
	bal   map[uint32]int64 // wallet → balance in hundredths of a token
}

// Platforms of organic NFT sales, with cumulative weights.
var (
	platforms   = [...]string{"opensea", "blur", "looksrare", "x2y2"}
	platformCum = [...]float64{0.45, 0.80, 0.90, 1.0}
)

func pickPlatform(r *rand.Rand) string {
	u := r.Float64()
	for i, c := range platformCum {
		if u < c {
			return platforms[i]
		}
	}
	return platforms[0]
}

// Special parties of a leg.
const (
	partyPool    = ^uint32(0)     // the ERC-20's DEX pool
	partyOutside = ^uint32(0) - 1 // an organic wallet picked when the leg fires
	partyOwner   = ^uint32(0) - 2 // the token's owner when the leg fires
	partyAll     = -1             // leg amount: the seller's whole balance
)
