package chain

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/washscan/washscan/datasets"
)

// Blur Blend lends against NFTs: the NFT is locked in the Blend contract
// while a loan runs. Its events (all arguments unindexed):
const abiBlend = `[
 {"type":"event","name":"LoanOfferTaken","inputs":[{"name":"offerHash","type":"bytes32"},{"name":"lienId","type":"uint256"},{"name":"collection","type":"address"},{"name":"lender","type":"address"},{"name":"borrower","type":"address"},{"name":"loanAmount","type":"uint256"},{"name":"rate","type":"uint256"},{"name":"tokenId","type":"uint256"},{"name":"auctionDuration","type":"uint256"}]},
 {"type":"event","name":"Repay","inputs":[{"name":"lienId","type":"uint256"},{"name":"collection","type":"address"}]},
 {"type":"event","name":"StartAuction","inputs":[{"name":"lienId","type":"uint256"},{"name":"collection","type":"address"}]},
 {"type":"event","name":"Refinance","inputs":[{"name":"lienId","type":"uint256"},{"name":"collection","type":"address"},{"name":"newLender","type":"address"},{"name":"newAmount","type":"uint256"},{"name":"newRate","type":"uint256"},{"name":"newAuctionDuration","type":"uint256"}]},
 {"type":"event","name":"Seize","inputs":[{"name":"lienId","type":"uint256"},{"name":"collection","type":"address"}]},
 {"type":"event","name":"BuyLocked","inputs":[{"name":"lienId","type":"uint256"},{"name":"collection","type":"address"},{"name":"buyer","type":"address"},{"name":"seller","type":"address"},{"name":"tokenId","type":"uint256"}]}
]`

var (
	blendABI = mustABI(abiBlend)
	// MainnetBlend is Blur Blend's contract on Ethereum mainnet.
	MainnetBlend = mustAddr("0x29469395eaf6f95920e59f858042f0e28d98a20b")
)

// blendTx is what the Blend events of one transaction say.
type blendTx struct {
	any    bool         // the transaction has a Blend event: loans, not sales
	owners []blendParty // LoanOfferTaken: the borrower behind the locked NFT
	locked []blendParty // BuyLocked: the borrower who sold a locked NFT
}

type blendParty struct {
	item  Item
	party datasets.Address
}

// readBlend reads the Blend events of a receipt emitted by blend. A Blend
// event that does not decode is a bad log (returned for the caller).
func readBlend(blend datasets.Address, receipt []*types.Log) (bt blendTx, bad *types.Log, err error) {
	if blend.IsZero() {
		return bt, nil, nil
	}
	for _, lg := range receipt {
		if datasets.Address(lg.Address) != blend || len(lg.Topics) == 0 {
			continue
		}
		ev, e := blendABI.EventByID(lg.Topics[0])
		if e != nil {
			continue
		}
		bt.any = true
		if ev.Name != "LoanOfferTaken" && ev.Name != "BuyLocked" {
			continue
		}
		m, e := unpackMap(blendABI, ev.Name, lg.Data)
		if e != nil || len(lg.Topics) != 1 {
			if e == nil {
				e = ErrMalformed
			}
			return bt, lg, e
		}
		it := Item{datasets.Address(m["collection"].(common.Address)), m["tokenId"].(*big.Int)}
		if ev.Name == "LoanOfferTaken" {
			bt.owners = append(bt.owners, blendParty{it, datasets.Address(m["borrower"].(common.Address))})
		} else {
			bt.locked = append(bt.locked, blendParty{it, datasets.Address(m["seller"].(common.Address))})
		}
	}
	return bt, nil, nil
}

// applyBlend sets the parties Blend hides: a sale that delivers the NFT to
// Blend as collateral (a lien-financed buy, "buy to borrow") was bought by
// the borrower; a locked NFT bought out of Blend (BuyLocked) was sold by
// the borrower.
func applyBlend(rows []pendingRow, blend datasets.Address, bt blendTx) {
	for i := range rows {
		r := &rows[i]
		if !r.settled || r.tokenID == nil {
			continue
		}
		for _, o := range bt.owners {
			if r.Buyer == blend && r.Contract == o.item.Contract && r.tokenID.Cmp(o.item.TokenID) == 0 {
				r.Buyer = o.party
			}
		}
		for _, l := range bt.locked {
			if r.Seller == blend && r.Contract == l.item.Contract && r.tokenID.Cmp(l.item.TokenID) == 0 {
				r.Seller = l.party
			}
		}
	}
}
