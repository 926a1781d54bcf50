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
	RPCOptions
}

// Result summarises an ingest.
type Result struct {
	FromBlock, ToBlock uint64 // the resolved range
	Rows               int64
	Malformed          int64 // logs of a watched event that did not decode
	Resumed            bool  // continued from a checkpoint
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
	ing := &ingester{cfg: &cfg, n: n, tokens: map[datasets.Address]tokenInfo{}, markets: map[datasets.Address]string{}, punks: map[datasets.Address]string{}}
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
	for ck.st.Next <= ck.st.ToBlock {
		lo := ck.st.Next
		hi := ck.st.ToBlock
		if hi-lo+1 > size {
			hi = lo + size - 1
		}
		rows, err := ing.chunk(ctx, lo, hi)
		var re *rangeError
		if errors.As(err, &re) {
			if lo == hi {
				return res, fmt.Errorf("block %d: the node refuses even a one-block log query: %w", lo, re.err)
			}
			n.stats.splits.Add(1)
			size = max(1, (hi-lo+1)/2)
			good = 0
			continue
		}
		if err != nil {
			return res, fmt.Errorf("blocks %d-%d: %w", lo, hi, err)
		}
		if err := ck.commit(rows, hi+1); err != nil {
			return res, err
		}
		if cfg.Progress != nil {
			cfg.Progress(hi+1-ck.st.FromBlock, total)
		}
		if good++; good >= 4 && size < cfg.ChunkBlocks {
			size, good = min(2*size, cfg.ChunkBlocks), 0
		}
	}
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
	if c.WrappedNative.IsZero() && c.Chain == "ethereum" {
		c.WrappedNative = MainnetWETH
	}
	if c.ChunkBlocks == 0 {
		c.ChunkBlocks = 2000
	}
	if !c.ToLatest && c.ToBlock < c.FromBlock {
		return fmt.Errorf("to-block %d is before from-block %d", c.ToBlock, c.FromBlock)
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
	malformed int64
}

type tokenInfo struct {
	symbol   string
	decimals int
}

// rpcHeader, rpcTx and rpcReceipt are the fields ingest reads; decoding only
// these keeps unknown transaction types (L2 deposits, ...) readable.
type rpcHeader struct {
	Number    hexutil.Uint64 `json:"number"`
	Hash      common.Hash    `json:"hash"`
	Timestamp hexutil.Uint64 `json:"timestamp"`
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

// chunk reads blocks lo..hi and returns their rows in docs/contract.md §6 order.
func (g *ingester) chunk(ctx context.Context, lo, hi uint64) ([]pendingRow, error) {
	for attempt := 0; ; attempt++ {
		rows, err := g.chunkOnce(ctx, lo, hi)
		if errors.Is(err, errReorg) && attempt < g.cfg.Retries {
			continue
		}
		return rows, err
	}
}

func (g *ingester) chunkOnce(ctx context.Context, lo, hi uint64) ([]pendingRow, error) {
	addrs := make([]common.Address, len(g.cfg.Contracts))
	for i, a := range g.cfg.Contracts {
		addrs[i] = common.Address(a)
	}
	logs, err := g.n.filterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(lo), ToBlock: new(big.Int).SetUint64(hi),
		Addresses: addrs, Topics: [][]common.Hash{transferTopics},
	})
	if err != nil {
		return nil, err
	}
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
		return nil, nil
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
	var rows []pendingRow
	for i, t := range txs {
		h := times[t.block]
		if h.Hash != t.bhash || receipts[i].BlockHash != t.bhash {
			return nil, errReorg
		}
		rs, err := g.txRows(ctx, h, txinfo[i], t.logs, receipts[i].Logs)
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	slices.SortFunc(rows, comparePending)
	return rows, nil
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
			if errors.Is(err, ErrNotTransfer) {
				continue
			}
			if err != nil {
				g.warn(lg, err)
				continue
			}
			r := pendingRow{Row: base, tokenID: ev.Index, punk: true}
			r.LogIndex, r.Contract, r.Standard = uint32(lg.Index), datasets.Address(lg.Address), datasets.ERC721
			r.TokenID, r.Seller, r.Buyer, r.Amount = ev.Index.String(), ev.From, ev.To, "1"
			if ev.Kind == "bought" {
				if r.Buyer.IsZero() {
					r.Buyer = punkBuyer(receipt, lg)
				}
				r.settled = true
				r.Price, r.Currency, r.Platform = formatUnits(ev.Price, 18), g.nativeSymbol(), name
			}
			rows = append(rows, r)
			continue
		}
		ts, err := DecodeTransfer(lg)
		if errors.Is(err, ErrNotTransfer) {
			continue
		}
		if err != nil {
			g.warn(lg, err)
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

	// Sale events of known marketplaces.
	anySettled := false
	for _, lg := range receipt {
		name, ok := g.markets[datasets.Address(lg.Address)]
		if !ok || len(lg.Topics) == 0 || !IsSaleTopic(lg.Topics[0]) {
			continue
		}
		s, err := DecodeSale(lg)
		if errors.Is(err, ErrNotSale) {
			continue
		}
		if err != nil {
			g.warn(lg, err)
			continue
		}
		if s.Price == nil || len(s.Items) == 0 {
			continue
		}
		ti, err := g.token(ctx, s.Currency)
		if err != nil {
			return nil, err
		}
		shares := split(s.Price, len(s.Items))
		for k, it := range s.Items {
			for i := range rows {
				r := &rows[i]
				if r.settled || r.Standard == datasets.ERC20 || r.Contract != it.Contract || r.tokenID == nil || it.TokenID == nil || r.tokenID.Cmp(it.TokenID) != 0 {
					continue
				}
				r.settled, anySettled = true, true
				r.Price, r.Currency, r.Platform = formatUnits(shares[k], ti.decimals), ti.symbol, name
				break
			}
		}
	}
	for _, r := range rows {
		anySettled = anySettled || r.settled
	}
	if anySettled || len(rows) == 0 {
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

func (g *ingester) warn(lg *types.Log, err error) {
	g.malformed++
	if g.cfg.Warn != nil {
		fmt.Fprintf(g.cfg.Warn, "washscan ingest: block %d tx %s log %d: %v (skipped)\n", lg.BlockNumber, lg.TxHash.Hex(), lg.Index, err)
	}
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
