package chain

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/washscan/washscan/datasets"
)

// Funding is the first native-currency transfer into a wallet.
type Funding struct {
	Wallet datasets.Address
	Funder datasets.Address // zero when not found
	Block  uint64
	Time   int64       // unix seconds of Block
	Tx     common.Hash // the funding transaction, when found
	// How says how the funder was found: "tx" (a plain value transfer),
	// "trace" (an internal transfer, from debug_traceBlockByNumber or trace_block).
	How string
	// Reason says why the funder is unknown when Funder is zero.
	Reason string
}

// FundersConfig describes a first-funder lookup.
type FundersConfig struct {
	RPC     string
	Wallets []datasets.Address
	// Progress, if set, is called after each wallet.
	Progress func(done, total int)
	RPCOptions
}

// ErrNoArchive is the reason given when the node has no state at old blocks.
var ErrNoArchive = errors.New("the node has no historical state (needs an archive node)")

// FirstFunders finds, for each wallet, the address that first sent it native
// currency (Dune's first_funded_by), in the order of cfg.Wallets.
//
// Method: a wallet that has never been funded has balance 0 and nonce 0; once
// funded, it keeps a nonzero balance until it sends a transaction, after
// which its nonce stays above 0. So "balance > 0 or nonce > 0" is false
// before the first funding and true ever after, and a binary search over
// eth_getBalance and eth_getTransactionCount at historical blocks finds the
// block B of the first funding in O(log head) calls. This needs historical
// state: an archive node (a full node keeps only recent state, the last 128
// blocks on geth by default; a wallet funded earlier gets ErrNoArchive).
// In block B the first successful transaction with to = wallet and value > 0
// is the funding, and its sender the funder. When there is none, the funding
// was an internal transfer (a contract call: exchanges, bridges, multisigs),
// which only traces show: debug_traceBlockByNumber with the callTracer (geth,
// Erigon, Reth) or trace_block (Erigon, Nethermind, Reth); the funder is then
// the caller of the first value-carrying call into the wallet (often a
// contract). Without a trace API such a wallet is reported unknown, as are
// wallets funded at genesis, by a beacon-chain withdrawal or as a block's
// fee recipient. Unknown wallets are returned with Funder zero and a Reason.
func FirstFunders(ctx context.Context, cfg FundersConfig) ([]Funding, error) {
	n, err := dial(ctx, cfg.RPC, cfg.RPCOptions)
	if err != nil {
		return nil, err
	}
	defer n.close()
	var hx hexutil.Uint64
	if err := n.call(ctx, &hx, "eth_blockNumber"); err != nil {
		return nil, err
	}
	head := uint64(hx)
	f := &funderFinder{n: n, head: head, traces: true}
	out := make([]Funding, len(cfg.Wallets))
	for i, w := range cfg.Wallets {
		fd, err := f.find(ctx, w)
		if err != nil {
			if ctx.Err() != nil {
				return out[:i], ctx.Err()
			}
			fd = Funding{Wallet: w, Reason: err.Error()}
		}
		out[i] = fd
		if cfg.Progress != nil {
			cfg.Progress(i+1, len(cfg.Wallets))
		}
	}
	return out, nil
}

type funderFinder struct {
	n      *node
	head   uint64
	traces bool // try trace APIs until one says it is missing
}

// funded reports whether w has a balance or has sent a transaction at block b.
func (f *funderFinder) funded(ctx context.Context, w datasets.Address, b uint64) (bool, error) {
	var bal hexutil.Big
	blk := hexutil.EncodeUint64(b)
	if err := f.n.call(ctx, &bal, "eth_getBalance", common.Address(w), blk); err != nil {
		return false, stateErr(err)
	}
	if bal.ToInt().Sign() > 0 {
		return true, nil
	}
	var nonce hexutil.Uint64
	if err := f.n.call(ctx, &nonce, "eth_getTransactionCount", common.Address(w), blk); err != nil {
		return false, stateErr(err)
	}
	return nonce > 0, nil
}

func stateErr(err error) error {
	m := strings.ToLower(err.Error())
	for _, s := range []string{"missing trie node", "historical state", "state not available", "state is not available",
		"pruned", "state histories", "required historical state", "not supported", "header not found", "unknown block"} {
		if strings.Contains(m, s) {
			return fmt.Errorf("%w: %v", ErrNoArchive, err)
		}
	}
	return err
}

func (f *funderFinder) find(ctx context.Context, w datasets.Address) (Funding, error) {
	fd := Funding{Wallet: w}
	ok, err := f.funded(ctx, w, f.head)
	if err != nil {
		return fd, err
	}
	if !ok {
		fd.Reason = "never funded"
		return fd, nil
	}
	if ok, err := f.funded(ctx, w, 0); err != nil {
		return fd, err
	} else if ok {
		fd.Reason = "funded at genesis"
		return fd, nil
	}
	lo, hi := uint64(0), f.head // funded(lo) false, funded(hi) true
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := f.funded(ctx, w, mid)
		if err != nil {
			return fd, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	fd.Block = hi
	var blk struct {
		Timestamp    hexutil.Uint64 `json:"timestamp"`
		Miner        common.Address `json:"miner"`
		Transactions []struct {
			Hash  common.Hash     `json:"hash"`
			From  common.Address  `json:"from"`
			To    *common.Address `json:"to"`
			Value *hexutil.Big    `json:"value"`
		} `json:"transactions"`
		Withdrawals []struct {
			Address common.Address `json:"address"`
		} `json:"withdrawals"`
	}
	if err := f.n.call(ctx, &blk, "eth_getBlockByNumber", hexutil.EncodeUint64(hi), true); err != nil {
		return fd, err
	}
	fd.Time = int64(blk.Timestamp)
	for _, tx := range blk.Transactions {
		if tx.To == nil || datasets.Address(*tx.To) != w || tx.Value == nil || tx.Value.ToInt().Sign() == 0 {
			continue
		}
		var rc struct {
			Status hexutil.Uint64 `json:"status"`
		}
		if err := f.n.call(ctx, &rc, "eth_getTransactionReceipt", tx.Hash); err != nil {
			return fd, err
		}
		if rc.Status == 1 {
			fd.Funder, fd.Tx, fd.How = datasets.Address(tx.From), tx.Hash, "tx"
			return fd, nil
		}
	}
	if f.traces {
		from, tx, err := f.traceFunder(ctx, w, hi)
		if err == nil && !from.IsZero() {
			fd.Funder, fd.Tx, fd.How = from, tx, "trace"
			return fd, nil
		}
	}
	switch {
	case datasets.Address(blk.Miner) == w:
		fd.Reason = fmt.Sprintf("funded as fee recipient of block %d", hi)
	case hasWithdrawal(w, blk.Withdrawals):
		fd.Reason = fmt.Sprintf("funded by a beacon-chain withdrawal in block %d", hi)
	case !f.traces:
		fd.Reason = fmt.Sprintf("funded by an internal transfer in block %d; the node has no trace API (debug_traceBlockByNumber, trace_block)", hi)
	default:
		fd.Reason = fmt.Sprintf("no value transfer to the wallet found in block %d", hi)
	}
	return fd, nil
}

func hasWithdrawal(w datasets.Address, list []struct {
	Address common.Address `json:"address"`
}) bool {
	for _, x := range list {
		if datasets.Address(x.Address) == w {
			return true
		}
	}
	return false
}

// callFrame is the callTracer's output.
type callFrame struct {
	From  common.Address `json:"from"`
	To    common.Address `json:"to"`
	Value *hexutil.Big   `json:"value"`
	Error string         `json:"error"`
	Calls []callFrame    `json:"calls"`
}

// traceFunder finds the first value-carrying call into w in block b, from
// debug_traceBlockByNumber (callTracer) or, failing that, trace_block.
// A node without either switches traces off for the rest of the run.
func (f *funderFinder) traceFunder(ctx context.Context, w datasets.Address, b uint64) (datasets.Address, common.Hash, error) {
	var res []struct {
		TxHash common.Hash `json:"txHash"`
		Result callFrame   `json:"result"`
	}
	err := f.n.call(ctx, &res, "debug_traceBlockByNumber", hexutil.EncodeUint64(b), map[string]any{"tracer": "callTracer"})
	if err == nil {
		for _, r := range res {
			if from, ok := firstCall(&r.Result, w, false); ok {
				return from, r.TxHash, nil
			}
		}
		return datasets.Address{}, common.Hash{}, nil
	}
	var pt []struct {
		Action struct {
			From  common.Address `json:"from"`
			To    common.Address `json:"to"`
			Value *hexutil.Big   `json:"value"`
		} `json:"action"`
		Error  string      `json:"error"`
		TxHash common.Hash `json:"transactionHash"`
	}
	err2 := f.n.call(ctx, &pt, "trace_block", hexutil.EncodeUint64(b))
	if err2 == nil {
		for _, t := range pt {
			if t.Error == "" && datasets.Address(t.Action.To) == w && t.Action.Value != nil && t.Action.Value.ToInt().Sign() > 0 {
				return datasets.Address(t.Action.From), t.TxHash, nil
			}
		}
		return datasets.Address{}, common.Hash{}, nil
	}
	f.traces = false
	return datasets.Address{}, common.Hash{}, errors.Join(err, err2)
}

// firstCall walks a call tree in execution order for the first successful
// call into w that carries value.
func firstCall(c *callFrame, w datasets.Address, failed bool) (datasets.Address, bool) {
	failed = failed || c.Error != ""
	if !failed && datasets.Address(c.To) == w && c.Value != nil && c.Value.ToInt().Sign() > 0 {
		return datasets.Address(c.From), true
	}
	for i := range c.Calls {
		if a, ok := firstCall(&c.Calls[i], w, failed); ok {
			return a, true
		}
	}
	return datasets.Address{}, false
}

// ReadWallets reads wallet addresses: one a line, # comments and blank lines
// ignored; a CSV line keeps its first field, and a first line that is not
// an address (a header such as "wallet") is skipped. Duplicates are dropped,
// the first kept.
func ReadWallets(path string) ([]datasets.Address, error) {
	return datasets.ParseFile(path, readWallets)
}

func readWallets(r io.Reader, name string) ([]datasets.Address, error) {
	sc := bufio.NewScanner(r)
	seen := map[datasets.Address]bool{}
	var out []datasets.Address
	for line := int64(1); sc.Scan(); line++ {
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[:i]
		}
		s = strings.Trim(strings.TrimSpace(s), `"`)
		if s == "" {
			continue
		}
		a, err := ParseAddress(s)
		if err != nil {
			if line == 1 && !strings.HasPrefix(s, "0x") {
				continue // a header
			}
			return nil, &datasets.RowError{File: name, Line: line, Column: "wallet", Err: datasets.ErrBadHex, Raw: sc.Text()}
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &datasets.FileError{File: name, Err: err}
	}
	return out, nil
}

// WriteFunders writes the found funders as CSV wallet,funder,block_time
// (docs/contract.md §1.2, block_time in RFC 3339 UTC), atomically; wallets without a
// funder are left out.
func WriteFunders(path string, list []Funding) error {
	a, err := datasets.CreateAtomic(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(a)
	w.Write([]string{"wallet", "funder", "block_time"})
	for _, f := range list {
		if f.Funder.IsZero() {
			continue
		}
		w.Write([]string{f.Wallet.String(), f.Funder.String(), time.Unix(f.Time, 0).UTC().Format(time.RFC3339)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		a.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}
