package dune

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/atomic"
	"github.com/washscan/washscan/features"
)

// SelfTrade is Dune filter 1: buyer = seller.
var SelfTrade = &detect.Detector{
	Name: "dune_self_trade",
	Doc: `Dune filter 1: the buyer is the seller.

A row whose known buyer equals its known seller. Unknown addresses never match.`,
	Run: runSelfTrade,
}

// BackAndForth is Dune filter 2: the reverse trade exists at any time.
var BackAndForth = &detect.Detector{
	Name: "dune_back_and_forth",
	Doc: `Dune filter 2: the asset also moved the other way between the same two wallets.

A row is flagged when some row of the same contract and token_id (at any time,
before or after) has seller = this buyer and buyer = this seller.`,
	Run: runBackAndForth,
}

// Repeat is Dune filter 3: the same wallet bought, or sold, the asset more than twice.
var Repeat = &detect.Detector{
	Name: "dune_repeat",
	Doc: `Dune filter 3: the same wallet bought, or sold, the same token more than twice.

For erc721 and erc20 rows only: more than 2 rows of the same contract and
token_id with this row's buyer as buyer, or more than 2 with this row's seller
as seller (the row itself included), over the whole input.`,
	Run: runRepeat,
}

// Funder is Dune filter 4: buyer and seller are linked by first funders.
var Funder = &detect.Detector{
	Name: "dune_funder",
	Doc: `Dune filter 4: buyer and seller share a first funder, or one funded the other.

buyer_funder = seller_funder (both known), or buyer_funder = seller, or
seller_funder = buyer. Funders in --deny-funders count as unknown; there is no
fan-out rule. Needs --funders.`,
	Run: runFunder,
}

// FlashLoan is Dune filter 5, approximated: a token leaves and returns to one
// address within one transaction.
var FlashLoan = &detect.Detector{
	Name: "dune_flash_loan",
	Doc: `Dune filter 5 (flash loan, approximated): the token leaves an address and comes back to it within one transaction.

Every row of that token in that transaction is flagged.`,
	Run: runFlashLoan,
}

// Detectors lists the five filters in the order of the spellbook.
var Detectors = []*detect.Detector{SelfTrade, BackAndForth, Repeat, Funder, FlashLoan}

// Weights are the dune preset's weights: any one filter alone gives
// σ(−1 + 2) ≈ 0.73, above the default threshold 0.5.
func Weights() detect.Weights {
	w := detect.Weights{Bias: -1, Weights: map[string]float64{}, Source: "builtin"}
	for _, d := range Detectors {
		w.Weights[d.Name] = 2
	}
	return w
}

func runSelfTrade(p *detect.Pass) (any, error) {
	f := p.Features
	for i := 0; i < f.N; i++ {
		if s := f.Seller[i]; features.Known(s) && s == f.Buyer[i] {
			p.Report(int32(i), 1, "buyer = seller "+f.T.Addrs.String(s))
		}
	}
	return nil, nil
}

func runBackAndForth(p *detect.Pass) (any, error) {
	f := p.Features
	type pairRow struct {
		key uint64 // seller<<32 | buyer
		row int32
	}
	var pairs []pairRow // the asset's (seller, buyer) pairs, sorted; reused
	for a := 0; a < f.T.Assets.Len(); a++ {
		rows := f.AssetTrades(datasets.AssetID(a))
		if len(rows) < 1 {
			continue
		}
		if a%4096 == 0 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		pairs = pairs[:0]
		for i, tr := range f.AssetTradesAt(datasets.AssetID(a)) {
			s, b := tr.Seller, tr.Buyer
			if features.Known(s) && features.Known(b) {
				pairs = append(pairs, pairRow{uint64(s)<<32 | uint64(b), rows[i]})
			}
		}
		// Stable: the first row of equal pairs, in canonical order, is found.
		slices.SortStableFunc(pairs, func(x, y pairRow) int { return cmp.Compare(x.key, y.key) })
		for _, pr := range pairs {
			s, b := uint32(pr.key>>32), uint32(pr.key)
			rev := uint64(b)<<32 | uint64(s)
			j, ok := slices.BinarySearchFunc(pairs, rev, func(x pairRow, k uint64) int { return cmp.Compare(x.key, k) })
			if ok {
				p.Report(pr.row, 1, fmt.Sprintf("%s and %s traded it both ways (row %d)",
					f.T.Addrs.String(s), f.T.Addrs.String(b), f.T.Origins.Line(int(pairs[j].row))))
			}
		}
	}
	return nil, nil
}

func runRepeat(p *detect.Pass) (any, error) {
	f := p.Features
	t := f.T
	// Per-asset counts by wallet id, reset through the rows that set them.
	buys := make([]int32, t.Addrs.Len())
	sells := make([]int32, t.Addrs.Len())
	for a := 0; a < t.Assets.Len(); a++ {
		rows := f.AssetTrades(datasets.AssetID(a))
		if len(rows) < 3 {
			continue
		}
		if a%4096 == 0 && p.Context.Err() != nil {
			return nil, p.Context.Err()
		}
		trs := f.AssetTradesAt(datasets.AssetID(a))
		for i, r := range rows {
			if !repeatStd(t.Standard[r]) {
				continue
			}
			buys[trs[i].Buyer]++
			sells[trs[i].Seller]++
		}
		for i, r := range rows {
			if !repeatStd(t.Standard[r]) {
				continue
			}
			b, s := trs[i].Buyer, trs[i].Seller
			switch {
			case features.Known(b) && buys[b] > 2:
				p.Report(r, 1, fmt.Sprintf("%s bought it %d times", t.Addrs.String(b), buys[b]))
			case features.Known(s) && sells[s] > 2:
				p.Report(r, 1, fmt.Sprintf("%s sold it %d times", t.Addrs.String(s), sells[s]))
			}
		}
		for _, tr := range trs {
			buys[tr.Buyer] = 0
			sells[tr.Seller] = 0
		}
	}
	return nil, nil
}

func repeatStd(s datasets.Standard) bool { return s == datasets.ERC721 || s == datasets.ERC20 }

func runFunder(p *detect.Pass) (any, error) {
	f := p.Features
	if p.Funders == nil {
		return nil, nil
	}
	addrs := f.T.Addrs
	funder := func(w uint32) uint32 {
		fu := p.Funders.Of(w)
		if fu == datasets.NoAddr || addrs.Unknown(fu) || p.DenyFunders[fu] {
			return features.NoWallet
		}
		return fu
	}
	for i := 0; i < f.N; i++ {
		s, b := f.Seller[i], f.Buyer[i]
		if !features.Known(s) || !features.Known(b) {
			continue
		}
		fs, fb := funder(s), funder(b)
		switch {
		case features.Known(fb) && fb == fs:
			p.Report(int32(i), 1, "buyer and seller both first funded by "+addrs.String(fb))
		case fb == s:
			p.Report(int32(i), 1, fmt.Sprintf("seller %s funded buyer %s", addrs.String(s), addrs.String(b)))
		case fs == b:
			p.Report(int32(i), 1, fmt.Sprintf("buyer %s funded seller %s", addrs.String(b), addrs.String(s)))
		}
	}
	return nil, nil
}

func runFlashLoan(p *detect.Pass) (any, error) {
	f := p.Features
	var roundTrips []atomic.RoundTrip
	for a := 0; a < f.T.Assets.Len(); a++ {
		roundTrips = atomic.FindRoundTrips(f, datasets.AssetID(a), roundTrips[:0])
		for _, rt := range roundTrips {
			ev := fmt.Sprintf("token left and returned to %s in tx %s", f.T.Addrs.String(rt.Wallet), f.T.TxHash[rt.Group[0]])
			for _, r := range rt.Group {
				p.Report(r, 1, ev)
			}
		}
	}
	return nil, nil
}
