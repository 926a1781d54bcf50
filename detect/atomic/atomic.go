package atomic

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
)

// Detector flags the legs of an asset's round trip within one transaction.
var Detector = &detect.Detector{
	Name: "atomic_round_trip",
	Doc: `An asset leaves a wallet and returns to it within one transaction (flash-loan style).

Among the rows of one asset in one transaction (same tx_hash), in log order, a
known wallet X that sells the asset in leg k and buys it back in a later leg m
closes a loop; legs k..m are flagged.`,
	Run:   run,
	Reach: detect.Instant, // the row itself / its transaction
}

// RoundTrip is one loop found by FindRoundTrips.
type RoundTrip struct {
	// Wallet is the wallet the asset left and returned to.
	Wallet uint32
	// Group is every row of the asset in the transaction, in log order.
	Group []int32
	// Legs are the rows from the one leaving Wallet to the one returning to it.
	Legs []int32
}

// FindRoundTrips appends to dst the round trips among the rows of asset a
// (features.Set.AssetTrades, canonical order), and returns it. Runs of rows
// in one second are found on the asset's contiguous trades
// (features.Set.AssetTradesAt), so an asset without any costs one sequential
// read per row. Group and Legs are allocated per transaction and stay valid
// after later calls. Time O(rows) when transactions of one block do not
// interleave, O(g log g) for a block's g rows otherwise.
func FindRoundTrips(f *features.Set, a datasets.AssetID, dst []RoundTrip) []RoundTrip {
	t := f.T
	rows, tr := f.AssetTrades(a), f.AssetTradesAt(a)
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && tr[j].Time == tr[i].Time {
			j++
		}
		if j-i >= 2 {
			run := rows[i:j]
			if !sameTx(f, run) {
				run = slices.Clone(run)
				slices.SortStableFunc(run, func(a, b int32) int {
					return bytes.Compare(t.TxHash[a][:], t.TxHash[b][:])
				})
			}
			for k := 0; k < len(run); {
				m := k + 1
				for m < len(run) && t.TxHash[run[m]] == t.TxHash[run[k]] {
					m++
				}
				if m-k >= 2 {
					dst = loops(f, run[k:m], dst)
				}
				k = m
			}
		}
		i = j
	}
	return dst
}

func sameTx(f *features.Set, rows []int32) bool {
	h := f.T.TxHash[rows[0]]
	for _, r := range rows[1:] {
		if f.T.TxHash[r] != h {
			return false
		}
	}
	return true
}

// loops finds the loops in one transaction's legs: a wallet selling in leg k
// and buying in a later leg m, matched earliest-first.
func loops(f *features.Set, g []int32, dst []RoundTrip) []RoundTrip {
	var group []int32
	// open[k] is the wallet that sold in leg k and has not had it back yet
	// (NoWallet once it has, or for an unknown seller). Groups are small, so
	// a linear scan beats a map; a long group costs O(g²) at worst.
	open := make([]uint32, 0, 8)
	for m, r := range g {
		if b := f.Buyer[r]; features.Known(b) {
			for k, w := range open {
				if w == b {
					if group == nil {
						group = slices.Clone(g)
					}
					dst = append(dst, RoundTrip{Wallet: b, Group: group, Legs: group[k : m+1]})
					open[k] = features.NoWallet
					break
				}
			}
		}
		s := f.Seller[r]
		if features.Known(s) && slices.Contains(open, s) {
			s = features.NoWallet // already open since an earlier leg
		}
		open = append(open, s)
	}
	return dst
}

func run(p *detect.Pass) (any, error) {
	f := p.Features
	var trips []RoundTrip
	for a := 0; a < f.T.Assets.Len(); a++ {
		if a%4096 == 0 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		trips = FindRoundTrips(f, datasets.AssetID(a), trips[:0])
		for _, rt := range trips {
			ev := fmt.Sprintf("%d-leg loop %s → … → %s in tx %s", len(rt.Legs),
				f.T.Addrs.String(rt.Wallet), f.T.Addrs.String(rt.Wallet), f.T.TxHash[rt.Legs[0]])
			for _, r := range rt.Legs {
				p.Report(r, 1, ev)
			}
		}
	}
	return nil, nil
}
