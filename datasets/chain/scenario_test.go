package chain

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/washscan/washscan/datasets"
)

// Encoders of the events the scenario emits.

func addrTopic(a common.Address) common.Hash { return common.BytesToHash(a[:]) }
func intTopic(v int64) common.Hash           { return common.BigToHash(big.NewInt(v)) }
func word(v *big.Int) []byte                 { return common.LeftPadBytes(v.Bytes(), 32) }

func pack(t testing.TB, args interface {
	Pack(...any) ([]byte, error)
}, vals ...any) []byte {
	t.Helper()
	b, err := args.Pack(vals...)
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	return b
}

func ethv(s string) *big.Int { // decimal ETH -> wei
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)))
	if !r.IsInt() {
		panic(s)
	}
	return r.Num()
}

func transfer721(c, from, to common.Address, id int64) ev {
	return ev{c, []common.Hash{TopicTransfer, addrTopic(from), addrTopic(to), intTopic(id)}, nil}
}
func transfer20(c, from, to common.Address, v *big.Int) ev {
	return ev{c, []common.Hash{TopicTransfer, addrTopic(from), addrTopic(to)}, word(v)}
}
func transferSingle(c, op, from, to common.Address, id, v int64) ev {
	return ev{c, []common.Hash{TopicTransferSingle, addrTopic(op), addrTopic(from), addrTopic(to)}, append(word(big.NewInt(id)), word(big.NewInt(v))...)}
}
func transferBatch(t testing.TB, c, op, from, to common.Address, ids, vals []*big.Int) ev {
	return ev{c, []common.Hash{TopicTransferBatch, addrTopic(op), addrTopic(from), addrTopic(to)},
		pack(t, tokensABI.Events["TransferBatch"].Inputs.NonIndexed(), ids, vals)}
}

type spentItem struct {
	ItemType   uint8
	Token      common.Address
	Identifier *big.Int
	Amount     *big.Int
}
type receivedItem struct {
	ItemType   uint8
	Token      common.Address
	Identifier *big.Int
	Amount     *big.Int
	Recipient  common.Address
}

func orderFulfilled(t testing.TB, c, offerer, recipient common.Address, offer []spentItem, cons []receivedItem) ev {
	return ev{c, []common.Hash{TopicOrderFulfilled, addrTopic(offerer), {}},
		pack(t, seaportABI.Events["OrderFulfilled"].Inputs.NonIndexed(), [32]byte{1}, recipient, offer, cons)}
}

func looksRareV1(t testing.TB, c common.Address, bid bool, taker, maker, currency, coll common.Address, id int64, price *big.Int) ev {
	topic := TopicLooksRareAsk
	if bid {
		topic = TopicLooksRareBid
	}
	return ev{c, []common.Hash{topic, addrTopic(taker), addrTopic(maker), {}},
		pack(t, lrV1ABI.Events["TakerAsk"].Inputs.NonIndexed(), [32]byte{2}, big.NewInt(7), currency, coll, big.NewInt(id), big.NewInt(1), price)}
}

type lrNonce struct {
	OrderHash          [32]byte
	OrderNonce         *big.Int
	IsNonceInvalidated bool
}

func looksRareV2(t testing.TB, c common.Address, ask bool, u1, u2, currency, coll common.Address, ids []*big.Int, fees [3]*big.Int) ev {
	name, topic := "TakerBid", TopicLooksRareV2Bid
	if ask {
		name, topic = "TakerAsk", TopicLooksRareV2Ask
	}
	amounts := make([]*big.Int, len(ids))
	for i := range amounts {
		amounts[i] = big.NewInt(1)
	}
	return ev{c, []common.Hash{topic}, pack(t, lrV2ABI.Events[name].Inputs.NonIndexed(),
		lrNonce{[32]byte{3}, big.NewInt(1), true}, u1, u2, big.NewInt(0), currency, coll, ids, amounts, [2]common.Address{u1, {}}, fees)}
}

type blurFee struct {
	Rate      uint16
	Recipient common.Address
}
type blurOrderT struct {
	Trader         common.Address
	Side           uint8
	MatchingPolicy common.Address
	Collection     common.Address
	TokenId        *big.Int
	Amount         *big.Int
	PaymentToken   common.Address
	Price          *big.Int
	ListingTime    *big.Int
	ExpirationTime *big.Int
	Fees           []blurFee
	Salt           *big.Int
	ExtraParams    []byte
}

func ordersMatched(t testing.TB, c, seller, buyer, coll common.Address, id int64, pay common.Address, price *big.Int) ev {
	o := func(trader common.Address, side uint8) blurOrderT {
		return blurOrderT{trader, side, common.Address{9}, coll, big.NewInt(id), big.NewInt(1), pay, price, big.NewInt(1), big.NewInt(2),
			[]blurFee{{50, common.Address{8}}}, big.NewInt(3), []byte{1}}
	}
	return ev{c, []common.Hash{TopicBlurMatched, addrTopic(seller), addrTopic(buyer)},
		pack(t, blurABI.Events["OrdersMatched"].Inputs.NonIndexed(), o(seller, 1), [32]byte{4}, o(buyer, 0), [32]byte{5})}
}

// blurV2Exec builds a Blur v2 packed execution as the exchange's published
// layout says: tokenIdListingIndexTrader = tokenId<<168 | listingIndex<<160 |
// trader, collectionPriceSide = side<<248 | price<<160 | collection, and for
// the fee variants (name "TakerFee" or "MakerFee") feeRecipientRate =
// rate<<160 | recipient.
func blurV2Exec(t testing.TB, c common.Address, variant string, side uint8, trader, coll common.Address, id *big.Int, listing uint8, price *big.Int) ev {
	w1 := new(big.Int).Lsh(id, 168)
	w1.Or(w1, new(big.Int).Lsh(big.NewInt(int64(listing)), 160))
	w1.Or(w1, new(big.Int).SetBytes(trader[:]))
	w2 := new(big.Int).Lsh(big.NewInt(int64(side)), 248)
	w2.Or(w2, new(big.Int).Lsh(price, 160))
	w2.Or(w2, new(big.Int).SetBytes(coll[:]))
	name := "Execution721" + variant + "Packed"
	vals := []any{[32]byte{7}, w1, w2}
	if variant != "" {
		fee := new(big.Int).Lsh(big.NewInt(50), 160)
		vals = append(vals, fee.Or(fee, big.NewInt(0xfee)))
	}
	return ev{c, []common.Hash{blurV2ABI.Events[name].ID}, pack(t, blurV2ABI.Events[name].Inputs.NonIndexed(), vals...)}
}

type x2y2Item struct {
	Price *big.Int
	Data  []byte
}
type x2y2Fee struct {
	Percentage *big.Int
	To         common.Address
}
type x2y2Detail struct {
	Op                 uint8
	OrderIdx           *big.Int
	ItemIdx            *big.Int
	Price              *big.Int
	ItemHash           [32]byte
	ExecutionDelegate  common.Address
	DataReplacement    []byte
	BidIncentivePct    *big.Int
	AucMinIncrementPct *big.Int
	AucIncDurationSecs *big.Int
	Fees               []x2y2Fee
}
type x2y2Pair struct {
	Token   common.Address
	TokenId *big.Int
}

func evInventory(t testing.TB, c, maker, taker, currency, coll common.Address, id int64, price *big.Int) ev {
	// The listing's data names token 0; the mask and replacement put in the
	// real id, as X2Y2 does for collection offers.
	listed := pack(t, x2y2Pairs, []x2y2Pair{{coll, big.NewInt(0)}})
	real := pack(t, x2y2Pairs, []x2y2Pair{{coll, big.NewInt(id)}})
	mask := make([]byte, len(listed))
	for i := range mask {
		if listed[i] != real[i] {
			mask[i] = 1
		}
	}
	return ev{c, []common.Hash{TopicX2Y2Inventory, {6}}, pack(t, x2y2ABI.Events["EvInventory"].Inputs.NonIndexed(),
		maker, taker, big.NewInt(1), big.NewInt(2), big.NewInt(1), big.NewInt(1), big.NewInt(9), currency, mask,
		x2y2Item{price, listed}, x2y2Detail{1, big.NewInt(0), big.NewInt(0), price, [32]byte{6}, common.Address{7}, real,
			big.NewInt(0), big.NewInt(0), big.NewInt(0), []x2y2Fee{{big.NewInt(5000), common.Address{8}}}})}
}

func punkBought(c common.Address, idx int64, value *big.Int, from, to common.Address) ev {
	return ev{c, []common.Hash{TopicPunkBought, intTopic(idx), addrTopic(from), addrTopic(to)}, word(value)}
}

// blendEv builds a Blur Blend event with ABI packing; a and b are the
// borrower and lender (LoanOfferTaken) or the seller and buyer (BuyLocked).
func blendEv(t testing.TB, c common.Address, name string, coll common.Address, id int64, a, b common.Address) ev {
	e := blendABI.Events[name]
	var vals []any
	switch name {
	case "LoanOfferTaken":
		vals = []any{[32]byte{2}, big.NewInt(id + 1000), coll, b, a, ethv("1"), big.NewInt(500), big.NewInt(id), big.NewInt(9000)}
	case "BuyLocked":
		vals = []any{big.NewInt(id + 1000), coll, b, a, big.NewInt(id)}
	default: // Repay, StartAuction, Seize
		vals = []any{big.NewInt(id + 1000), coll}
	}
	return ev{c, []common.Hash{e.ID}, pack(t, e.Inputs.NonIndexed(), vals...)}
}

var yesWord = common.BigToHash(big.NewInt(1))

func sudoV2Swap(t testing.TB, pair common.Address, out bool, amount *big.Int, ids ...int64) ev {
	name := "SwapNFTInPair"
	if out {
		name = "SwapNFTOutPair"
	}
	var bids []*big.Int
	for _, id := range ids {
		bids = append(bids, big.NewInt(id))
	}
	e := sudoV2ABI.Events[name]
	return ev{pair, []common.Hash{e.ID}, pack(t, e.Inputs.NonIndexed(), amount, bids)}
}

func punkBidEv(c common.Address, withdrawn bool, idx int64, value *big.Int, bidder common.Address) ev {
	topic := TopicPunkBidEntered
	if withdrawn {
		topic = TopicPunkBidWithdrn
	}
	return ev{c, []common.Hash{topic, intTopic(idx), addrTopic(bidder)}, word(value)}
}
func punkTransfer(c, from, to common.Address, idx int64) ev {
	return ev{c, []common.Hash{TopicPunkTransfer, addrTopic(from), addrTopic(to)}, word(big.NewInt(idx))}
}
func punkAssign(c, to common.Address, idx int64) ev {
	return ev{c, []common.Hash{TopicPunkAssign, addrTopic(to)}, word(big.NewInt(idx))}
}

// world is the scenario: contracts deployed on a test chain and the rows an
// ingest of them must give.
type world struct {
	tc                                                               *testChain
	router, nft, tok, multi, weth, sea, fake, lr1, lr2, blur, x2, pk common.Address
	blur2, sudo1F, sudo2F, elem                                      common.Address
	kitty, early, old20, blend                                       common.Address
	usd, other                                                       common.Address
	from, to                                                         uint64
	want                                                             []datasets.Row
}

type txResult struct {
	hash  common.Hash
	block uint64
	time  int64
	logs  []*types.Log
	from  common.Address
}

func (w *world) tx(t testing.TB, value *big.Int, evs ...ev) txResult {
	t.Helper()
	tx, r := w.tc.send(t, &w.router, value, routerCalldata(evs))
	if len(r.Logs) != len(evs) {
		t.Fatalf("tx %s: %d logs, want %d", tx.Hash(), len(r.Logs), len(evs))
	}
	h, err := w.tc.client.HeaderByNumber(context.Background(), r.BlockNumber)
	if err != nil {
		t.Fatal(err)
	}
	return txResult{tx.Hash(), r.BlockNumber.Uint64(), int64(h.Time), r.Logs, w.tc.from}
}

// expect adds the row of log k of r.
func (w *world) expect(r txResult, k, pos int, c common.Address, id string, std datasets.Standard, seller, buyer common.Address, amount, price, cur, platform string) {
	from := datasets.Address(r.from)
	w.want = append(w.want, datasets.Row{Chain: "ethereum", BlockTime: r.time, BlockNumber: r.block, TxHash: datasets.Hash(r.hash),
		LogIndex: uint32(r.logs[k].Index), Contract: datasets.Address(c), TokenID: id, Standard: std,
		Seller: datasets.Address(seller), Buyer: datasets.Address(buyer), Amount: amount, Price: price, Currency: cur,
		Platform: platform, TxFrom: &from, Label: datasets.LabelNone})
	_ = pos
}

func randAddr() common.Address {
	k, _ := crypto.GenerateKey()
	return crypto.PubkeyToAddress(k.PublicKey)
}

// buildWorld deploys the contracts and sends the scenario's transactions.
func buildWorld(t testing.TB, tc *testChain) *world {
	t.Helper()
	w := &world{tc: tc}
	w.router = tc.deploy(t, routerCode())
	em := emitterCode()
	for _, p := range []*common.Address{&w.nft, &w.tok, &w.multi, &w.weth, &w.sea, &w.fake, &w.lr1, &w.lr2, &w.blur, &w.x2, &w.pk, &w.usd, &w.other, &w.blur2, &w.elem, &w.blend} {
		*p = tc.deploy(t, em)
	}
	var zero common.Address
	alice, bob, carol, dave, erin, op := randAddr(), randAddr(), randAddr(), randAddr(), randAddr(), randAddr()
	E721, E1155, E20 := datasets.ERC721, datasets.ERC1155, datasets.ERC20
	tc.commit() // an empty block
	first := w.tx(t, nil, transfer721(w.nft, zero, alice, 1))
	w.from = first.block
	w.expect(first, 0, 0, w.nft, "1", E721, zero, alice, "1", "0", "", "")

	// A mint of two paid with 1 ETH + 1 wei: split, first item one wei more.
	r := w.tx(t, ethv("1.000000000000000001"), transfer721(w.nft, zero, bob, 2), transfer721(w.nft, zero, bob, 3))
	w.expect(r, 0, 0, w.nft, "2", E721, zero, bob, "1", "0.500000000000000001", "ETH", "")
	w.expect(r, 1, 0, w.nft, "3", E721, zero, bob, "1", "0.5", "ETH", "")

	// Seaport listing paid in ETH (consideration: seller + fee).
	r = w.tx(t, ethv("1"), transfer721(w.nft, alice, bob, 1), orderFulfilled(t, w.sea, alice, bob,
		[]spentItem{{seaERC721, w.nft, big.NewInt(1), big.NewInt(1)}},
		[]receivedItem{{seaNative, zero, big.NewInt(0), ethv("0.975"), alice}, {seaNative, zero, big.NewInt(0), ethv("0.025"), op}}))
	w.expect(r, 0, 0, w.nft, "1", E721, alice, bob, "1", "1", "ETH", "opensea")

	// Seaport bundle of two paid in WETH, 3 ETH + 1 wei.
	r = w.tx(t, nil, transfer721(w.nft, bob, carol, 2), transfer721(w.nft, bob, carol, 3), orderFulfilled(t, w.sea, bob, carol,
		[]spentItem{{seaERC721, w.nft, big.NewInt(2), big.NewInt(1)}, {seaERC721, w.nft, big.NewInt(3), big.NewInt(1)}},
		[]receivedItem{{seaERC20, w.weth, big.NewInt(0), ethv("3.000000000000000001"), bob}}))
	w.expect(r, 0, 0, w.nft, "2", E721, bob, carol, "1", "1.500000000000000001", "WETH", "opensea")
	w.expect(r, 1, 0, w.nft, "3", E721, bob, carol, "1", "1.5", "WETH", "opensea")

	// Seaport offer (bid) accepted: the offerer pays WETH, the NFT is in the consideration.
	r = w.tx(t, nil, transfer721(w.nft, carol, dave, 2), orderFulfilled(t, w.sea, dave, carol,
		[]spentItem{{seaERC20, w.weth, big.NewInt(0), ethv("2")}},
		[]receivedItem{{seaERC721, w.nft, big.NewInt(2), big.NewInt(1), dave}, {seaERC20, w.weth, big.NewInt(0), ethv("0.05"), op}}))
	w.expect(r, 0, 0, w.nft, "2", E721, carol, dave, "1", "2", "WETH", "opensea")
	tc.commit()
	tc.commit()

	// A look-alike OrderFulfilled from an unknown contract is ignored; the
	// WETH paid to the seller in the same transaction prices the row.
	r = w.tx(t, nil, transfer721(w.nft, dave, erin, 2), orderFulfilled(t, w.fake, dave, erin,
		[]spentItem{{seaERC721, w.nft, big.NewInt(2), big.NewInt(1)}},
		[]receivedItem{{seaNative, zero, big.NewInt(0), ethv("100"), dave}}), transfer20(w.weth, erin, dave, ethv("0.7")))
	w.expect(r, 0, 0, w.nft, "2", E721, dave, erin, "1", "0.7", "WETH", "")

	// ERC-20 transfer: token units, no token id.
	r = w.tx(t, nil, transfer20(w.tok, alice, bob, big.NewInt(12345)))
	w.expect(r, 0, 0, w.tok, "", E20, alice, bob, "12345", "0", "", "")

	// ERC-1155: a single and a batch of three (one row per id).
	r = w.tx(t, nil, transferSingle(w.multi, op, zero, alice, 7, 5),
		transferBatch(t, w.multi, op, alice, bob, []*big.Int{big.NewInt(7), big.NewInt(8), big.NewInt(9)}, []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}))
	w.expect(r, 0, 0, w.multi, "7", E1155, zero, alice, "5", "0", "", "")
	w.expect(r, 1, 0, w.multi, "7", E1155, alice, bob, "1", "0", "", "")
	w.expect(r, 1, 1, w.multi, "8", E1155, alice, bob, "2", "0", "", "")
	w.expect(r, 1, 2, w.multi, "9", E1155, alice, bob, "3", "0", "", "")

	// LooksRare v1 TakerBid in WETH.
	r = w.tx(t, nil, transfer721(w.nft, erin, alice, 2), looksRareV1(t, w.lr1, true, alice, erin, w.weth, w.nft, 2, ethv("0.42")))
	w.expect(r, 0, 0, w.nft, "2", E721, erin, alice, "1", "0.42", "WETH", "looksrare")
	// Blur in ETH.
	r = w.tx(t, ethv("0.3"), transfer721(w.nft, alice, bob, 2), ordersMatched(t, w.blur, alice, bob, w.nft, 2, zero, ethv("0.3")))
	w.expect(r, 0, 0, w.nft, "2", E721, alice, bob, "1", "0.3", "ETH", "blur")
	// Blur v2: a listing bought with ETH (taker fee variant), and a bid
	// accepted, paid from Blur Pool (no ETH in the transaction; maker fee
	// variant), then a plain packed listing of a token id above 2^64.
	r = w.tx(t, ethv("0.31"), transfer721(w.nft, alice, bob, 2), blurV2Exec(t, w.blur2, "TakerFee", 0, alice, w.nft, big.NewInt(2), 3, ethv("0.3")))
	w.expect(r, 0, 0, w.nft, "2", E721, alice, bob, "1", "0.3", "ETH", "blur")
	r = w.tx(t, nil, transfer721(w.nft, bob, alice, 2), blurV2Exec(t, w.blur2, "MakerFee", 1, alice, w.nft, big.NewInt(2), 0, ethv("0.2")))
	w.expect(r, 0, 0, w.nft, "2", E721, bob, alice, "1", "0.2", "ETH", "blur")
	id80 := new(big.Int).Lsh(big.NewInt(1), 80)
	r = w.tx(t, ethv("1"), ev{w.nft, []common.Hash{TopicTransfer, addrTopic(alice), addrTopic(bob), common.BigToHash(id80)}, nil},
		blurV2Exec(t, w.blur2, "", 0, alice, w.nft, id80, 1, big.NewInt(1)))
	w.expect(r, 0, 0, w.nft, id80.String(), E721, alice, bob, "1", "0.000000000000000001", "ETH", "blur")
	// X2Y2 with a masked item.
	r = w.tx(t, ethv("0.25"), transfer721(w.nft, bob, carol, 2), evInventory(t, w.x2, bob, carol, zero, w.nft, 2, ethv("0.25")))
	w.expect(r, 0, 0, w.nft, "2", E721, bob, carol, "1", "0.25", "ETH", "x2y2")
	// LooksRare v2 TakerAsk, a bundle of two, price = sum of fee amounts.
	r = w.tx(t, nil, transfer721(w.nft, carol, dave, 1), transfer721(w.nft, carol, dave, 3),
		looksRareV2(t, w.lr2, true, carol, dave, w.weth, w.nft, []*big.Int{big.NewInt(1), big.NewInt(3)}, [3]*big.Int{ethv("0.9"), ethv("0.05"), ethv("0.05")}))
	w.expect(r, 0, 0, w.nft, "1", E721, carol, dave, "1", "0.5", "WETH", "looksrare")
	w.expect(r, 1, 0, w.nft, "3", E721, carol, dave, "1", "0.5", "WETH", "looksrare")
	// Seaport sale paid in a token that answers neither symbol() nor
	// decimals(): currency is its address, price in its smallest unit.
	r = w.tx(t, nil, transfer721(w.nft, dave, erin, 3), orderFulfilled(t, w.sea, dave, erin,
		[]spentItem{{seaERC721, w.nft, big.NewInt(3), big.NewInt(1)}},
		[]receivedItem{{seaERC20, w.usd, big.NewInt(0), big.NewInt(2500000), dave}}))
	w.expect(r, 0, 0, w.nft, "3", E721, dave, erin, "1", "2500000", datasets.Address(w.usd).String(), "opensea")

	// A purchase routed through an aggregator: Seaport sends the NFT from
	// alice to the aggregator, which hands it to erin. The user-facing hop
	// carries the sale (seller alice, as Dune reports it) with the aggregator;
	// the intermediate hop is a transfer at price 0. An aggregator with a
	// known name is named.
	agg := randAddr()
	r = w.tx(t, ethv("2"), transfer721(w.nft, alice, agg, 1), orderFulfilled(t, w.sea, alice, agg,
		[]spentItem{{seaERC721, w.nft, big.NewInt(1), big.NewInt(1)}},
		[]receivedItem{{seaNative, zero, big.NewInt(0), ethv("2"), alice}}), transfer721(w.nft, agg, erin, 1))
	w.expect(r, 0, 0, w.nft, "1", E721, alice, agg, "1", "0", "", "")
	w.expect(r, 2, 0, w.nft, "1", E721, alice, erin, "1", "2", "ETH", "opensea")
	w.want[len(w.want)-1].AggregatorAddress = (*datasets.Address)(&agg)
	gem := common.HexToAddress("0x83c8f28c26bf6aaca652df1dbbe0e1b56f8baba2")
	r = w.tx(t, ethv("3"), transfer721(w.nft, erin, gem, 1), transfer721(w.nft, gem, bob, 1),
		blurV2Exec(t, w.blur2, "", 0, erin, w.nft, big.NewInt(1), 0, ethv("3")))
	w.expect(r, 0, 0, w.nft, "1", E721, erin, gem, "1", "0", "", "")
	w.expect(r, 1, 0, w.nft, "1", E721, erin, bob, "1", "3", "ETH", "blur")
	w.want[len(w.want)-1].AggregatorName, w.want[len(w.want)-1].AggregatorAddress = "gem", (*datasets.Address)(&gem)
	// The buyer who sent the transaction moves the NFT on in it: not an
	// aggregator; the sale is the first hop, the second a plain transfer.
	me := w.tc.from
	r = w.tx(t, ethv("1"), transfer721(w.nft, bob, me, 1), ordersMatched(t, w.blur, bob, me, w.nft, 1, zero, ethv("1")),
		transfer721(w.nft, me, carol, 1))
	w.expect(r, 0, 0, w.nft, "1", E721, bob, me, "1", "1", "ETH", "blur")
	w.expect(r, 2, 0, w.nft, "1", E721, me, carol, "1", "0", "", "")

	// Transfers whose shape fits ERC-20 and an early ERC-721 alike: a
	// CryptoKitties-style contract (no indexed argument; declares the draft
	// ERC-721 interface id through ERC-165), a contract listed as ERC-721
	// (token id not indexed), and an old ERC-20 with no indexed argument.
	w.kitty = tc.deploy(t, answerCode(map[[4]byte]common.Hash{{0x01, 0xff, 0xc9, 0xa7}: yesWord}))
	w.early, w.old20 = tc.deploy(t, em), tc.deploy(t, em)
	flat := func(c, from, to common.Address, v int64) ev {
		return ev{c, []common.Hash{TopicTransfer}, append(append(addrTopic(from).Bytes(), addrTopic(to).Bytes()...), word(big.NewInt(v))...)}
	}
	r = w.tx(t, nil, flat(w.kitty, alice, bob, 1868), transfer20(w.early, bob, carol, big.NewInt(77)), flat(w.old20, carol, dave, 5000))
	w.expect(r, 0, 0, w.kitty, "1868", E721, alice, bob, "1", "0", "", "")
	w.expect(r, 1, 0, w.early, "77", E721, bob, carol, "1", "0", "", "")
	w.expect(r, 2, 0, w.old20, "", E20, carol, dave, "5000", "0", "", "")

	// Blur Blend: a loan taken (the NFT locked in Blend, the loan paid in
	// WETH to the borrower) and repaid (with ETH) is not a sale; a
	// lien-financed buy was bought by the borrower, not Blend; a locked NFT
	// bought out of Blend was sold by the borrower.
	r = w.tx(t, nil, transfer721(w.nft, alice, w.blend, 20), blendEv(t, w.blend, "LoanOfferTaken", w.nft, 20, alice, bob),
		transfer20(w.weth, bob, alice, ethv("1")))
	w.expect(r, 0, 0, w.nft, "20", E721, alice, w.blend, "1", "0", "", "")
	r = w.tx(t, ethv("1.05"), transfer721(w.nft, w.blend, alice, 20), blendEv(t, w.blend, "Repay", w.nft, 20, zero, zero))
	w.expect(r, 0, 0, w.nft, "20", E721, w.blend, alice, "1", "0", "", "")
	r = w.tx(t, ethv("0.5"), transfer721(w.nft, erin, w.blend, 21), blurV2Exec(t, w.blur2, "", 0, erin, w.nft, big.NewInt(21), 0, ethv("2")),
		blendEv(t, w.blend, "LoanOfferTaken", w.nft, 21, bob, carol))
	w.expect(r, 0, 0, w.nft, "21", E721, erin, bob, "1", "2", "ETH", "blur")
	r = w.tx(t, ethv("2.5"), transfer721(w.nft, w.blend, carol, 21), ordersMatched(t, w.blur, bob, carol, w.nft, 21, zero, ethv("2.5")),
		blendEv(t, w.blend, "BuyLocked", w.nft, 21, bob, carol))
	w.expect(r, 0, 0, w.nft, "21", E721, bob, carol, "1", "2.5", "ETH", "blur")

	// Blur v2's unpacked Execution: 4 of an ERC-1155 id for 0.8 in all.
	r = w.tx(t, ethv("0.8"), transferSingle(w.multi, w.blur2, alice, bob, 8, 4), blurV2Execution(t, w.blur2, 0, alice, w.multi, 8, 4, ethv("0.8")))
	w.expect(r, 0, 0, w.multi, "8", E1155, alice, bob, "4", "0.8", "ETH", "blur")

	// Element: a v2 sell order in ETH with fees on top, a v1 bid in WETH.
	r = w.tx(t, ethv("1.07"), transfer721(w.nft, alice, carol, 3), elementFill(t, w.elem, "ERC721SellOrderFilled", alice, carol,
		common.Address(ElementNative), w.nft, 3, ethv("1"), []elementFee{{op, ethv("0.07")}}))
	w.expect(r, 0, 0, w.nft, "3", E721, alice, carol, "1", "1.07", "ETH", "element")
	r = w.tx(t, nil, transfer721(w.nft, carol, alice, 3), elementFill(t, w.elem, "ERC721BuyOrderFilled", alice, carol,
		w.weth, w.nft, 3, ethv("0.9"), nil))
	w.expect(r, 0, 0, w.nft, "3", E721, carol, alice, "1", "0.9", "WETH", "element")

	// Sudoswap: factories that vouch for their pairs, pairs that answer
	// pairVariant(), nft() and token() and emit the swaps.
	yes := yesWord
	w.sudo1F = tc.deploy(t, answerCode(map[[4]byte]common.Hash{[4]byte(selIsPair): yes}))
	w.sudo2F = tc.deploy(t, answerCode(map[[4]byte]common.Hash{[4]byte(selIsValidPair): yes}))
	pairCode := func(variant int64, token common.Address) []byte {
		return answerCode(map[[4]byte]common.Hash{[4]byte(selPairVariant): common.BigToHash(big.NewInt(variant)),
			[4]byte(selNFT): addrTopic(w.nft), [4]byte(selToken): addrTopic(token)})
	}
	pair2, pair1, pair1e := tc.deploy(t, pairCode(0, zero)), tc.deploy(t, pairCode(2, w.weth)), tc.deploy(t, pairCode(0, zero))
	// v2: a buy of two from an ETH pool (price split), a sell into it.
	r = w.tx(t, ethv("1.5"), transfer721(w.nft, pair2, bob, 10), transfer721(w.nft, pair2, bob, 11),
		sudoV2Swap(t, pair2, true, ethv("1.5"), 10, 11))
	w.expect(r, 0, 0, w.nft, "10", E721, pair2, bob, "1", "0.75", "ETH", "sudoswap")
	w.expect(r, 1, 0, w.nft, "11", E721, pair2, bob, "1", "0.75", "ETH", "sudoswap")
	r = w.tx(t, nil, transfer721(w.nft, carol, pair2, 12), sudoV2Swap(t, pair2, false, ethv("0.4"), 12))
	w.expect(r, 0, 0, w.nft, "12", E721, carol, pair2, "1", "0.4", "ETH", "sudoswap")
	// v1: a buy from a WETH pool (priced by the WETH paid to the pair), a
	// buy from an ETH pool (the transaction's value), a sell into it
	// (unknown without traces: 0).
	r = w.tx(t, nil, transfer20(w.weth, dave, pair1, ethv("0.3")), transfer721(w.nft, pair1, dave, 13),
		ev{pair1, []common.Hash{TopicSudoV1Out}, nil})
	w.expect(r, 1, 0, w.nft, "13", E721, pair1, dave, "1", "0.3", "WETH", "sudoswap")
	r = w.tx(t, ethv("0.2"), transfer721(w.nft, pair1e, erin, 14), ev{pair1e, []common.Hash{TopicSudoV1Out}, nil})
	w.expect(r, 0, 0, w.nft, "14", E721, pair1e, erin, "1", "0.2", "ETH", "sudoswap")
	r = w.tx(t, nil, transfer721(w.nft, erin, pair1e, 14), ev{pair1e, []common.Hash{TopicSudoV1In}, nil})
	w.expect(r, 0, 0, w.nft, "14", E721, erin, pair1e, "1", "0", "ETH", "sudoswap")
	// v2 ERC-1155 pair (variant 2, token id 7 of the multi-token): a buy of 3.
	pairM := tc.deploy(t, answerCode(map[[4]byte]common.Hash{[4]byte(selPairVariant): common.BigToHash(big.NewInt(2)),
		[4]byte(selNFT): addrTopic(w.multi), [4]byte(selNFTID): common.BigToHash(big.NewInt(7))}))
	r = w.tx(t, ethv("0.3"), transferSingle(w.multi, pairM, pairM, carol, 7, 3),
		ev{pairM, []common.Hash{TopicSudoV2MOut}, append(word(ethv("0.3")), word(big.NewInt(3))...)})
	w.expect(r, 0, 0, w.multi, "7", E1155, pairM, carol, "3", "0.3", "ETH", "sudoswap")
	// A look-alike swap from a contract no factory vouches for is ignored.
	r = w.tx(t, ethv("0.9"), transfer721(w.nft, dave, alice, 13), sudoV2Swap(t, w.fake, true, ethv("5"), 13))
	w.expect(r, 0, 0, w.nft, "13", E721, dave, alice, "1", "0.9", "ETH", "")

	// CryptoPunks bids: on punk 44 bob bids 4 then 5 ETH (the latest counts),
	// dave bids 9 and withdraws; on punk 45 erin bids 3 and withdraws.
	w.tx(t, nil, punkBidEv(w.pk, false, 44, ethv("4"), bob), punkBidEv(w.pk, false, 45, ethv("3"), erin))
	w.tx(t, nil, punkBidEv(w.pk, false, 44, ethv("5"), bob), punkBidEv(w.pk, true, 45, ethv("3"), erin))
	tc.commit()
	// An accepted bid: the contract logs Transfer, then PunkBought with the
	// zeroed bid (value 0, buyer 0x0); price and buyer come from bob's bid.
	// Then a PunkTransfer and an Assign; the ERC-20-shaped Transfer is not a row.
	r = w.tx(t, nil, punkAssign(w.pk, alice, 44), transfer20(w.pk, alice, bob, big.NewInt(1)), punkBought(w.pk, 44, big.NewInt(0), alice, zero),
		punkTransfer(w.pk, bob, carol, 44))
	w.expect(r, 0, 0, w.pk, "44", E721, zero, alice, "1", "0", "", "")
	w.expect(r, 2, 0, w.pk, "44", E721, alice, bob, "1", "5", "ETH", "cryptopunks")
	w.expect(r, 3, 0, w.pk, "44", E721, bob, carol, "1", "0", "", "")
	// A bid entered after the sale, in the same transaction, does not count;
	// a withdrawn bid leaves the accepted one at price 0. A buyPunk is priced by its log.
	r = w.tx(t, nil, punkAssign(w.pk, carol, 45), transfer20(w.pk, carol, erin, big.NewInt(1)), punkBought(w.pk, 45, big.NewInt(0), carol, zero),
		punkBidEv(w.pk, false, 45, ethv("7"), dave))
	w.expect(r, 0, 0, w.pk, "45", E721, zero, carol, "1", "0", "", "")
	w.expect(r, 2, 0, w.pk, "45", E721, carol, erin, "1", "0", "ETH", "cryptopunks")
	r = w.tx(t, ethv("8"), transfer20(w.pk, erin, dave, big.NewInt(1)), punkBought(w.pk, 45, ethv("8"), erin, dave))
	w.expect(r, 1, 0, w.pk, "45", E721, erin, dave, "1", "8", "ETH", "cryptopunks")
	// alice bids 6 later; dave accepts it (the cached bids of punk 45 are
	// extended by the blocks since).
	w.tx(t, nil, punkBidEv(w.pk, false, 45, ethv("6"), alice))
	r = w.tx(t, nil, transfer20(w.pk, dave, alice, big.NewInt(1)), punkBought(w.pk, 45, big.NewInt(0), dave, zero))
	w.expect(r, 1, 0, w.pk, "45", E721, dave, alice, "1", "6", "ETH", "cryptopunks")

	// Noise: a contract not asked for, and a malformed Transfer (2 topics).
	r = w.tx(t, nil, transfer721(w.other, alice, bob, 1), ev{w.nft, []common.Hash{TopicTransfer, addrTopic(alice)}, nil})
	w.to = r.block
	tc.commit()
	tc.commit()
	return w
}

func (w *world) config(out string) Config {
	return Config{
		RPC: w.tc.url,
		Contracts: []datasets.Address{datasets.Address(w.nft), datasets.Address(w.tok), datasets.Address(w.multi), datasets.Address(w.pk),
			datasets.Address(w.kitty), datasets.Address(w.early), datasets.Address(w.old20)},
		ERC721: []datasets.Address{datasets.Address(w.early)},
		Marketplaces: []Marketplace{{"opensea", datasets.Address(w.sea)}, {"looksrare", datasets.Address(w.lr1)},
			{"looksrare", datasets.Address(w.lr2)}, {"blur", datasets.Address(w.blur)}, {"blur", datasets.Address(w.blur2)}, {"x2y2", datasets.Address(w.x2)}, {"element", datasets.Address(w.elem)},
			{"cryptopunks", datasets.Address(w.pk)}},
		WrappedNative: datasets.Address(w.weth),
		FromBlock:     w.from, ToBlock: w.to,
		ChunkBlocks: 4,
		SkipBadLogs: true, // the scenario's last transaction has a malformed Transfer
		ChainID:     1337, // the simulated backend and geth --dev
		SudoswapV1:  datasets.Address(w.sudo1F),
		SudoswapV2:  datasets.Address(w.sudo2F),
		Blend:       datasets.Address(w.blend),
		Out:         out,
		Create:      datasets.CreateWriter,
		RPCOptions:  RPCOptions{Timeout: 10 * time.Second, Retries: 30, Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond},
	}
}
