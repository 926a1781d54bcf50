package chain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/washscan/washscan/datasets"
)

// Config describes one ingest.
type Config struct {
	// RPC is the node's JSON-RPC URL (http, https, ws or an IPC path).
	RPC string
	// Chain is written to every row (default "ethereum"); it also picks the
	// native currency symbol.
	Chain string
	// Contracts are the token contracts whose transfers become rows.
	Contracts []datasets.Address
	// Marketplaces whose sale events set prices; see DefaultMarketplaces.
	Marketplaces []Marketplace
	// WrappedNative is the wrapped native coin whose transfers to a seller
	// count as payment (default MainnetWETH on ethereum, none elsewhere).
	WrappedNative datasets.Address
	// FromBlock and ToBlock bound the blocks read, both included. With
	// ToLatest, ToBlock is ignored and the range ends Confirmations blocks
	// behind the head when the ingest starts.
	FromBlock, ToBlock uint64
	ToLatest           bool
	Confirmations      uint64
	// Concurrency is how many chunks are fetched at once (default 4).
	Concurrency int
	// ChunkBlocks is the most blocks one eth_getLogs asks for (default 2000).
	// A range or result-count error halves it; successes grow it back.
	ChunkBlocks uint64
	// Out is the output file; the checkpoint lives beside it.
	Out string
	// Resume continues from the checkpoint of an interrupted run.
	Resume bool
	// Create opens the output writer (datasets.CreateWriter).
	Create func(path string) (datasets.RowWriter, error)
	// Progress, if set, is called after each committed chunk with the
	// blocks done and the blocks in all.
	Progress func(done, total uint64)
	// Warn receives warnings (undecodable logs); nil discards them.
	Warn io.Writer
	// SkipBadLogs warns about a log of a watched event that does not decode
	// and goes on; without it such a log stops the ingest with a *BadLogError.
	SkipBadLogs bool
	// PunkBidLookback is how many blocks before an accepted CryptoPunks bid
	// are searched for the PunkBidEntered that prices it (default
	// DefaultPunkBidLookback).
	PunkBidLookback uint64
	// SudoswapV1 and SudoswapV2 are the Sudoswap pair factories whose
	// pairs' swaps are sales (default the mainnet factories on ethereum,
	// none elsewhere).
	SudoswapV1, SudoswapV2 datasets.Address
	// NoDefaultContracts drops the default Sudoswap factories and Blend
	// contract (--no-default-marketplaces).
	NoDefaultContracts bool
	// Blend is Blur Blend's contract (default MainnetBlend on ethereum
	// unless NoDefaultContracts): its loans are not sales (see applyBlend).
	Blend datasets.Address
	// ERC721 are contracts whose Transfer of an ambiguous shape (see
	// AmbiguousTransfer) is ERC-721, besides KnownERC721 and those that
	// declare ERC-721 through ERC-165.
	ERC721 []datasets.Address
	// ChainID is the chain id the node must report (eth_chainId); 0 takes
	// it from Chain (ChainIDs), and a chain not listed there is not checked.
	ChainID uint64
	RPCOptions
}

// Result summarises an ingest.
type Result struct {
	FromBlock, ToBlock uint64 // the resolved range
	Rows               int64
	Malformed          int64 // logs of a watched event that did not decode
	Resumed            bool  // continued from a checkpoint
	Reorgs             int64 // reorganisations seen (chunks re-read)
	RPC                RPCStats
}

// ErrCheckpointExists is returned when a checkpoint is present and Resume is not set.
var ErrCheckpointExists = errors.New("a checkpoint from an interrupted ingest exists")

// ErrCheckpointMismatch is returned when Resume finds a checkpoint made with other settings.
var ErrCheckpointMismatch = errors.New("checkpoint was made with different settings")

var transferTopics = []common.Hash{TopicTransfer, TopicTransferSingle, TopicTransferBatch,
	TopicPunkAssign, TopicPunkTransfer, TopicPunkBought}

// Ingest reads the transfers of cfg.Contracts in the block range from a node
// and writes one canonical row per transferred item to cfg.Out (docs/contract.md §6).
//
// Blocks are read in chunks; after each chunk the rows are appended to a
// checkpoint beside Out, so an interrupted ingest resumes (cfg.Resume) after
// the last committed chunk. Out appears, atomically, only when the whole
// range is done; then the checkpoint is removed. Requests cost O(blocks /
// ChunkBlocks) log queries plus, batched, one header per block with a
// transfer and a transaction and receipt per transaction with a transfer.
func Ingest(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	n, err := dial(ctx, cfg.RPC, cfg.RPCOptions)
	if err != nil {
		return nil, err
	}
	defer n.close()
	if err := checkChainID(ctx, n, &cfg); err != nil {
		return nil, err
	}
	ing := &ingester{cfg: &cfg, n: n, tokens: map[datasets.Address]tokenInfo{}, markets: map[datasets.Address]string{},
		punks: map[datasets.Address]string{}, bids: map[punkKey]*punkBids{}, sudoPairs: map[datasets.Address]sudoPair{},
		is721: map[datasets.Address]bool{}, bidWindow: cfg.PunkBidLookback}
	for _, m := range cfg.Marketplaces {
		ing.markets[m.Address] = m.Name
		if m.Name == "cryptopunks" {
			ing.punks[m.Address] = m.Name
		}
	}
	if cfg.Chain == "ethereum" {
		if _, ok := ing.punks[MainnetCryptoPunks]; !ok {
			ing.punks[MainnetCryptoPunks] = "cryptopunks"
		}
	}
	res := &Result{}
	defer func() { res.RPC = n.Stats() }()

	ck, err := openCheckpoint(ctx, &cfg, n, res)
	if err != nil {
		return res, err
	}
	defer ck.close()
	res.FromBlock, res.ToBlock = ck.st.FromBlock, ck.st.ToBlock
	total := ck.st.ToBlock - ck.st.FromBlock + 1
	if cfg.Progress != nil {
		cfg.Progress(ck.st.Next-ck.st.FromBlock, total)
	}
	size := cfg.ChunkBlocks
	good := 0
	for {
		for ck.st.Next <= ck.st.ToBlock {
			// Up to Concurrency chunks are fetched at once; they are
			// processed and committed in order.
			var ranges [][2]uint64
			for lo := ck.st.Next; lo <= ck.st.ToBlock && len(ranges) < cfg.Concurrency; {
				hi := ck.st.ToBlock
				if hi-lo+1 > size {
					hi = lo + size - 1
				}
				ranges = append(ranges, [2]uint64{lo, hi})
				lo = hi + 1
			}
			got := make([]*fetched, len(ranges))
			errs := make([]error, len(ranges))
			var wg sync.WaitGroup
			for i, r := range ranges {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = ing.fetch(ctx, r[0], r[1])
				}()
			}
			wg.Wait()
			for i, r := range ranges {
				lo, hi := r[0], r[1]
				var re *rangeError
				if errors.As(errs[i], &re) {
					if lo == hi {
						return res, fmt.Errorf("block %d: the node refuses even a one-block log query: %w", lo, re.err)
					}
					n.stats.splits.Add(1)
					size = max(1, (hi-lo+1)/2)
					good = 0
					break // the later chunks are fetched again at the new size
				}
				if err := errs[i]; err != nil {
					return res, fmt.Errorf("blocks %d-%d: %w", lo, hi, err)
				}
				if !ck.linked(got[i].first) {
					// The chain reorganised since the last chunk was read.
					if err := ing.rollback(ctx, ck); err != nil {
						return res, err
					}
					break
				}
				rows, err := ing.process(ctx, got[i])
				if err != nil {
					return res, fmt.Errorf("blocks %d-%d: %w", lo, hi, err)
				}
				if err := ck.commit(rows, hi+1, got[i].last.Hash, cfg.Confirmations); err != nil {
					return res, err
				}
				if cfg.Progress != nil {
					cfg.Progress(hi+1-ck.st.FromBlock, total)
				}
				if good++; good >= 4 && size < cfg.ChunkBlocks {
					size, good = min(2*size, cfg.ChunkBlocks), 0
				}
			}
		}
		// The last block read must still be the chain's: else re-read what
		// changed.
		tip, err := ing.stillCanonical(ctx, ck)
		if err != nil {
			return res, err
		}
		if tip {
			break
		}
		if err := ing.rollback(ctx, ck); err != nil {
			return res, err
		}
	}
	res.Reorgs = n.stats.reorgs.Load()
	res.Malformed = ing.malformed
	if err := ck.finish(cfg.Out, cfg.Create); err != nil {
		return res, err
	}
	res.Rows = ck.st.Rows
	return res, nil
}

func (c *Config) normalize() error {
	if c.RPC == "" {
		return errors.New("no RPC URL")
	}
	if len(c.Contracts) == 0 {
		return errors.New("no contracts")
	}
	if c.Out == "" || c.Out == "-" {
		return errors.New("ingest needs an output file (the checkpoint lives beside it)")
	}
	if c.Create == nil {
		return errors.New("no output writer")
	}
	if c.Chain == "" {
		c.Chain = "ethereum"
	}
	c.Chain = strings.ToLower(c.Chain)
	if c.Chain == "ethereum" {
		if c.WrappedNative.IsZero() {
			c.WrappedNative = MainnetWETH
		}
		if c.SudoswapV1.IsZero() && c.SudoswapV2.IsZero() && !c.NoDefaultContracts {
			c.SudoswapV1, c.SudoswapV2 = MainnetSudoswapV1, MainnetSudoswapV2
		}
		if c.Blend.IsZero() && !c.NoDefaultContracts {
			c.Blend = MainnetBlend
		}
	}
	if c.ChunkBlocks == 0 {
		c.ChunkBlocks = 2000
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.PunkBidLookback == 0 {
		c.PunkBidLookback = DefaultPunkBidLookback
	}
	if !c.ToLatest && c.ToBlock < c.FromBlock {
		return fmt.Errorf("to-block %d is before from-block %d", c.ToBlock, c.FromBlock)
	}
	c.ERC721 = sortedUnique(c.ERC721)
	if c.NoDefaultContracts {
		c.SudoswapV1, c.SudoswapV2, c.Blend = datasets.Address{}, datasets.Address{}, datasets.Address{}
	}
	c.Contracts = sortedUnique(c.Contracts)
	ms := slices.Clone(c.Marketplaces)
	slices.SortFunc(ms, func(a, b Marketplace) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), slices.Compare(a.Address[:], b.Address[:]))
	})
	c.Marketplaces = slices.CompactFunc(ms, func(a, b Marketplace) bool { return a.Address == b.Address })
	c.RPCOptions.defaults()
	return nil
}

func sortedUnique(a []datasets.Address) []datasets.Address {
	a = slices.Clone(a)
	slices.SortFunc(a, func(x, y datasets.Address) int { return slices.Compare(x[:], y[:]) })
	return slices.Compact(a)
}

type ingester struct {
	cfg       *Config
	n         *node
	markets   map[datasets.Address]string // marketplace address -> platform
	punks     map[datasets.Address]string // CryptoPunks-style contracts -> platform
	tokens    map[datasets.Address]tokenInfo
	is721     map[datasets.Address]bool
	sudoPairs map[datasets.Address]sudoPair
	bids      map[punkKey]*punkBids // accepted-bid look-ups, per punk
	bidWindow uint64                // blocks per bid query; halves on range limits
	malformed int64
}

type tokenInfo struct {
	symbol   string
	decimals int
}

// rpcHeader, rpcTx and rpcReceipt are the fields ingest reads; decoding only
// these keeps unknown transaction types (L2 deposits, ...) readable.
type rpcHeader struct {
	Number     hexutil.Uint64 `json:"number"`
	Hash       common.Hash    `json:"hash"`
	ParentHash common.Hash    `json:"parentHash"`
	Timestamp  hexutil.Uint64 `json:"timestamp"`
}

type rpcTx struct {
	Hash  common.Hash    `json:"hash"`
	From  common.Address `json:"from"`
	Value *hexutil.Big   `json:"value"`
}

type rpcReceipt struct {
	TxHash    common.Hash  `json:"transactionHash"`
	BlockHash common.Hash  `json:"blockHash"`
	Logs      []*types.Log `json:"logs"`
}

// errReorg is a chunk whose logs and headers disagree: the chain moved under us.
var errReorg = errors.New("chain reorganised while reading")

// fetched is what the node said about blocks lo..hi: the headers of the
// first and last block, and the transactions with a watched log, each with
// its logs, header, transaction and receipt, in chain order.
type fetched struct {
	lo, hi      uint64
	first, last *rpcHeader
	txs         []fetchedTx
}

type fetchedTx struct {
	header  *rpcHeader
	tx      *rpcTx
	logs    []*types.Log
	receipt []*types.Log
}

// fetch reads blocks lo..hi, again while their logs and headers disagree
// (the chain moved under the reads). It only talks to the node, so chunks
// may be fetched concurrently.
func (g *ingester) fetch(ctx context.Context, lo, hi uint64) (*fetched, error) {
	for attempt := 0; ; attempt++ {
		f, err := g.fetchOnce(ctx, lo, hi)
		if errors.Is(err, errReorg) && attempt < g.cfg.Retries {
			g.n.stats.reorgs.Add(1)
			continue
		}
		return f, err
	}
}

func (g *ingester) fetchOnce(ctx context.Context, lo, hi uint64) (*fetched, error) {
	addrs := make([]common.Address, len(g.cfg.Contracts))
	for i, a := range g.cfg.Contracts {
		addrs[i] = common.Address(a)
	}
	logs, first, last, err := g.n.logsAndHeaders(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(lo), ToBlock: new(big.Int).SetUint64(hi),
		Addresses: addrs, Topics: [][]common.Hash{transferTopics},
	}, lo, hi)
	if err != nil {
		return nil, err
	}
	f := &fetched{lo: lo, hi: hi, first: first, last: last}
	// Group the logs by transaction, in chain order.
	type txLogs struct {
		hash  common.Hash
		block uint64
		bhash common.Hash
		logs  []*types.Log
	}
	var txs []*txLogs
	byHash := map[common.Hash]*txLogs{}
	var blocks []uint64
	for i := range logs {
		lg := &logs[i]
		if lg.Removed {
			continue
		}
		if lg.BlockNumber < lo || lg.BlockNumber > hi {
			return nil, fmt.Errorf("node returned a log of block %d for a query of blocks %d-%d", lg.BlockNumber, lo, hi)
		}
		if lg.BlockNumber == hi && lg.BlockHash != last.Hash || lg.BlockNumber == lo && lg.BlockHash != first.Hash {
			return nil, errReorg
		}
		t := byHash[lg.TxHash]
		if t == nil {
			t = &txLogs{hash: lg.TxHash, block: lg.BlockNumber, bhash: lg.BlockHash}
			byHash[lg.TxHash] = t
			txs = append(txs, t)
			blocks = append(blocks, lg.BlockNumber)
		}
		t.logs = append(t.logs, lg)
	}
	if len(txs) == 0 {
		return f, nil
	}
	slices.Sort(blocks)
	blocks = slices.Compact(blocks)
	slices.SortFunc(txs, func(a, b *txLogs) int {
		return cmp.Or(cmp.Compare(a.block, b.block), cmp.Compare(a.logs[0].Index, b.logs[0].Index))
	})

	// One batch: headers, transactions and receipts.
	headers := make([]*rpcHeader, len(blocks))
	txinfo := make([]*rpcTx, len(txs))
	receipts := make([]*rpcReceipt, len(txs))
	calls := make([]rpc.BatchElem, 0, len(blocks)+2*len(txs))
	for i, b := range blocks {
		calls = append(calls, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.EncodeUint64(b), false}, Result: &headers[i]})
	}
	for i, t := range txs {
		calls = append(calls, rpc.BatchElem{Method: "eth_getTransactionByHash", Args: []any{t.hash}, Result: &txinfo[i]})
		calls = append(calls, rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{t.hash}, Result: &receipts[i]})
	}
	isNull := func(i int) bool {
		switch r := calls[i].Result.(type) {
		case **rpcHeader:
			return *r == nil
		case **rpcTx:
			return *r == nil
		case **rpcReceipt:
			return *r == nil
		}
		return false
	}
	if err := g.n.batch(ctx, calls, isNull); err != nil {
		return nil, err
	}
	times := make(map[uint64]*rpcHeader, len(blocks))
	for i, b := range blocks {
		if uint64(headers[i].Number) != b {
			return nil, fmt.Errorf("asked for block %d, node returned block %d", b, headers[i].Number)
		}
		times[b] = headers[i]
	}
	for i, t := range txs {
		h := times[t.block]
		if h.Hash != t.bhash || receipts[i].BlockHash != t.bhash {
			return nil, errReorg
		}
		f.txs = append(f.txs, fetchedTx{h, txinfo[i], t.logs, receipts[i].Logs})
	}
	return f, nil
}

// process turns a fetched chunk into its rows in docs/contract.md §6 order. It uses
// the ingester's caches, so chunks are processed one at a time, in order.
func (g *ingester) process(ctx context.Context, f *fetched) ([]pendingRow, error) {
	var rows []pendingRow
	for _, t := range f.txs {
		rs, err := g.txRows(ctx, t.header, t.tx, t.logs, t.receipt)
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	slices.SortFunc(rows, comparePending)
	return rows, nil
}

// stillCanonical reports whether the last block committed still has the
// hash it had when read (true when nothing was committed yet).
func (g *ingester) stillCanonical(ctx context.Context, ck *checkpoint) (bool, error) {
	if len(ck.st.Recent) == 0 {
		return true, nil
	}
	e := ck.st.Recent[len(ck.st.Recent)-1]
	h, err := g.header(ctx, e.Block)
	if err != nil {
		return false, err
	}
	return h.Hash == e.Hash, nil
}

func (g *ingester) header(ctx context.Context, b uint64) (*rpcHeader, error) {
	var h *rpcHeader
	calls := []rpc.BatchElem{{Method: "eth_getBlockByNumber", Args: []any{hexutil.EncodeUint64(b), false}, Result: &h}}
	if err := g.n.batch(ctx, calls, func(int) bool { return h == nil }); err != nil {
		return nil, err
	}
	if uint64(h.Number) != b {
		return nil, fmt.Errorf("asked for block %d, node returned block %d", b, h.Number)
	}
	return h, nil
}

// rollback handles a reorganisation below the committed blocks: it finds
// the newest block the checkpoint remembers whose hash the node still
// reports and truncates the checkpoint to it, so that the blocks after it
// are read again. The checkpoint remembers the ends of the chunks within
// Confirmations blocks of the last one, and one more; a reorganisation
// deeper than that is an error.
func (g *ingester) rollback(ctx context.Context, ck *checkpoint) error {
	g.n.stats.reorgs.Add(1)
	g.bids = map[punkKey]*punkBids{} // bids read from the abandoned blocks are gone
	for i := len(ck.st.Recent) - 1; i >= 0; i-- {
		e := ck.st.Recent[i]
		h, err := g.header(ctx, e.Block)
		if err != nil {
			return err
		}
		if h.Hash == e.Hash {
			return ck.rollbackTo(i)
		}
	}
	oldest := ck.st.FromBlock
	if len(ck.st.Recent) > 0 {
		oldest = ck.st.Recent[0].Block
	}
	return fmt.Errorf("the chain reorganised at or below block %d, deeper than the checkpoint remembers; "+
		"ingest with more --confirmations (delete the checkpoint to start over)", oldest)
}

// pendingRow is a row being priced, with its position in a TransferBatch.
type pendingRow struct {
	datasets.Row
	pos     int
	tokenID *big.Int // nil for erc20
	settled bool     // priced by a sale event
	punk    bool
}

func comparePending(a, b pendingRow) int {
	return cmp.Or(cmp.Compare(a.BlockNumber, b.BlockNumber), cmp.Compare(a.LogIndex, b.LogIndex), cmp.Compare(a.pos, b.pos))
}

// txRows turns one transaction's transfer logs into rows and prices them:
// first the sale events of known marketplaces in the transaction (each sale's
// price split over its items), then, if no row was settled by a sale, the
// transaction's native value split over its rows, else the wrapped native
// coin paid to each row's seller within the transaction.
func (g *ingester) txRows(ctx context.Context, h *rpcHeader, tx *rpcTx, logs, receipt []*types.Log) ([]pendingRow, error) {
	from := datasets.Address(tx.From)
	base := datasets.Row{Chain: g.cfg.Chain, BlockTime: int64(h.Timestamp), BlockNumber: uint64(h.Number),
		TxHash: datasets.Hash(tx.Hash), TxFrom: &from, Label: datasets.LabelNone, Price: "0"}
	var rows []pendingRow
	for _, lg := range logs {
		if name, ok := g.punks[datasets.Address(lg.Address)]; ok {
			ev, err := DecodePunk(lg)
			if ok, err := g.decoded(lg, err, ErrNotTransfer); !ok {
				if err != nil {
					return nil, err
				}
				continue
			}
			if ev.Kind == "bid" || ev.Kind == "withdrawn" {
				continue
			}
			r := pendingRow{Row: base, tokenID: ev.Index, punk: true}
			r.LogIndex, r.Contract, r.Standard = uint32(lg.Index), datasets.Address(lg.Address), datasets.ERC721
			r.TokenID, r.Seller, r.Buyer, r.Amount = ev.Index.String(), ev.From, ev.To, "1"
			if ev.Kind == "bought" {
				price := ev.Price
				if ev.To.IsZero() && price.Sign() == 0 {
					// An accepted bid: the log's bid fields were zeroed.
					bid, err := g.acceptedBid(ctx, r.Contract, ev.Index, lg.BlockNumber, lg.Index)
					if err != nil {
						return nil, err
					}
					if bid != nil {
						price, r.Buyer = bid.value, bid.bidder
					}
				}
				if r.Buyer.IsZero() || ev.To.IsZero() {
					if b := punkBuyer(receipt, lg); !b.IsZero() {
						r.Buyer = b // the Transfer just before names where the punk went
					}
				}
				r.settled = true
				r.Price, r.Currency, r.Platform = formatUnits(price, 18), g.nativeSymbol(), name
			}
			rows = append(rows, r)
			continue
		}
		as721 := false
		if AmbiguousTransfer(lg) {
			var err error
			if as721, err = g.isERC721(ctx, datasets.Address(lg.Address)); err != nil {
				return nil, err
			}
		}
		ts, err := DecodeTransferAs(lg, as721)
		if ok, err := g.decoded(lg, err, ErrNotTransfer); !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		for _, t := range ts {
			r := pendingRow{Row: base, pos: t.Pos, tokenID: t.TokenID}
			r.LogIndex, r.Contract, r.Standard = uint32(t.LogIndex), t.Contract, t.Standard
			r.Seller, r.Buyer, r.Amount = t.From, t.To, t.Amount.String()
			if t.TokenID != nil {
				r.TokenID = t.TokenID.String()
			}
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, comparePending)

	// Sale events of known marketplaces, then Sudoswap pair swaps.
	type namedSale struct {
		*Sale
		platform string
	}
	var sales []namedSale
	for _, lg := range receipt {
		name, ok := g.markets[datasets.Address(lg.Address)]
		if !ok || len(lg.Topics) == 0 || !IsSaleTopic(lg.Topics[0]) {
			continue
		}
		s, err := DecodeSale(lg)
		if ok, err := g.decoded(lg, err, ErrNotSale); !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		sales = append(sales, namedSale{s, name})
	}
	sudo, err := g.sudoSales(ctx, tx, rows, receipt)
	if err != nil {
		return nil, err
	}
	for _, s := range sudo {
		sales = append(sales, namedSale{s, "sudoswap"})
	}
	anySettled := false
	for _, s := range sales {
		if s.Price == nil || len(s.Items) == 0 {
			continue
		}
		ti, err := g.token(ctx, s.Currency)
		if err != nil {
			return nil, err
		}
		shares := split(s.Price, len(s.Items))
		for k, it := range s.Items {
			if i := settleItem(rows, it, from); i >= 0 {
				r := &rows[i]
				anySettled = true
				r.Price, r.Currency, r.Platform = formatUnits(shares[k], ti.decimals), ti.symbol, s.platform
			}
		}
	}
	for _, r := range rows {
		anySettled = anySettled || r.settled
	}
	bt, badLog, err := readBlend(g.cfg.Blend, receipt)
	if err != nil {
		if err := g.bad(badLog, err); err != nil {
			return nil, err
		}
	}
	applyBlend(rows, g.cfg.Blend, bt)
	// A Blur Blend loan (taken, repaid, refinanced, seized) moves the NFT
	// in and out of Blend: not a sale, so no fallback price.
	if anySettled || len(rows) == 0 || bt.any {
		return rows, nil
	}

	// No sale event: the native value of the transaction, else wrapped
	// native paid to the seller.
	if v := tx.Value.ToInt(); v != nil && v.Sign() > 0 {
		shares := split(v, len(rows))
		for i := range rows {
			rows[i].Price, rows[i].Currency = formatUnits(shares[i], 18), g.nativeSymbol()
		}
		return rows, nil
	}
	w := g.cfg.WrappedNative
	if w.IsZero() {
		return rows, nil
	}
	paid := map[datasets.Address]*big.Int{}
	for _, lg := range receipt {
		if datasets.Address(lg.Address) != w || len(lg.Topics) != 3 || lg.Topics[0] != TopicTransfer || len(lg.Data) != 32 {
			continue
		}
		to := topicAddr(lg.Topics[2])
		if topicAddr(lg.Topics[1]) == to {
			continue
		}
		if paid[to] == nil {
			paid[to] = new(big.Int)
		}
		paid[to].Add(paid[to], new(big.Int).SetBytes(lg.Data))
	}
	if len(paid) == 0 {
		return rows, nil
	}
	bySeller := map[datasets.Address][]int{}
	var sellers []datasets.Address
	for i, r := range rows {
		if r.Contract == w || r.Seller.IsZero() || paid[r.Seller] == nil {
			continue
		}
		if bySeller[r.Seller] == nil {
			sellers = append(sellers, r.Seller)
		}
		bySeller[r.Seller] = append(bySeller[r.Seller], i)
	}
	sym := "W" + g.nativeSymbol()
	for _, s := range sellers {
		idx := bySeller[s]
		shares := split(paid[s], len(idx))
		for k, i := range idx {
			rows[i].Price, rows[i].Currency = formatUnits(shares[k], 18), sym
		}
	}
	return rows, nil
}

// settleItem marks the rows that move item it in one sale as settled and
// returns the one that carries the sale (-1 if none does).
//
// Usually that is the first unsettled row moving the item. A purchase
// routed through an aggregator moves the item twice or more in the
// transaction: seller -> aggregator -> user. Such a chain of hops (each hop
// starting where the previous one ended, at an address that is neither zero
// nor the transaction's sender) is one sale: the last hop, the user-facing
// one, carries it, with the first hop's seller as its seller (as Dune's
// nft.trades reports it) and the first intermediate address as its
// aggregator (named when Aggregators knows it). The other hops stay rows of
// their own (one row per transfer) but are not sales: price 0, no currency,
// no platform, and no fallback pricing.
func settleItem(rows []pendingRow, it Item, txFrom datasets.Address) int {
	moves := func(r *pendingRow) bool {
		return !r.settled && r.Standard != datasets.ERC20 && r.Contract == it.Contract && r.tokenID != nil &&
			it.TokenID != nil && r.tokenID.Cmp(it.TokenID) == 0
	}
	first := slices.IndexFunc(rows, func(r pendingRow) bool { return moves(&r) })
	if first < 0 {
		return -1
	}
	last := first
	for {
		via := rows[last].Buyer
		if via.IsZero() || via == txFrom {
			break
		}
		next := -1
		for j := last + 1; j < len(rows); j++ {
			if moves(&rows[j]) && rows[j].Seller == via {
				next = j
				break
			}
		}
		if next < 0 {
			break
		}
		rows[last].settled = true // an intermediate hop: price 0, no platform
		last = next
	}
	r := &rows[last]
	r.settled = true
	if last != first {
		agg := rows[first].Buyer
		r.Seller, r.AggregatorName, r.AggregatorAddress = rows[first].Seller, Aggregators[agg], &agg
	}
	return last
}

// KnownERC721 are mainnet ERC-721 contracts from before ERC-721 was final
// whose Transfer has an ambiguous shape: CryptoKitties.
var KnownERC721 = []datasets.Address{mustAddr("0x06012c8cf97bead5deae237070f9587f8e7a266d")}

// isERC721 tells whether contract is ERC-721, for a Transfer whose shape
// does not say: a contract listed in Config.ERC721 (or KnownERC721 on
// ethereum), or one whose supportsInterface (ERC-165) accepts the ERC-721
// interface id 0x80ac58cd or the draft id 0x9a20483d that CryptoKitties
// declares. Anything else is ERC-20. One eth_call per contract, cached.
func (g *ingester) isERC721(ctx context.Context, contract datasets.Address) (bool, error) {
	if v, ok := g.is721[contract]; ok {
		return v, nil
	}
	yes := slices.Contains(g.cfg.ERC721, contract) || g.cfg.Chain == "ethereum" && slices.Contains(KnownERC721, contract)
	for _, id := range [][]byte{{0x80, 0xac, 0x58, 0xcd}, {0x9a, 0x20, 0x48, 0x3d}} {
		if yes {
			break
		}
		data := append([]byte{0x01, 0xff, 0xc9, 0xa7}, common.RightPadBytes(id, 32)...) // supportsInterface(bytes4)
		out, ok, err := g.view(ctx, contract, data)
		if err != nil {
			return false, err
		}
		v, okW := asWord(out)
		yes = ok && okW && v.Cmp(big.NewInt(1)) == 0
	}
	g.is721[contract] = yes
	return yes, nil
}

// punkBuyer finds the buyer of a PunkBought whose toAddress is zero (an
// accepted bid): the recipient of the Transfer the contract logs just before it.
func punkBuyer(receipt []*types.Log, bought *types.Log) datasets.Address {
	var buyer datasets.Address
	for _, lg := range receipt {
		if lg.Index >= bought.Index {
			break
		}
		if lg.Address == bought.Address && len(lg.Topics) == 3 && lg.Topics[0] == TopicTransfer {
			buyer = topicAddr(lg.Topics[2])
		}
	}
	return buyer
}

// BadLogError is a log of a watched event that does not decode (exit 65).
type BadLogError struct {
	Block    uint64
	Tx       common.Hash
	LogIndex uint
	Err      error
}

func (e *BadLogError) Error() string {
	return fmt.Sprintf("block %d tx %s log %d: %v (--skip-bad-logs warns and goes on)", e.Block, e.Tx.Hex(), e.LogIndex, e.Err)
}
func (e *BadLogError) Unwrap() error { return e.Err }

// ExitCode is 65: bad input data.
func (e *BadLogError) ExitCode() int { return 65 }

// bad handles a log that does not decode: an error, or with SkipBadLogs a
// warning and a count.
func (g *ingester) bad(lg *types.Log, err error) error {
	if !g.cfg.SkipBadLogs {
		return &BadLogError{lg.BlockNumber, lg.TxHash, lg.Index, err}
	}
	g.malformed++
	if g.cfg.Warn != nil {
		fmt.Fprintf(g.cfg.Warn, "washscan ingest: block %d tx %s log %d: %v (skipped)\n", lg.BlockNumber, lg.TxHash.Hex(), lg.Index, err)
	}
	return nil
}

// decoded tells whether decoding lg gave err == nil; otherwise lg is
// skipped: quietly when err is the decoder's "not this event" sentinel not,
// else as a bad log (g.bad), whose error, if any, it returns.
func (g *ingester) decoded(lg *types.Log, err, not error) (ok bool, fatal error) {
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, not):
		return false, nil
	}
	return false, g.bad(lg, err)
}

func (g *ingester) nativeSymbol() string { return nativeSymbol(g.cfg.Chain) }

func nativeSymbol(chain string) string {
	if c := datasets.NativeCurrencies[chain]; len(c) > 0 {
		return c[0]
	}
	return "ETH"
}

// token returns the symbol and decimals of a payment token: the native coin
// for the zero address, the wrapped native coin, Blur's pool (ETH), else what
// the token's symbol() and decimals() say. A token that answers neither is
// named by its address with 0 decimals (prices in its smallest unit).
func (g *ingester) token(ctx context.Context, a datasets.Address) (tokenInfo, error) {
	switch {
	case a.IsZero():
		return tokenInfo{g.nativeSymbol(), 18}, nil
	case a == g.cfg.WrappedNative:
		return tokenInfo{"W" + g.nativeSymbol(), 18}, nil
	case a == MainnetBlurPool && g.cfg.Chain == "ethereum":
		return tokenInfo{"ETH", 18}, nil
	}
	if ti, ok := g.tokens[a]; ok {
		return ti, nil
	}
	ti := tokenInfo{a.String(), 0}
	var dec, sym hexutil.Bytes
	to := common.Address(a)
	errD := g.n.call(ctx, &dec, "eth_call", map[string]any{"to": to, "data": hexutil.Bytes{0x31, 0x3c, 0xe5, 0x67}}, "latest")
	errS := g.n.call(ctx, &sym, "eth_call", map[string]any{"to": to, "data": hexutil.Bytes{0x95, 0xd8, 0x9b, 0x41}}, "latest")
	if err := ctx.Err(); err != nil {
		return ti, err
	}
	if errD == nil && errS == nil && len(dec) == 32 {
		d := new(big.Int).SetBytes(dec)
		if s := decodeSymbol(sym); s != "" && d.IsInt64() && d.Int64() <= 36 {
			ti = tokenInfo{s, int(d.Int64())}
		}
	}
	g.tokens[a] = ti
	return ti, nil
}

// decodeSymbol reads an ERC-20 symbol() result: an ABI string, or bytes32
// (early tokens such as MKR). Only printable ASCII is kept.
func decodeSymbol(b []byte) string {
	var raw []byte
	if len(b) >= 64 {
		l := new(big.Int).SetBytes(b[32:64])
		if l.IsInt64() && l.Int64() <= 64 && 64+int(l.Int64()) <= len(b) {
			raw = b[64 : 64+l.Int64()]
		}
	} else if len(b) == 32 {
		raw = b
	}
	s := strings.TrimRight(string(raw), "\x00")
	for _, c := range s {
		if c <= ' ' || c > '~' || c == ',' {
			return ""
		}
	}
	return strings.ToUpper(s)
}

// split divides v into n shares that differ by at most one unit and sum to
// v: the first v mod n shares get one unit more. O(n).
func split(v *big.Int, n int) []*big.Int {
	out := make([]*big.Int, n)
	q, r := new(big.Int).QuoRem(v, big.NewInt(int64(n)), new(big.Int))
	extra := r.Int64()
	for i := range out {
		out[i] = new(big.Int).Set(q)
		if int64(i) < extra {
			out[i].Add(out[i], big.NewInt(1))
		}
	}
	return out
}

// formatUnits renders v smallest units of a token with the given decimals as
// exact decimal text without trailing zeros: 1500000000000000000 wei with 18
// decimals is "1.5". O(digits).
func formatUnits(v *big.Int, decimals int) string {
	s := v.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if decimals > 0 {
		if len(s) <= decimals {
			s = strings.Repeat("0", decimals-len(s)+1) + s
		}
		ip, fp := s[:len(s)-decimals], strings.TrimRight(s[len(s)-decimals:], "0")
		s = ip
		if fp != "" {
			s += "." + fp
		}
	}
	if neg {
		s = "-" + s
	}
	return s
}
