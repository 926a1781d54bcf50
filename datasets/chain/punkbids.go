package chain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/washscan/washscan/datasets"
)

// DefaultPunkBidLookback is how many blocks before an accepted CryptoPunks
// bid ingest searches for the bid (about a year of mainnet blocks).
const DefaultPunkBidLookback = 2_600_000

// punkBid is a PunkBidEntered or PunkBidWithdrawn log.
type punkBid struct {
	block   uint64
	index   uint
	entered bool
	value   *big.Int
	bidder  datasets.Address
}

// punkBids is what is known of one punk's bid events: every one in blocks
// lo..hi (a contiguous range, empty when lo > hi), in chain order.
type punkBids struct {
	lo, hi uint64
	evs    []punkBid
}

type punkKey struct {
	contract datasets.Address
	index    common.Hash
}

func before(a punkBid, block uint64, index uint) bool {
	return a.block < block || a.block == block && a.index < index
}

// acceptedBid returns the bid an accepted CryptoPunks bid settles: the latest
// PunkBidEntered for the punk before the PunkBought at (block, index), unless
// a PunkBidWithdrawn came after it; nil when there is none within
// Config.PunkBidLookback blocks. The bid events of each punk are cached over
// the contiguous block range already read, so a punk sold again costs only
// the query of the blocks since. The query walks back from the sale in
// windows that halve on a provider's range limit and stops at the first
// window holding an event of that punk.
func (g *ingester) acceptedBid(ctx context.Context, contract datasets.Address, punk *big.Int, block uint64, index uint) (*punkBid, error) {
	key := punkKey{contract, common.BigToHash(punk)}
	pb := g.bids[key]
	if pb == nil {
		pb = &punkBids{lo: block + 1, hi: block}
		g.bids[key] = pb
	}
	floor := uint64(0)
	if block > g.cfg.PunkBidLookback {
		floor = block - g.cfg.PunkBidLookback
	}
	// Newer blocks: read them all, so the cached range stays contiguous.
	if block > pb.hi {
		from := max(pb.hi+1, floor)
		if pb.lo > pb.hi || pb.hi+1 < floor {
			pb.lo, pb.evs = from, nil // nothing cached, or too old to matter
		}
		evs, err := g.bidLogs(ctx, key, from, block, false)
		if err != nil {
			return nil, err
		}
		pb.evs, pb.hi = append(pb.evs, evs...), block
	}
	// Older blocks: walk back until an event of the punk turns up.
	for !slices.ContainsFunc(pb.evs, func(e punkBid) bool { return before(e, block, index) }) && pb.lo > floor {
		evs, err := g.bidLogs(ctx, key, floor, pb.lo-1, true)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			pb.lo = floor
			break
		}
		pb.evs, pb.lo = append(evs, pb.evs...), evs[0].block
		// The window that found them was read whole from its start, which
		// may be below evs[0].block; starting lo at evs[0].block is safe.
	}
	var last *punkBid
	for i := range pb.evs {
		if before(pb.evs[i], block, index) {
			last = &pb.evs[i]
		}
	}
	if last == nil || !last.entered {
		return nil, nil
	}
	return last, nil
}

// bidLogs reads the bid events of one punk in blocks lo..hi, in windows of
// at most PunkBidLookback blocks that halve when the node refuses the range.
// Backwards, it reads from hi down and returns the events of the first
// window (the latest) that has any; otherwise it reads everything, oldest
// first.
func (g *ingester) bidLogs(ctx context.Context, key punkKey, lo, hi uint64, backwards bool) ([]punkBid, error) {
	if lo > hi {
		return nil, nil
	}
	size := min(max(1, g.bidWindow), hi-lo+1)
	var out []punkBid
	for next := hi; ; {
		a, b := lo, next
		if backwards && b-lo+1 > size {
			a = b - size + 1
		}
		if !backwards {
			a, b = lo, min(hi, lo+size-1)
		}
		logs, err := g.n.filterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(a), ToBlock: new(big.Int).SetUint64(b),
			Addresses: []common.Address{common.Address(key.contract)},
			Topics:    [][]common.Hash{{TopicPunkBidEntered, TopicPunkBidWithdrn}, {key.index}},
		})
		var re *rangeError
		if errors.As(err, &re) {
			if a == b {
				return nil, fmt.Errorf("punk bids at block %d: the node refuses even a one-block log query: %w", a, re.err)
			}
			g.n.stats.splits.Add(1)
			size = max(1, (b-a+1)/2)
			g.bidWindow = size
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("punk bids in blocks %d-%d: %w", a, b, err)
		}
		evs, err := g.decodeBids(logs, key, a, b)
		if err != nil {
			return nil, err
		}
		if backwards {
			if len(evs) > 0 || a == lo {
				return evs, nil
			}
			next = a - 1
			continue
		}
		out = append(out, evs...)
		if b == hi {
			return out, nil
		}
		lo = b + 1
	}
}

func (g *ingester) decodeBids(logs []types.Log, key punkKey, a, b uint64) ([]punkBid, error) {
	var evs []punkBid
	for i := range logs {
		lg := &logs[i]
		if lg.Removed {
			continue
		}
		if lg.BlockNumber < a || lg.BlockNumber > b || datasets.Address(lg.Address) != key.contract {
			return nil, fmt.Errorf("node returned a log of block %d, contract %s for a bid query of blocks %d-%d", lg.BlockNumber, lg.Address, a, b)
		}
		ev, err := DecodePunk(lg)
		if err != nil || (ev.Kind != "bid" && ev.Kind != "withdrawn") || common.BigToHash(ev.Index) != key.index {
			if err == nil {
				err = fmt.Errorf("%w: not a bid of punk %s", ErrMalformed, new(big.Int).SetBytes(key.index[:]))
			}
			if err := g.bad(lg, err); err != nil {
				return nil, err
			}
			continue
		}
		evs = append(evs, punkBid{lg.BlockNumber, lg.Index, ev.Kind == "bid", ev.Price, ev.From})
	}
	slices.SortFunc(evs, func(x, y punkBid) int { return cmp.Or(cmp.Compare(x.block, y.block), cmp.Compare(x.index, y.index)) })
	return evs, nil
}
