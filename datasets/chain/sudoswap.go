package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/washscan/washscan/datasets"
)

// Sudoswap pools (pairs) are clones at addresses of their own, so their
// swap events cannot be trusted by address like a marketplace's: ingest asks
// the Sudoswap factory whether the emitting contract is one of its pairs
// (v1 isPair(pair, variant), v2 isValidPair(pair)), which checks the clone's
// code, and caches the answer per pair.
const (
	abiSudoV1 = `[
 {"type":"event","name":"SwapNFTInPair","inputs":[]},
 {"type":"event","name":"SwapNFTOutPair","inputs":[]}
]`
	abiSudoV2 = `[
 {"type":"event","name":"SwapNFTInPair","inputs":[{"name":"amountOut","type":"uint256","indexed":false},{"name":"ids","type":"uint256[]","indexed":false}]},
 {"type":"event","name":"SwapNFTOutPair","inputs":[{"name":"amountIn","type":"uint256","indexed":false},{"name":"ids","type":"uint256[]","indexed":false}]}
]`
	// v2 ERC-1155 pairs hold one token id (nftId()) and log how many moved.
	abiSudoV2Multi = `[
 {"type":"event","name":"SwapNFTInPair","inputs":[{"name":"amountOut","type":"uint256","indexed":false},{"name":"numNFTs","type":"uint256","indexed":false}]},
 {"type":"event","name":"SwapNFTOutPair","inputs":[{"name":"amountIn","type":"uint256","indexed":false},{"name":"numNFTs","type":"uint256","indexed":false}]}
]`
)

var (
	sudoV1ABI = mustABI(abiSudoV1)
	sudoV2ABI = mustABI(abiSudoV2)
	sudoV2M   = mustABI(abiSudoV2Multi)

	TopicSudoV1In   = sudoV1ABI.Events["SwapNFTInPair"].ID
	TopicSudoV1Out  = sudoV1ABI.Events["SwapNFTOutPair"].ID
	TopicSudoV2In   = sudoV2ABI.Events["SwapNFTInPair"].ID
	TopicSudoV2Out  = sudoV2ABI.Events["SwapNFTOutPair"].ID
	TopicSudoV2MIn  = sudoV2M.Events["SwapNFTInPair"].ID
	TopicSudoV2MOut = sudoV2M.Events["SwapNFTOutPair"].ID

	// MainnetSudoswapV1 and MainnetSudoswapV2 are the Sudoswap pair factories.
	MainnetSudoswapV1 = mustAddr("0xb16c1342e617a5b6e4b631eb114483fdb289c0a4")
	MainnetSudoswapV2 = mustAddr("0xa020d57ab0448ef74115c112d18a9c231cc86000")
)

// SudoSwap is a decoded Sudoswap pair swap. Out is true when the pool sold
// NFTs (SwapNFTOutPair: a buyer paid Amount), false when it bought them
// (SwapNFTInPair: the seller received Amount). V1 events carry neither
// amount nor ids (Amount and IDs nil); a v2 ERC-1155 pair's events carry
// the count of its one token id (Count; IDs nil).
type SudoSwap struct {
	V2, Out bool
	Amount  *big.Int
	IDs     []*big.Int
	Count   *big.Int
}

// DecodeSudoswap decodes the Sudoswap v1 and v2 (ERC-721) pair events
// SwapNFTInPair and SwapNFTOutPair. It never panics; other events return
// ErrNotSale.
func DecodeSudoswap(lg *types.Log) (s *SudoSwap, err error) {
	defer recoverDecode(&err)
	if len(lg.Topics) == 0 {
		return nil, ErrNotSale
	}
	switch t := lg.Topics[0]; t {
	case TopicSudoV1In, TopicSudoV1Out:
		if len(lg.Topics) != 1 || len(lg.Data) != 0 {
			return nil, fmt.Errorf("%w: Sudoswap v1 swap with %d topics, %d data bytes", ErrMalformed, len(lg.Topics), len(lg.Data))
		}
		return &SudoSwap{Out: t == TopicSudoV1Out}, nil
	case TopicSudoV2In, TopicSudoV2Out:
		if len(lg.Topics) != 1 {
			return nil, fmt.Errorf("%w: Sudoswap v2 swap with %d topics", ErrMalformed, len(lg.Topics))
		}
		vals, err := sudoV2ABI.Events["SwapNFTInPair"].Inputs.Unpack(lg.Data)
		if err != nil || len(vals) != 2 {
			return nil, fmt.Errorf("%w: Sudoswap v2 swap: %v", ErrMalformed, err)
		}
		return &SudoSwap{V2: true, Out: t == TopicSudoV2Out, Amount: vals[0].(*big.Int), IDs: vals[1].([]*big.Int)}, nil
	case TopicSudoV2MIn, TopicSudoV2MOut:
		if len(lg.Topics) != 1 || len(lg.Data) != 64 {
			return nil, fmt.Errorf("%w: Sudoswap v2 ERC-1155 swap with %d topics, %d data bytes", ErrMalformed, len(lg.Topics), len(lg.Data))
		}
		return &SudoSwap{V2: true, Out: t == TopicSudoV2MOut, Amount: new(big.Int).SetBytes(lg.Data[:32]), Count: new(big.Int).SetBytes(lg.Data[32:])}, nil
	}
	return nil, ErrNotSale
}

func isSudoTopic(t common.Hash) bool {
	switch t {
	case TopicSudoV1In, TopicSudoV1Out, TopicSudoV2In, TopicSudoV2Out, TopicSudoV2MIn, TopicSudoV2MOut:
		return true
	}
	return false
}

// sudoPair is what the factory and the pair say about a pair.
type sudoPair struct {
	valid    bool
	nft      datasets.Address
	nftID    *big.Int         // the token id of an ERC-1155 pair (v2 variants 2 and 3)
	currency datasets.Address // zero: ETH
}

// Selectors of the view functions ingest calls.
var (
	selPairVariant = []byte{0x30, 0x53, 0xfc, 0x58} // pairVariant()
	selNFT         = []byte{0x47, 0xcc, 0xca, 0x02} // nft()
	selToken       = []byte{0xfc, 0x0c, 0x54, 0x6a} // token()
	selIsValidPair = []byte{0x92, 0x94, 0x11, 0x8c} // isValidPair(address) (v2)
	selIsPair      = []byte{0x08, 0xf2, 0x5a, 0x8f} // isPair(address,uint8) (v1)
	selNFTID       = []byte{0xc6, 0xbc, 0x51, 0x82} // nftId() (v2 ERC-1155 pairs)
)

// view calls a view function at the latest block. A call the node answers
// with a JSON-RPC error (a revert, no such function) is ok == false; a
// failure to get an answer is err.
func (g *ingester) view(ctx context.Context, to datasets.Address, data []byte) (out []byte, ok bool, err error) {
	var res hexutil.Bytes
	err = g.n.call(ctx, &res, "eth_call", map[string]any{"to": common.Address(to), "data": hexutil.Bytes(data)}, "latest")
	var re rpc.Error
	if errors.As(err, &re) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return res, true, nil
}

func asWord(b []byte) (*big.Int, bool) {
	if len(b) != 32 {
		return nil, false
	}
	return new(big.Int).SetBytes(b), true
}

func wordAddr(b []byte) (datasets.Address, bool) {
	v, ok := asWord(b)
	if !ok || v.BitLen() > 160 {
		return datasets.Address{}, false
	}
	return datasets.Address(common.BigToAddress(v)), true
}

// sudoPairInfo asks the factory of the event's version whether pair is its
// pair, and the pair for its NFT contract and payment token. Cached.
func (g *ingester) sudoPairInfo(ctx context.Context, pair datasets.Address, v2 bool) (sudoPair, error) {
	if p, ok := g.sudoPairs[pair]; ok {
		return p, nil
	}
	var p sudoPair
	factory := g.cfg.SudoswapV1
	if v2 {
		factory = g.cfg.SudoswapV2
	}
	if factory.IsZero() {
		g.sudoPairs[pair] = p
		return p, nil
	}
	arg := common.LeftPadBytes(pair[:], 32)
	vb, ok, err := g.view(ctx, pair, selPairVariant)
	if err != nil {
		return p, err
	}
	variant, okV := asWord(vb)
	if ok && okV && variant.IsUint64() && variant.Uint64() <= 3 {
		var ans []byte
		if v2 {
			ans, ok, err = g.view(ctx, factory, append(append([]byte{}, selIsValidPair...), arg...))
		} else {
			ans, ok, err = g.view(ctx, factory, append(append(append([]byte{}, selIsPair...), arg...), common.LeftPadBytes(variant.Bytes(), 32)...))
		}
		if err != nil {
			return p, err
		}
		if yes, okW := asWord(ans); ok && okW && yes.Sign() != 0 {
			nb, ok, err := g.view(ctx, pair, selNFT)
			if err != nil {
				return p, err
			}
			p.nft, p.valid = wordAddr(nb)
			p.valid = p.valid && ok
			if v2 && variant.Uint64() >= 2 && p.valid { // an ERC-1155 pair
				ib, ok, err := g.view(ctx, pair, selNFTID)
				if err != nil {
					return p, err
				}
				p.nftID, p.valid = asWord(ib)
				p.valid = p.valid && ok
			}
			// ERC-20 variants: v1 2 and 3, v2 1 and 3.
			if erc20 := v2 && variant.Uint64()%2 == 1 || !v2 && variant.Uint64() >= 2; erc20 && p.valid {
				tb, ok, err := g.view(ctx, pair, selToken)
				if err != nil {
					return p, err
				}
				p.currency, p.valid = wordAddr(tb)
				p.valid = p.valid && ok
			}
		}
	}
	g.sudoPairs[pair] = p
	return p, nil
}

// sudoSales turns the Sudoswap swaps of a transaction into sales. A v2
// event names its ids and amount (the buyer's payment, or the seller's
// proceeds, fees included as the pair reports them). A v1 event names
// neither: its items are the transfers of the pair's NFT from the pair (a
// buy) or to it (a sell) in the transaction; an ERC-20 pair's price is the
// token paid to (buy) or by (sell) the pair in the transaction, an ETH
// pair's price of a buy is the transaction's ETH value (an upper bound:
// overpayment is refunded by an internal transfer no log shows), and of a
// sell unknown without traces (0).
func (g *ingester) sudoSales(ctx context.Context, tx *rpcTx, rows []pendingRow, receipt []*types.Log) ([]*Sale, error) {
	var out []*Sale
	var ethBuys *Sale // v1 ETH buys share the transaction's value
	for _, lg := range receipt {
		if len(lg.Topics) == 0 || !isSudoTopic(lg.Topics[0]) {
			continue
		}
		sw, err := DecodeSudoswap(lg)
		if err != nil {
			if err := g.bad(lg, err); err != nil {
				return nil, err
			}
			continue
		}
		pair := datasets.Address(lg.Address)
		info, err := g.sudoPairInfo(ctx, pair, sw.V2)
		if err != nil {
			return nil, err
		}
		if !info.valid {
			continue // a look-alike event, or not a pair of the factory
		}
		s := &Sale{Currency: info.currency, LogIndex: lg.Index, Price: sw.Amount}
		if sw.Out {
			s.Seller = pair
		} else {
			s.Buyer = pair
		}
		if sw.V2 {
			if (sw.Count != nil) != (info.nftID != nil) {
				continue // an ERC-1155 event from an ERC-721 pair, or the reverse
			}
			for _, id := range sw.IDs {
				s.Items = append(s.Items, Item{info.nft, id})
			}
			if sw.Count != nil {
				s.Items = []Item{{info.nft, info.nftID}} // one TransferSingle of Count
			}
			out = append(out, s)
			continue
		}
		for _, r := range rows {
			if r.Contract == info.nft && r.tokenID != nil && (sw.Out && r.Seller == pair || !sw.Out && r.Buyer == pair) {
				s.Items = append(s.Items, Item{info.nft, r.tokenID})
			}
		}
		switch {
		case !info.currency.IsZero():
			s.Price = new(big.Int)
			for _, t := range receipt {
				if datasets.Address(t.Address) != info.currency || len(t.Topics) != 3 || t.Topics[0] != TopicTransfer || len(t.Data) != 32 {
					continue
				}
				if sw.Out && topicAddr(t.Topics[2]) == pair || !sw.Out && topicAddr(t.Topics[1]) == pair {
					s.Price.Add(s.Price, new(big.Int).SetBytes(t.Data))
				}
			}
		case sw.Out && tx.Value != nil:
			if ethBuys != nil {
				ethBuys.Items = append(ethBuys.Items, s.Items...)
				continue
			}
			s.Price, ethBuys = new(big.Int).Set(tx.Value.ToInt()), s
		default:
			s.Price = new(big.Int)
		}
		out = append(out, s)
	}
	return out, nil
}
