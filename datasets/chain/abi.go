package chain

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/washscan/washscan/datasets"
)

// Minimal ABIs of the events ingest decodes. Only the events are declared;
// each marketplace version that changed an event's shape has its own ABI,
// because two events of one name cannot share an abi.ABI.
const (
	abiTokens = `[
 {"type":"event","name":"Transfer","inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}]},
 {"type":"event","name":"TransferSingle","inputs":[{"name":"operator","type":"address","indexed":true},{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"id","type":"uint256","indexed":false},{"name":"value","type":"uint256","indexed":false}]},
 {"type":"event","name":"TransferBatch","inputs":[{"name":"operator","type":"address","indexed":true},{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"ids","type":"uint256[]","indexed":false},{"name":"values","type":"uint256[]","indexed":false}]}
]`
	abiPunks = `[
 {"type":"event","name":"Assign","inputs":[{"name":"to","type":"address","indexed":true},{"name":"punkIndex","type":"uint256","indexed":false}]},
 {"type":"event","name":"PunkTransfer","inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"punkIndex","type":"uint256","indexed":false}]},
 {"type":"event","name":"PunkBought","inputs":[{"name":"punkIndex","type":"uint256","indexed":true},{"name":"value","type":"uint256","indexed":false},{"name":"fromAddress","type":"address","indexed":true},{"name":"toAddress","type":"address","indexed":true}]},
 {"type":"event","name":"PunkBidEntered","inputs":[{"name":"punkIndex","type":"uint256","indexed":true},{"name":"value","type":"uint256","indexed":false},{"name":"fromAddress","type":"address","indexed":true}]},
 {"type":"event","name":"PunkBidWithdrawn","inputs":[{"name":"punkIndex","type":"uint256","indexed":true},{"name":"value","type":"uint256","indexed":false},{"name":"fromAddress","type":"address","indexed":true}]}
]`
	abiSeaport = `[
 {"type":"event","name":"OrderFulfilled","inputs":[
  {"name":"orderHash","type":"bytes32","indexed":false},
  {"name":"offerer","type":"address","indexed":true},
  {"name":"zone","type":"address","indexed":true},
  {"name":"recipient","type":"address","indexed":false},
  {"name":"offer","type":"tuple[]","indexed":false,"components":[{"name":"itemType","type":"uint8"},{"name":"token","type":"address"},{"name":"identifier","type":"uint256"},{"name":"amount","type":"uint256"}]},
  {"name":"consideration","type":"tuple[]","indexed":false,"components":[{"name":"itemType","type":"uint8"},{"name":"token","type":"address"},{"name":"identifier","type":"uint256"},{"name":"amount","type":"uint256"},{"name":"recipient","type":"address"}]}]}
]`
	abiLooksRareV1 = `[
 {"type":"event","name":"TakerAsk","inputs":[{"name":"orderHash","type":"bytes32","indexed":false},{"name":"orderNonce","type":"uint256","indexed":false},{"name":"taker","type":"address","indexed":true},{"name":"maker","type":"address","indexed":true},{"name":"strategy","type":"address","indexed":true},{"name":"currency","type":"address","indexed":false},{"name":"collection","type":"address","indexed":false},{"name":"tokenId","type":"uint256","indexed":false},{"name":"amount","type":"uint256","indexed":false},{"name":"price","type":"uint256","indexed":false}]},
 {"type":"event","name":"TakerBid","inputs":[{"name":"orderHash","type":"bytes32","indexed":false},{"name":"orderNonce","type":"uint256","indexed":false},{"name":"taker","type":"address","indexed":true},{"name":"maker","type":"address","indexed":true},{"name":"strategy","type":"address","indexed":true},{"name":"currency","type":"address","indexed":false},{"name":"collection","type":"address","indexed":false},{"name":"tokenId","type":"uint256","indexed":false},{"name":"amount","type":"uint256","indexed":false},{"name":"price","type":"uint256","indexed":false}]}
]`
	lrV2Nonce      = `{"name":"nonceInvalidationParameters","type":"tuple","indexed":false,"components":[{"name":"orderHash","type":"bytes32"},{"name":"orderNonce","type":"uint256"},{"name":"isNonceInvalidated","type":"bool"}]}`
	lrV2Tail       = `{"name":"strategyId","type":"uint256","indexed":false},{"name":"currency","type":"address","indexed":false},{"name":"collection","type":"address","indexed":false},{"name":"itemIds","type":"uint256[]","indexed":false},{"name":"amounts","type":"uint256[]","indexed":false},{"name":"feeRecipients","type":"address[2]","indexed":false},{"name":"feeAmounts","type":"uint256[3]","indexed":false}`
	abiLooksRareV2 = `[
 {"type":"event","name":"TakerAsk","inputs":[` + lrV2Nonce + `,{"name":"askUser","type":"address","indexed":false},{"name":"bidUser","type":"address","indexed":false},` + lrV2Tail + `]},
 {"type":"event","name":"TakerBid","inputs":[` + lrV2Nonce + `,{"name":"bidUser","type":"address","indexed":false},{"name":"bidRecipient","type":"address","indexed":false},` + lrV2Tail + `]}
]`
	blurOrder = `[{"name":"trader","type":"address"},{"name":"side","type":"uint8"},{"name":"matchingPolicy","type":"address"},{"name":"collection","type":"address"},{"name":"tokenId","type":"uint256"},{"name":"amount","type":"uint256"},{"name":"paymentToken","type":"address"},{"name":"price","type":"uint256"},{"name":"listingTime","type":"uint256"},{"name":"expirationTime","type":"uint256"},{"name":"fees","type":"tuple[]","components":[{"name":"rate","type":"uint16"},{"name":"recipient","type":"address"}]},{"name":"salt","type":"uint256"},{"name":"extraParams","type":"bytes"}]`
	abiBlur   = `[
 {"type":"event","name":"OrdersMatched","inputs":[{"name":"maker","type":"address","indexed":true},{"name":"taker","type":"address","indexed":true},{"name":"sell","type":"tuple","indexed":false,"components":` + blurOrder + `},{"name":"sellHash","type":"bytes32","indexed":false},{"name":"buy","type":"tuple","indexed":false,"components":` + blurOrder + `},{"name":"buyHash","type":"bytes32","indexed":false}]}
]`
	// Blur Exchange v2 (0xb2ec…cea5) logs ERC-721 executions as packed
	// words; see DecodeSale for their layout.
	abiBlurV2 = `[
 {"type":"event","name":"Execution721Packed","inputs":[{"name":"orderHash","type":"bytes32","indexed":false},{"name":"tokenIdListingIndexTrader","type":"uint256","indexed":false},{"name":"collectionPriceSide","type":"uint256","indexed":false}]},
 {"type":"event","name":"Execution721TakerFeePacked","inputs":[{"name":"orderHash","type":"bytes32","indexed":false},{"name":"tokenIdListingIndexTrader","type":"uint256","indexed":false},{"name":"collectionPriceSide","type":"uint256","indexed":false},{"name":"takerFeeRecipientRate","type":"uint256","indexed":false}]},
 {"type":"event","name":"Execution721MakerFeePacked","inputs":[{"name":"orderHash","type":"bytes32","indexed":false},{"name":"tokenIdListingIndexTrader","type":"uint256","indexed":false},{"name":"collectionPriceSide","type":"uint256","indexed":false},{"name":"makerFeeRecipientRate","type":"uint256","indexed":false}]},
 {"type":"event","name":"Execution","inputs":[
  {"name":"transfer","type":"tuple","indexed":false,"components":[{"name":"trader","type":"address"},{"name":"id","type":"uint256"},{"name":"amount","type":"uint256"},{"name":"collection","type":"address"},{"name":"assetType","type":"uint8"}]},
  {"name":"orderHash","type":"bytes32","indexed":false},{"name":"listingIndex","type":"uint256","indexed":false},{"name":"price","type":"uint256","indexed":false},
  {"name":"makerFee","type":"tuple","indexed":false,"components":[{"name":"recipient","type":"address"},{"name":"rate","type":"uint16"}]},
  {"name":"fees","type":"tuple","indexed":false,"components":[{"name":"protocolFee","type":"tuple","components":[{"name":"recipient","type":"address"},{"name":"rate","type":"uint16"}]},{"name":"takerFee","type":"tuple","components":[{"name":"recipient","type":"address"},{"name":"rate","type":"uint16"}]}]},
  {"name":"orderType","type":"uint8","indexed":false}]}
]`
	// Element (0x v4 NFT orders): the compact events of its first exchange
	// version, and the later ones that add the nonce and the fees.
	elV1Head   = `{"name":"maker","type":"address","indexed":false},{"name":"taker","type":"address","indexed":false},{"name":"erc20Token","type":"address","indexed":false},{"name":"erc20TokenAmount","type":"uint256","indexed":false}`
	elV2Head   = `{"name":"orderHash","type":"bytes32","indexed":false},{"name":"maker","type":"address","indexed":false},{"name":"taker","type":"address","indexed":false},{"name":"nonce","type":"uint256","indexed":false},{"name":"erc20Token","type":"address","indexed":false},{"name":"erc20TokenAmount","type":"uint256","indexed":false},{"name":"fees","type":"tuple[]","indexed":false,"components":[{"name":"recipient","type":"address"},{"name":"amount","type":"uint256"}]}`
	el721Tail  = `{"name":"nftToken","type":"address","indexed":false},{"name":"nftTokenId","type":"uint256","indexed":false}`
	el1155Tail = el721Tail + `,{"name":"nftFillAmount","type":"uint128","indexed":false}`
	abiElement = `[
 {"type":"event","name":"ERC721SellOrderFilled","inputs":[` + elV1Head + `,` + el721Tail + `,{"name":"orderHash","type":"bytes32","indexed":false}]},
 {"type":"event","name":"ERC721BuyOrderFilled","inputs":[` + elV1Head + `,` + el721Tail + `,{"name":"orderHash","type":"bytes32","indexed":false}]},
 {"type":"event","name":"ERC1155SellOrderFilled","inputs":[` + elV1Head + `,` + el1155Tail + `,{"name":"orderHash","type":"bytes32","indexed":false}]},
 {"type":"event","name":"ERC1155BuyOrderFilled","inputs":[` + elV1Head + `,` + el1155Tail + `,{"name":"orderHash","type":"bytes32","indexed":false}]}
]`
	abiElementV2 = `[
 {"type":"event","name":"ERC721SellOrderFilled","inputs":[` + elV2Head + `,` + el721Tail + `]},
 {"type":"event","name":"ERC721BuyOrderFilled","inputs":[` + elV2Head + `,` + el721Tail + `]},
 {"type":"event","name":"ERC1155SellOrderFilled","inputs":[` + elV2Head + `,` + el1155Tail + `]},
 {"type":"event","name":"ERC1155BuyOrderFilled","inputs":[` + elV2Head + `,` + el1155Tail + `]}
]`
	abiX2Y2 = `[
 {"type":"event","name":"EvInventory","inputs":[{"name":"itemHash","type":"bytes32","indexed":true},{"name":"maker","type":"address","indexed":false},{"name":"taker","type":"address","indexed":false},{"name":"orderSalt","type":"uint256","indexed":false},{"name":"settleSalt","type":"uint256","indexed":false},{"name":"intent","type":"uint256","indexed":false},{"name":"delegateType","type":"uint256","indexed":false},{"name":"deadline","type":"uint256","indexed":false},{"name":"currency","type":"address","indexed":false},{"name":"dataMask","type":"bytes","indexed":false},
  {"name":"item","type":"tuple","indexed":false,"components":[{"name":"price","type":"uint256"},{"name":"data","type":"bytes"}]},
  {"name":"detail","type":"tuple","indexed":false,"components":[{"name":"op","type":"uint8"},{"name":"orderIdx","type":"uint256"},{"name":"itemIdx","type":"uint256"},{"name":"price","type":"uint256"},{"name":"itemHash","type":"bytes32"},{"name":"executionDelegate","type":"address"},{"name":"dataReplacement","type":"bytes"},{"name":"bidIncentivePct","type":"uint256"},{"name":"aucMinIncrementPct","type":"uint256"},{"name":"aucIncDurationSecs","type":"uint256"},{"name":"fees","type":"tuple[]","components":[{"name":"percentage","type":"uint256"},{"name":"to","type":"address"}]}]}]}
]`
)

var (
	tokensABI   = mustABI(abiTokens)
	punksABI    = mustABI(abiPunks)
	seaportABI  = mustABI(abiSeaport)
	lrV1ABI     = mustABI(abiLooksRareV1)
	lrV2ABI     = mustABI(abiLooksRareV2)
	blurABI     = mustABI(abiBlur)
	blurV2ABI   = mustABI(abiBlurV2)
	elementABI  = mustABI(abiElement)
	elementV2   = mustABI(abiElementV2)
	x2y2ABI     = mustABI(abiX2Y2)
	x2y2Pairs   = mustArgs(`[{"name":"pairs","type":"tuple[]","components":[{"name":"token","type":"address"},{"name":"tokenId","type":"uint256"}]}]`)
	x2y2Pairs11 = mustArgs(`[{"name":"pairs","type":"tuple[]","components":[{"name":"token","type":"address"},{"name":"tokenId","type":"uint256"},{"name":"amount","type":"uint256"}]}]`)

	// Event topics (keccak of the canonical signature).
	TopicTransfer       = tokensABI.Events["Transfer"].ID
	TopicTransferSingle = tokensABI.Events["TransferSingle"].ID
	TopicTransferBatch  = tokensABI.Events["TransferBatch"].ID
	TopicPunkAssign     = punksABI.Events["Assign"].ID
	TopicPunkTransfer   = punksABI.Events["PunkTransfer"].ID
	TopicPunkBought     = punksABI.Events["PunkBought"].ID
	TopicPunkBidEntered = punksABI.Events["PunkBidEntered"].ID
	TopicPunkBidWithdrn = punksABI.Events["PunkBidWithdrawn"].ID
	TopicOrderFulfilled = seaportABI.Events["OrderFulfilled"].ID
	TopicLooksRareAsk   = lrV1ABI.Events["TakerAsk"].ID
	TopicLooksRareBid   = lrV1ABI.Events["TakerBid"].ID
	TopicLooksRareV2Ask = lrV2ABI.Events["TakerAsk"].ID
	TopicLooksRareV2Bid = lrV2ABI.Events["TakerBid"].ID
	TopicBlurMatched    = blurABI.Events["OrdersMatched"].ID
	TopicX2Y2Inventory  = x2y2ABI.Events["EvInventory"].ID
	TopicBlurV2Packed   = blurV2ABI.Events["Execution721Packed"].ID
	TopicBlurV2TakerFee = blurV2ABI.Events["Execution721TakerFeePacked"].ID
	TopicBlurV2MakerFee = blurV2ABI.Events["Execution721MakerFeePacked"].ID
	TopicBlurV2Exec     = blurV2ABI.Events["Execution"].ID

	// elementEvents maps the topic of each Element fill to its ABI and name.
	elementEvents = func() map[common.Hash]elementEvent {
		m := map[common.Hash]elementEvent{}
		for _, a := range []*abi.ABI{&elementABI, &elementV2} {
			for name, e := range a.Events {
				m[e.ID] = elementEvent{a, name, a == &elementV2}
			}
		}
		return m
	}()

	// ElementNative is the pseudo-address Element's events name for ETH.
	ElementNative = mustAddr("0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")
)

func mustABI(s string) abi.ABI {
	a, err := abi.JSON(strings.NewReader(s))
	if err != nil {
		panic(err) // programmer error: the constants above are fixed
	}
	return a
}

func mustArgs(s string) abi.Arguments {
	a := mustABI(`[{"type":"function","name":"f","inputs":` + s + `}]`)
	return a.Methods["f"].Inputs
}

// Errors of the log decoders.
var (
	ErrNotTransfer = errors.New("not a transfer event")
	ErrNotSale     = errors.New("not a sale event")
	ErrMalformed   = errors.New("malformed event")
)

// Transfer is one item moved by a token event: one ERC-721 or ERC-20
// Transfer, one TransferSingle, or one id of a TransferBatch (Pos is its
// position in the batch, 0 otherwise).
type Transfer struct {
	Contract datasets.Address
	Standard datasets.Standard
	TokenID  *big.Int // nil for ERC-20
	From, To datasets.Address
	Amount   *big.Int
	LogIndex uint
	Pos      int
}

// DecodeTransfer decodes an ERC-721 Transfer (4 topics), an ERC-20 Transfer
// (3 topics, 32 bytes of data, or 1 topic and 96 bytes of data: an early
// token with no indexed argument), an ERC-1155 TransferSingle or
// TransferBatch. A TransferBatch yields one Transfer per id. It never
// panics: logs that do not have the shape of their topic return an error
// wrapping ErrMalformed, other events ErrNotTransfer. Cost is O(len(data)).
func DecodeTransfer(lg *types.Log) (out []Transfer, err error) {
	return DecodeTransferAs(lg, false)
}

// AmbiguousTransfer reports whether lg is a Transfer whose shape fits both
// ERC-20 and an early ERC-721 whose token id is not indexed: 3 topics and
// one data word, or (CryptoKitties) 1 topic and three data words. Only the
// contract can tell which it is; see DecodeTransferAs.
func AmbiguousTransfer(lg *types.Log) bool {
	return len(lg.Topics) > 0 && lg.Topics[0] == TopicTransfer &&
		(len(lg.Topics) == 3 && len(lg.Data) == 32 || len(lg.Topics) == 1 && len(lg.Data) == 96)
}

// DecodeTransferAs is DecodeTransfer that reads an ambiguous Transfer
// (AmbiguousTransfer) as ERC-721, the value being the token id, when erc721
// is true.
func DecodeTransferAs(lg *types.Log, erc721 bool) (out []Transfer, err error) {
	defer recoverDecode(&err)
	if len(lg.Topics) == 0 {
		return nil, ErrNotTransfer
	}
	base := Transfer{Contract: datasets.Address(lg.Address), LogIndex: lg.Index}
	switch lg.Topics[0] {
	case TopicTransfer:
		var value []byte
		switch {
		case len(lg.Topics) == 4:
			base.Standard = datasets.ERC721
			base.From, base.To = topicAddr(lg.Topics[1]), topicAddr(lg.Topics[2])
			base.TokenID = new(big.Int).SetBytes(lg.Topics[3][:])
			base.Amount = big.NewInt(1)
			return []Transfer{base}, nil
		case len(lg.Topics) == 3 && len(lg.Data) == 32:
			base.From, base.To, value = topicAddr(lg.Topics[1]), topicAddr(lg.Topics[2]), lg.Data
		case len(lg.Topics) == 1 && len(lg.Data) == 96:
			if !isAddrWord(lg.Data[:32]) || !isAddrWord(lg.Data[32:64]) {
				return nil, fmt.Errorf("%w: Transfer with an address word above 160 bits", ErrMalformed)
			}
			copy(base.From[:], lg.Data[12:32])
			copy(base.To[:], lg.Data[44:64])
			value = lg.Data[64:]
		case len(lg.Topics) == 3:
			return nil, fmt.Errorf("%w: erc20 Transfer with %d data bytes", ErrMalformed, len(lg.Data))
		default:
			return nil, fmt.Errorf("%w: Transfer with %d topics, %d data bytes", ErrMalformed, len(lg.Topics), len(lg.Data))
		}
		if erc721 {
			base.Standard, base.TokenID, base.Amount = datasets.ERC721, new(big.Int).SetBytes(value), big.NewInt(1)
		} else {
			base.Standard, base.Amount = datasets.ERC20, new(big.Int).SetBytes(value)
		}
		return []Transfer{base}, nil
	case TopicTransferSingle:
		if len(lg.Topics) != 4 || len(lg.Data) != 64 {
			return nil, fmt.Errorf("%w: TransferSingle with %d topics, %d data bytes", ErrMalformed, len(lg.Topics), len(lg.Data))
		}
		base.Standard = datasets.ERC1155
		base.From, base.To = topicAddr(lg.Topics[2]), topicAddr(lg.Topics[3])
		base.TokenID = new(big.Int).SetBytes(lg.Data[:32])
		base.Amount = new(big.Int).SetBytes(lg.Data[32:])
		return []Transfer{base}, nil
	case TopicTransferBatch:
		if len(lg.Topics) != 4 {
			return nil, fmt.Errorf("%w: TransferBatch with %d topics", ErrMalformed, len(lg.Topics))
		}
		var v struct {
			Ids    []*big.Int
			Values []*big.Int
		}
		if err := tokensABI.UnpackIntoInterface(&v, "TransferBatch", lg.Data); err != nil {
			return nil, fmt.Errorf("%w: TransferBatch: %v", ErrMalformed, err)
		}
		if len(v.Ids) != len(v.Values) {
			return nil, fmt.Errorf("%w: TransferBatch with %d ids and %d values", ErrMalformed, len(v.Ids), len(v.Values))
		}
		base.Standard = datasets.ERC1155
		base.From, base.To = topicAddr(lg.Topics[2]), topicAddr(lg.Topics[3])
		out = make([]Transfer, len(v.Ids))
		for i := range v.Ids {
			t := base
			t.TokenID, t.Amount, t.Pos = v.Ids[i], v.Values[i], i
			out[i] = t
		}
		return out, nil
	}
	return nil, ErrNotTransfer
}

// PunkEvent is a CryptoPunks market event that moves a punk: Assign (a claim,
// From zero), PunkTransfer, or PunkBought (Price > 0 or a sale at 0); or a
// bid: PunkBidEntered ("bid", From the bidder, Price the bid) or
// PunkBidWithdrawn ("withdrawn"). To and Price of a PunkBought are zero when a
// bid was accepted (the contract zeroes the bid before logging it); the
// ingest takes the buyer from the Transfer log that precedes it and the price
// from the latest PunkBidEntered for that punk (see Config.PunkBidLookback).
type PunkEvent struct {
	Kind     string // "assign", "transfer", "bought", "bid", "withdrawn"
	Index    *big.Int
	From, To datasets.Address
	Price    *big.Int // wei; nil unless bought
	LogIndex uint
}

// DecodePunk decodes the CryptoPunks Assign, PunkTransfer, PunkBought,
// PunkBidEntered and PunkBidWithdrawn events; the ERC-20-shaped Transfer(from, to, 1) the contract also emits
// returns ErrNotTransfer. It never panics.
func DecodePunk(lg *types.Log) (ev *PunkEvent, err error) {
	defer recoverDecode(&err)
	if len(lg.Topics) == 0 {
		return nil, ErrNotTransfer
	}
	switch lg.Topics[0] {
	case TopicPunkAssign:
		if len(lg.Topics) != 2 || len(lg.Data) != 32 {
			return nil, fmt.Errorf("%w: Assign", ErrMalformed)
		}
		return &PunkEvent{Kind: "assign", Index: new(big.Int).SetBytes(lg.Data), To: topicAddr(lg.Topics[1]), LogIndex: lg.Index}, nil
	case TopicPunkTransfer:
		if len(lg.Topics) != 3 || len(lg.Data) != 32 {
			return nil, fmt.Errorf("%w: PunkTransfer", ErrMalformed)
		}
		return &PunkEvent{Kind: "transfer", Index: new(big.Int).SetBytes(lg.Data), From: topicAddr(lg.Topics[1]), To: topicAddr(lg.Topics[2]), LogIndex: lg.Index}, nil
	case TopicPunkBought:
		if len(lg.Topics) != 4 || len(lg.Data) != 32 {
			return nil, fmt.Errorf("%w: PunkBought", ErrMalformed)
		}
		return &PunkEvent{Kind: "bought", Index: new(big.Int).SetBytes(lg.Topics[1][:]), Price: new(big.Int).SetBytes(lg.Data),
			From: topicAddr(lg.Topics[2]), To: topicAddr(lg.Topics[3]), LogIndex: lg.Index}, nil
	case TopicPunkBidEntered, TopicPunkBidWithdrn:
		if len(lg.Topics) != 3 || len(lg.Data) != 32 {
			return nil, fmt.Errorf("%w: PunkBid event", ErrMalformed)
		}
		kind := "bid"
		if lg.Topics[0] == TopicPunkBidWithdrn {
			kind = "withdrawn"
		}
		return &PunkEvent{Kind: kind, Index: new(big.Int).SetBytes(lg.Topics[1][:]), Price: new(big.Int).SetBytes(lg.Data),
			From: topicAddr(lg.Topics[2]), LogIndex: lg.Index}, nil
	}
	return nil, ErrNotTransfer
}

// Item is one NFT a sale settles.
type Item struct {
	Contract datasets.Address
	TokenID  *big.Int
}

// Sale is a decoded marketplace sale event: the NFTs it settles (in the order
// the event lists them), the total price in the smallest unit of Currency
// (the zero address for the native coin), and the log index. Seller and
// Buyer are set when the event names them (zero otherwise); ingest takes the
// parties from the transfers and uses these only to tell the hops of an
// aggregated purchase apart.
type Sale struct {
	Items         []Item
	Price         *big.Int
	Currency      datasets.Address
	Seller, Buyer datasets.Address
	LogIndex      uint
}

// Blur v2 order sides (OrderType in the exchange's published structs).
const (
	blurV2Ask = 0 // a listing: the trader sells, the taker buys
	blurV2Bid = 1 // a bid: the trader buys, the taker sells
)

// Seaport item types.
const (
	seaNative = iota
	seaERC20
	seaERC721
	seaERC1155
	seaERC721Criteria
	seaERC1155Criteria
)

// DecodeSale decodes a Seaport OrderFulfilled (1.1–1.6), LooksRare v1 and v2
// TakerAsk/TakerBid, Blur OrdersMatched, Blur v2 Execution721Packed,
// Execution721TakerFeePacked and Execution721MakerFeePacked, or X2Y2
// EvInventory event. It never
// panics; a log of another event returns ErrNotSale, a malformed one an
// error wrapping ErrMalformed. A sale whose payment cannot be told (a Seaport
// order that mixes currencies) returns a nil Price. Cost is O(len(data)).
func DecodeSale(lg *types.Log) (s *Sale, err error) {
	defer recoverDecode(&err)
	if len(lg.Topics) == 0 {
		return nil, ErrNotSale
	}
	s = &Sale{LogIndex: lg.Index}
	if ee, ok := elementEvents[lg.Topics[0]]; ok {
		return decodeElement(lg, ee, s)
	}
	switch lg.Topics[0] {
	case TopicOrderFulfilled:
		m, err := unpackLog(seaportABI, "OrderFulfilled", lg, 3)
		if err != nil {
			return nil, err
		}
		type it struct {
			t      uint8
			token  common.Address
			id, am *big.Int
		}
		items := func(list any) []it {
			rv := reflect.ValueOf(list)
			out := make([]it, rv.Len())
			for i := range out {
				e := rv.Index(i).Interface()
				out[i] = it{fUint8(e, "ItemType"), fAddr(e, "Token"), fBig(e, "Identifier"), fBig(e, "Amount")}
			}
			return out
		}
		offer, cons := items(m["offer"]), items(m["consideration"])
		isNFT := func(t uint8) bool { return t >= seaERC721 && t <= seaERC1155Criteria }
		nfts, pay := offer, cons // a listing: the offerer gives NFTs, payment is the consideration
		hasNFT := false
		for _, o := range offer {
			hasNFT = hasNFT || isNFT(o.t)
		}
		if !hasNFT { // an offer (bid): the offerer pays, NFTs are in the consideration
			nfts, pay = cons, offer
		}
		for _, n := range nfts {
			if isNFT(n.t) {
				s.Items = append(s.Items, Item{datasets.Address(n.token), n.id})
			}
		}
		total, first := new(big.Int), true
		for _, p := range pay {
			if p.t != seaNative && p.t != seaERC20 {
				continue
			}
			cur := datasets.Address(p.token)
			if p.t == seaNative {
				cur = datasets.Address{}
			}
			if first {
				s.Currency, first = cur, false
			} else if cur != s.Currency {
				return s, nil // mixed currencies: price unknown
			}
			total.Add(total, p.am)
		}
		if !first {
			s.Price = total
		}
		return s, nil
	case TopicLooksRareAsk, TopicLooksRareBid:
		m, err := unpackLog(lrV1ABI, "TakerAsk", lg, 4)
		if err != nil {
			return nil, err
		}
		s.Items = []Item{{datasets.Address(m["collection"].(common.Address)), m["tokenId"].(*big.Int)}}
		s.Price, s.Currency = m["price"].(*big.Int), datasets.Address(m["currency"].(common.Address))
		return s, nil
	case TopicLooksRareV2Ask, TopicLooksRareV2Bid:
		m, err := unpackLog(lrV2ABI, "TakerAsk", lg, 1)
		if err != nil {
			return nil, err
		}
		coll := datasets.Address(m["collection"].(common.Address))
		for _, id := range m["itemIds"].([]*big.Int) {
			s.Items = append(s.Items, Item{coll, id})
		}
		s.Price = new(big.Int)
		for _, f := range m["feeAmounts"].([3]*big.Int) {
			s.Price.Add(s.Price, f)
		}
		s.Currency = datasets.Address(m["currency"].(common.Address))
		return s, nil
	case TopicBlurMatched:
		m, err := unpackLog(blurABI, "OrdersMatched", lg, 3)
		if err != nil {
			return nil, err
		}
		sell := m["sell"]
		s.Items = []Item{{datasets.Address(fAddr(sell, "Collection")), fBig(sell, "TokenId")}}
		s.Price, s.Currency = fBig(sell, "Price"), datasets.Address(fAddr(sell, "PaymentToken"))
		return s, nil
	case TopicBlurV2Packed, TopicBlurV2TakerFee, TopicBlurV2MakerFee:
		// Static words: orderHash, tokenIdListingIndexTrader (token id in
		// the top 88 bits, listing index 8, trader 160), collectionPriceSide
		// (side 8, price 88, collection 160), and in the fee variants a fee
		// word (rate 96 | recipient 160), which does not change the price.
		want := 96
		if lg.Topics[0] != TopicBlurV2Packed {
			want = 128
		}
		if len(lg.Topics) != 1 || len(lg.Data) != want {
			return nil, fmt.Errorf("%w: Blur v2 execution with %d topics, %d data bytes", ErrMalformed, len(lg.Topics), len(lg.Data))
		}
		w1, w2 := lg.Data[32:64], lg.Data[64:96]
		var trader, coll datasets.Address
		copy(trader[:], w1[12:])
		copy(coll[:], w2[12:])
		side := w2[0]
		if side != blurV2Ask && side != blurV2Bid {
			return nil, fmt.Errorf("%w: Blur v2 execution with order side %d", ErrMalformed, side)
		}
		s.Items = []Item{{coll, new(big.Int).SetBytes(w1[:11])}}
		s.Price = new(big.Int).SetBytes(w2[1:12])
		// Listings are paid in ETH, bids in Blur Pool (1:1 ETH): both are ETH.
		s.Currency = datasets.Address{}
		if side == blurV2Ask {
			s.Seller = trader
		} else {
			s.Buyer = trader
		}
		return s, nil
	case TopicBlurV2Exec:
		// The unpacked execution (ERC-1155, or values too wide to pack):
		// price is the total the order was filled for (unit price times
		// amount); orderType 0 is a listing, 1 a bid, as when packed.
		m, err := unpackLog(blurV2ABI, "Execution", lg, 1)
		if err != nil {
			return nil, err
		}
		tr, side := m["transfer"], m["orderType"].(uint8)
		if side != blurV2Ask && side != blurV2Bid {
			return nil, fmt.Errorf("%w: Blur v2 Execution with order type %d", ErrMalformed, side)
		}
		s.Items = []Item{{datasets.Address(fAddr(tr, "Collection")), fBig(tr, "Id")}}
		s.Price = m["price"].(*big.Int)
		if trader := datasets.Address(fAddr(tr, "Trader")); side == blurV2Ask {
			s.Seller = trader
		} else {
			s.Buyer = trader
		}
		return s, nil
	case TopicX2Y2Inventory:
		m, err := unpackLog(x2y2ABI, "EvInventory", lg, 2)
		if err != nil {
			return nil, err
		}
		detail, item := m["detail"], m["item"]
		// Ops 1 (complete sell offer), 2 (complete buy offer) and 5
		// (complete auction) are sales; the others are lifecycle events.
		if op := fUint8(detail, "Op"); op != 1 && op != 2 && op != 5 {
			return nil, ErrNotSale
		}
		data := fBytes(item, "Data")
		mask, repl := m["dataMask"].([]byte), fBytes(detail, "DataReplacement")
		if len(mask) > 0 && len(mask) == len(data) && len(repl) == len(data) {
			data = append([]byte(nil), data...)
			for i, b := range mask {
				if b != 0 {
					data[i] = repl[i]
				}
			}
		}
		args := x2y2Pairs
		if dt := m["delegateType"].(*big.Int); dt.IsInt64() && dt.Int64() == 2 {
			args = x2y2Pairs11
		}
		if vals, err := args.Unpack(data); err == nil && len(vals) == 1 {
			rv := reflect.ValueOf(vals[0])
			for i := 0; i < rv.Len(); i++ {
				e := rv.Index(i).Interface()
				s.Items = append(s.Items, Item{datasets.Address(fAddr(e, "Token")), fBig(e, "TokenId")})
			}
		}
		s.Price, s.Currency = fBig(detail, "Price"), datasets.Address(m["currency"].(common.Address))
		return s, nil
	}
	return nil, ErrNotSale
}

type elementEvent struct {
	abi  *abi.ABI
	name string
	v2   bool // with nonce and fees
}

// decodeElement decodes an Element fill into s.
func decodeElement(lg *types.Log, ee elementEvent, s *Sale) (*Sale, error) {
	m, err := unpackLog(*ee.abi, ee.name, lg, 1)
	if err != nil {
		return nil, err
	}
	s.Items = []Item{{datasets.Address(m["nftToken"].(common.Address)), m["nftTokenId"].(*big.Int)}}
	s.Currency = datasets.Address(m["erc20Token"].(common.Address))
	if s.Currency == ElementNative {
		s.Currency = datasets.Address{}
	}
	// The buyer pays the amount to the seller and the fees on top.
	s.Price = new(big.Int).Set(m["erc20TokenAmount"].(*big.Int))
	if ee.v2 {
		fees := reflect.ValueOf(m["fees"])
		for i := 0; i < fees.Len(); i++ {
			s.Price.Add(s.Price, fBig(fees.Index(i).Interface(), "Amount"))
		}
	}
	maker, taker := datasets.Address(m["maker"].(common.Address)), datasets.Address(m["taker"].(common.Address))
	if strings.Contains(ee.name, "Sell") { // a sell order: the maker sells
		s.Seller, s.Buyer = maker, taker
	} else {
		s.Seller, s.Buyer = taker, maker
	}
	return s, nil
}

// IsSaleTopic reports whether topic is the first topic of a sale event DecodeSale reads.
func IsSaleTopic(topic common.Hash) bool {
	if _, ok := elementEvents[topic]; ok {
		return true
	}
	switch topic {
	case TopicOrderFulfilled, TopicLooksRareAsk, TopicLooksRareBid, TopicLooksRareV2Ask,
		TopicLooksRareV2Bid, TopicBlurMatched, TopicX2Y2Inventory,
		TopicBlurV2Packed, TopicBlurV2TakerFee, TopicBlurV2MakerFee, TopicBlurV2Exec:
		return true
	}
	return false
}

// unpackLog checks that lg has the topic count of event and unpacks its data.
func unpackLog(a abi.ABI, event string, lg *types.Log, topics int) (map[string]any, error) {
	if len(lg.Topics) != topics {
		return nil, fmt.Errorf("%w: %s with %d topics", ErrMalformed, event, len(lg.Topics))
	}
	return unpackMap(a, event, lg.Data)
}

func unpackMap(a abi.ABI, event string, data []byte) (map[string]any, error) {
	m := make(map[string]any)
	if err := a.UnpackIntoMap(m, event, data); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, event, err)
	}
	return m, nil
}

// Field accessors of the anonymous structs go-ethereum builds for tuples.
func field(v any, name string) any            { return reflect.ValueOf(v).FieldByName(name).Interface() }
func fAddr(v any, name string) common.Address { return field(v, name).(common.Address) }
func fBig(v any, name string) *big.Int        { return field(v, name).(*big.Int) }
func fUint8(v any, name string) uint8         { return field(v, name).(uint8) }
func fBytes(v any, name string) []byte        { return field(v, name).([]byte) }

// isAddrWord reports whether a 32-byte word holds an address (12 zero bytes first).
func isAddrWord(w []byte) bool {
	for _, b := range w[:12] {
		if b != 0 {
			return false
		}
	}
	return true
}

func topicAddr(h common.Hash) datasets.Address {
	var a datasets.Address
	copy(a[:], h[12:])
	return a
}

// recoverDecode turns a panic inside go-ethereum's ABI decoder on hostile
// input into an error: untrusted logs must never crash an ingest.
func recoverDecode(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: decoder panic: %v", ErrMalformed, r)
	}
}
