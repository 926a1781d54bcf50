// Package dexchurn is washscan's fungible churn detector for AMM pools
// (detector name "dex_churn"), after the rules Chainalysis published in
// 2025 for wash trading on decentralized exchanges:
//
//  1. the same wallet buys a token and sells it again within 25 blocks at
//     prices less than 1% apart (in USD), three or more times;
//  2. one funder dispersed funds to five or more wallets that then trade the
//     same token.
//
// A row is flagged when it is a leg of such a round trip (rule 1) by a
// wallet whose first funder funded at least min_cluster wallets that trade
// the same token (rule 2). Both rules must hold: market makers and
// arbitrage bots buy and sell within blocks all day (rule 1 alone), and
// exchanges fund thousands of wallets that trade every pool (rule 2 alone);
// a funder of more than max_fanout wallets in total, or one listed in
// --deny-funders, links nobody, as for common_funder.
//
// Per ERC-20 token (one asset), rows are read in canonical order; each buy
// by a wallet waits for the wallet's next sell of the token: without
// block_number on either row, 25 blocks reads as window_seconds (5 minutes);
// prices compare in price_usd when both rows have it, else in the row's
// price. The buy pairs with the most recent open buy in the window whose
// price is within max_price_diff. Time O(N) expected; memory O(open buys).
package dexchurn

import (
	"math"
	"slices"
	"strconv"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/features"
)

// Detector flags fast, price-neutral buy/sell round trips of ERC-20 tokens
// by wallets of one funder's cluster.
var Detector = &detect.Detector{
	Name: "dex_churn",
	Doc: `fungible churn: a funder's wallets buying and selling a token back within blocks, again and again

After Chainalysis' 2025 DEX rules: a wallet buys an ERC-20 token and sells it
within blocks (25) at prices less than 1% apart, min_round_trips (3) or more
times, and its first funder funded min_cluster (5) or more wallets that trade
the same token. Both legs of every such round trip are flagged. Funders of
more than max_fanout wallets (exchanges) and --deny-funders link nobody.`,
	Params: []*detect.Param{paramBlocks, paramWindowSeconds, paramMaxPriceDiff, paramMinRoundTrips, paramMinCluster, paramMaxFanout, paramWindow},
	Run:    run,
	// A round trip closes within maxPairTime; a trip counts the wallet's
	// trips and its funder's wallets within window of it. The pairing is
	// greedy (most recent open buy first), so strictly a wallet's chain of
	// back-to-back unmatched buys on one token could carry further; a gap
	// of maxPairTime without an open buy ends every chain.
	Reach: func(p detect.ParamReader) (int64, bool) { return p.Duration(paramWindow) + maxPairTime, true },
}

// maxPairTime bounds the time between the two legs of a round trip also
// when both have block numbers (25 blocks are minutes on every chain).
const maxPairTime = 86400

// The parameters of Detector.
var (
	paramBlocks        = &detect.Param{Name: "blocks", Kind: detect.Int, Default: "25", Doc: "most blocks between a buy and the sell that closes it"}
	paramWindowSeconds = &detect.Param{Name: "window_seconds", Kind: detect.Duration, Default: "5m", Doc: "the same, when a row has no block_number"}
	paramMaxPriceDiff  = &detect.Param{Name: "max_price_diff", Kind: detect.Number, Default: "0.01", Max: 1, Doc: "largest relative price difference of the two legs"}
	paramMinRoundTrips = &detect.Param{Name: "min_round_trips", Kind: detect.Int, Default: "3", Min: 1, Doc: "fewest round trips of a wallet on a token"}
	paramMinCluster    = &detect.Param{Name: "min_cluster", Kind: detect.Int, Default: "5", Min: 1, Doc: "fewest wallets of one funder trading the token"}
	paramMaxFanout     = &detect.Param{Name: "max_fanout", Kind: detect.Int, Default: "50", Doc: "funders of more wallets than this (exchanges) link nobody"}
	paramWindow        = &detect.Param{Name: "window", Kind: detect.Duration, Default: "7d", Min: 1, Doc: "a round trip counts the wallet's round trips and its funder's wallets trading the token within this time of it"}
)

type config struct {
	window     int64
	blocks     uint64
	seconds    int64
	diff       float64
	minTrips   int
	minCluster int
	maxFanout  int
}

type trip struct{ buy, sell int32 } // rows

func run(pass *detect.Pass) (any, error) {
	f := pass.Features
	t := f.T
	if pass.Funders == nil {
		return nil, nil // rule 2 cannot hold
	}
	cfg := config{
		blocks:     uint64(max(pass.Int(paramBlocks), 0)),
		seconds:    pass.Duration(paramWindowSeconds),
		diff:       pass.Float(paramMaxPriceDiff),
		minTrips:   max(pass.Int(paramMinRoundTrips), 1),
		minCluster: max(pass.Int(paramMinCluster), 1),
		maxFanout:  pass.Int(paramMaxFanout),
		window:     pass.Duration(paramWindow),
	}
	// Fan-out of every funder (wallets it funded first).
	fanout := map[datasets.AddrID]int{}
	for w := 0; w < pass.Funders.Len(); w++ {
		if fu := pass.Funders.Of(datasets.AddrID(w)); fu != datasets.NoAddr {
			fanout[fu]++
		}
	}
	// linker[w] is wallet w's first funder when it can link (rule 2), else
	// NoAddr: computed once per wallet, so the scan keeps open buys only
	// for wallets that can qualify.
	linker := make([]datasets.AddrID, t.Addrs.Len()+1)
	for w := range linker {
		fu := pass.Funders.Of(datasets.AddrID(w))
		if fu == datasets.NoAddr || pass.DenyFunders[fu] || (cfg.maxFanout > 0 && fanout[fu] > cfg.maxFanout) {
			fu = datasets.NoAddr
		}
		linker[w] = fu
	}
	funderOf := func(w uint32) datasets.AddrID {
		if int(w) >= len(linker) {
			return datasets.NoAddr
		}
		return linker[w]
	}
	price := func(r int32) float64 {
		if u := t.PriceUSD[r]; u > 0 && !math.IsNaN(u) {
			return u
		}
		return t.Price[r]
	}
	near := func(b, s int32) bool {
		if t.Block[b] > 0 && t.Block[s] > 0 {
			return t.Block[s] >= t.Block[b] && t.Block[s]-t.Block[b] <= cfg.blocks && t.Time[s]-t.Time[b] <= maxPairTime
		}
		return t.Time[s]-t.Time[b] <= cfg.seconds
	}
	var buf []byte
	open := map[uint32][]int32{} // wallet → open buys (rows), oldest first
	trips := map[uint32][]trip{}
	for a := 0; a < t.Assets.Len(); a++ {
		if a%1024 == 0 && pass.Context.Err() != nil {
			return nil, pass.Context.Err()
		}
		rows := f.AssetRows[f.AssetStart[a]:f.AssetStart[a+1]]
		if len(rows) < 2*cfg.minTrips || t.Standard[rows[0]] != datasets.ERC20 {
			continue
		}
		clear(open)
		clear(trips)
		for _, r := range rows {
			s, b := f.Seller[r], f.Buyer[r]
			if s == b {
				continue
			}
			if s != features.NoWallet && funderOf(s) != datasets.NoAddr {
				// Close the most recent open buy of s in the window at a
				// price within max_price_diff; drop the ones out of it.
				q := open[s]
				k := 0
				for _, x := range q {
					if near(x, r) {
						q[k] = x
						k++
					}
				}
				q = q[:k]
				for i := len(q) - 1; i >= 0; i-- {
					pb, ps := price(q[i]), price(r)
					if pb > 0 && ps > 0 && math.Abs(pb-ps) < cfg.diff*max(pb, ps) {
						trips[s] = append(trips[s], trip{q[i], r})
						q = slices.Delete(q, i, i+1)
						break
					}
				}
				open[s] = q
			}
			if b != features.NoWallet && funderOf(b) != datasets.NoAddr {
				open[b] = append(open[b], r)
			}
		}
		// Rule 2, for the wallets with enough round trips: their funder's
		// wallets trading this token. Both counts are taken within window
		// of each round trip, so a verdict reads only nearby rows.
		ws := make([]uint32, 0, len(trips))
		for w, ts := range trips {
			if len(ts) >= cfg.minTrips {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			continue
		}
		slices.Sort(ws)
		// party[fu]: (time, wallet) of the rows of this token where a
		// wallet of funder fu is a party, in canonical (time) order.
		type party struct {
			time int64
			w    uint32
		}
		parties := map[datasets.AddrID][]party{}
		for _, w := range ws {
			parties[funderOf(w)] = nil
		}
		for _, r := range rows {
			for _, w := range [2]uint32{f.Seller[r], f.Buyer[r]} {
				if w == features.NoWallet {
					continue
				}
				fu := funderOf(w)
				if ps, ok := parties[fu]; ok && fu != datasets.NoAddr {
					parties[fu] = append(ps, party{t.Time[r], w})
				}
			}
		}
		seen := map[uint32]bool{}
		for _, w := range ws {
			fu := funderOf(w)
			ts := trips[w]
			slices.SortFunc(ts, func(x, y trip) int { return f.Canon(x.buy, y.buy) })
			ps := parties[fu]
			lo, hi := 0, 0 // ts[lo:hi]: trips whose buy is within window
			plo, phi := 0, 0
			for _, x := range ts {
				tb := t.Time[x.buy]
				for lo < len(ts) && t.Time[ts[lo].buy] < tb-cfg.window {
					lo++
				}
				for hi < len(ts) && t.Time[ts[hi].buy] <= tb+cfg.window {
					hi++
				}
				k := hi - lo
				if k < cfg.minTrips {
					continue
				}
				for plo < len(ps) && ps[plo].time < tb-cfg.window {
					plo++
				}
				for phi < len(ps) && ps[phi].time <= tb+cfg.window {
					phi++
				}
				clear(seen)
				for _, q := range ps[plo:phi] {
					seen[q.w] = true
				}
				n := len(seen)
				if n < cfg.minCluster {
					continue
				}
				// "0x… bought and sold 0x… back 4 times within 25 blocks
				// at <1% apart; its funder 0x… funded 6 wallets trading
				// it (within 7d)"
				buf = appendAddr(buf[:0], t.Addrs, datasets.AddrID(w))
				buf = append(buf, " bought and sold "...)
				buf = appendAddr(buf, t.Addrs, t.Assets.Contract[a])
				buf = append(buf, " back "...)
				buf = strconv.AppendInt(buf, int64(k), 10)
				buf = append(buf, " times within "...)
				buf = strconv.AppendUint(buf, cfg.blocks, 10)
				buf = append(buf, " blocks at <"...)
				buf = strconv.AppendFloat(buf, cfg.diff*100, 'f', -1, 64)
				buf = append(buf, "% apart; its funder "...)
				buf = appendAddr(buf, t.Addrs, fu)
				buf = append(buf, " funded "...)
				buf = strconv.AppendInt(buf, int64(n), 10)
				buf = append(buf, " wallets trading it (within "...)
				buf = append(buf, graph.Human(cfg.window)...)
				buf = append(buf, ')')
				ev := string(buf)
				pass.Report(x.buy, 1, ev)
				pass.Report(x.sell, 1, ev)
			}
		}
	}
	return nil, nil
}

func appendAddr(b []byte, addrs *datasets.Addresses, id datasets.AddrID) []byte {
	if id == datasets.NoAddr {
		return b
	}
	a := addrs.Addr(id)
	return datasets.AppendHex(b, a[:])
}
