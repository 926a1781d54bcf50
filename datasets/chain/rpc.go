package chain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// RPCOptions tune how a node is called.
type RPCOptions struct {
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
	// Retries is how many times a failed request is retried (default 8).
	Retries int
	// Backoff is the first retry delay (default 500ms); each retry doubles it,
	// up to MaxBackoff (default 30s), with full jitter in [d/2, d).
	Backoff, MaxBackoff time.Duration
	// BatchSize is the most calls sent in one JSON-RPC batch (default 100).
	BatchSize int
	// RateLimit, if above zero, bounds the requests per second (a batch
	// counts once), shared by all concurrent fetches.
	RateLimit float64
	// MaxAnswer bounds the bytes of one answer of the node (default
	// DefaultMaxAnswer): the HTTP body reader, or the websocket message
	// size, stops there. A log query whose answer is larger is split like
	// one that hits a provider's result limit; any other call fails.
	MaxAnswer int64
}

// DefaultMaxAnswer is the default bound of one JSON-RPC answer.
const DefaultMaxAnswer = 64 << 20

// ErrAnswerTooLarge is an answer of the node longer than RPCOptions.MaxAnswer.
var ErrAnswerTooLarge = errors.New("answer of the node exceeds the size limit (--max-answer)")

func (o *RPCOptions) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.MaxAnswer <= 0 {
		o.MaxAnswer = DefaultMaxAnswer
	}
}

// RPCStats counts what a node was asked.
type RPCStats struct {
	Requests int64 // HTTP requests (a batch counts once)
	Retries  int64 // requests repeated after a transient failure
	Splits   int64 // log queries split after a range or result-count limit
	Reorgs   int64 // reads repeated because the chain reorganised under them
}

// node is a JSON-RPC client that retries transient failures.
type node struct {
	limit struct {
		sync.Mutex
		next time.Time
	}
	rc    *rpc.Client
	ec    *ethclient.Client
	opt   RPCOptions
	stats struct{ requests, retries, splits, reorgs atomic.Int64 }
}

func dial(ctx context.Context, url string, opt RPCOptions) (*node, error) {
	opt.defaults()
	var opts []rpc.ClientOption
	switch u := strings.ToLower(url); {
	case strings.HasPrefix(u, "http://"), strings.HasPrefix(u, "https://"):
		tr := http.DefaultTransport.(*http.Transport).Clone()
		opts = append(opts, rpc.WithHTTPClient(&http.Client{Transport: limitTransport{tr, opt.MaxAnswer}}))
	case strings.HasPrefix(u, "ws://"), strings.HasPrefix(u, "wss://"):
		opts = append(opts, rpc.WithWebsocketMessageSizeLimit(opt.MaxAnswer))
	}
	rc, err := rpc.DialOptions(ctx, url, opts...)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return &node{rc: rc, ec: ethclient.NewClient(rc), opt: opt}, nil
}

// limitTransport hands go-ethereum response bodies that fail with
// ErrAnswerTooLarge after limit bytes, so neither a huge nor an endless
// answer is held in memory.
type limitTransport struct {
	base  http.RoundTripper
	limit int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes announced", ErrAnswerTooLarge, resp.ContentLength)
	}
	resp.Body = &limitBody{rc: resp.Body, left: t.limit}
	return resp, nil
}

type limitBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, ErrAnswerTooLarge
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitBody) Close() error { return b.rc.Close() }

// shortError keeps an error's chain but prints at most maxErrText bytes of
// it: an answer of the node quoted in an error (an HTTP error page, a long
// JSON-RPC message) is shown by a short prefix only.
type shortError struct{ err error }

const maxErrText = 300

func (e shortError) Error() string { return quotePrefix(e.err.Error(), maxErrText) }
func (e shortError) Unwrap() error { return e.err }

func short(err error) error {
	if err == nil || len(err.Error()) <= maxErrText {
		return err
	}
	return shortError{err}
}

// quotePrefix returns s, or its first n bytes (valid UTF-8) and how many
// were left out.
func quotePrefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.ToValidUTF8(s[:n], "")
	return fmt.Sprintf("%s… (%d more bytes)", cut, len(s)-len(cut))
}

func (n *node) close() { n.rc.Close() }

// wait spaces requests 1/RateLimit seconds apart.
func (n *node) wait(ctx context.Context) error {
	if n.opt.RateLimit <= 0 {
		return nil
	}
	gap := time.Duration(float64(time.Second) / n.opt.RateLimit)
	n.limit.Lock()
	now := time.Now()
	at := now
	if n.limit.next.After(now) {
		at = n.limit.next
	}
	n.limit.next = at.Add(gap)
	n.limit.Unlock()
	if d := at.Sub(now); d > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return nil
}

func (n *node) Stats() RPCStats {
	return RPCStats{Requests: n.stats.requests.Load(), Retries: n.stats.retries.Load(), Splits: n.stats.splits.Load(),
		Reorgs: n.stats.reorgs.Load()}
}

// errKind classifies a failed request.
type errKind int

const (
	errFatal     errKind = iota
	errTransient         // retry after a backoff
	errRange             // a log query over too many blocks or results: split it
)

// rangeMessages are fragments of the errors providers return when an
// eth_getLogs query spans too many blocks or matches too many logs
// (geth, Infura, Alchemy, QuickNode, Ankr, BlastAPI, Cloudflare, Erigon, ...).
var rangeMessages = []string{
	"query returned more than",
	"block range is too wide",
	"block range too large",
	"exceed maximum block range",
	"exceeds max block range",
	"exceeds the range",
	"range is too large",
	"range too large",
	"limit exceeded",
	"log response size exceeded",
	"response size exceeded",
	"response is too big",
	"too many results",
	"max results",
	"more than 10000 results",
	"eth_getlogs is limited",
	"maximum block range",
	"max range",
	"please limit the query",
	"try with this block range",
	"block range limit",
}

var transientMessages = []string{
	"rate limit", "too many requests", "capacity", "timeout", "timed out", "temporarily",
	"try again", "connection reset", "broken pipe", "connection refused", "eof",
	"header not found", "unknown block", "server error", "bad gateway", "service unavailable",
	"internal error", "limit exceeded",
}

// classify tells a transient failure (HTTP 429 and 5xx, timeouts, dropped
// connections, provider rate limits) and a log-range limit from a fatal error.
// logs is true for eth_getLogs, the only call a range limit can apply to.
func classify(err error, logs bool) errKind {
	if err == nil {
		return errFatal
	}
	if errors.Is(err, errLagging) {
		return errTransient
	}
	if errors.Is(err, ErrAnswerTooLarge) {
		if logs {
			return errRange
		}
		return errFatal
	}
	msg := strings.ToLower(quotePrefix(err.Error(), 4096))
	var he rpc.HTTPError
	if errors.As(err, &he) {
		msg = strings.ToLower(quotePrefix(he.Status+" "+string(he.Body), 4096))
		if logs && matchAny(msg, rangeMessages) {
			return errRange
		}
		if he.StatusCode == 429 || he.StatusCode >= 500 || he.StatusCode == 408 {
			return errTransient
		}
		return errFatal
	}
	var re rpc.Error
	if errors.As(err, &re) {
		code := re.ErrorCode()
		rate := strings.Contains(msg, "rate") || strings.Contains(msg, "too many requests")
		if logs && !rate && (code == -32005 || matchAny(msg, rangeMessages)) {
			return errRange
		}
		if code == -32005 || code == 429 || code == -32603 || matchAny(msg, transientMessages) {
			return errTransient
		}
		return errFatal
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return errTransient
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return errTransient
	}
	if logs && matchAny(msg, rangeMessages) {
		return errRange
	}
	if matchAny(msg, transientMessages) {
		return errTransient
	}
	return errFatal
}

func matchAny(s string, list []string) bool {
	for _, m := range list {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// rangeError reports that a log query must be split.
type rangeError struct{ err error }

func (e *rangeError) Error() string { return e.err.Error() }
func (e *rangeError) Unwrap() error { return e.err }

// backoff counts a retry and sleeps a jittered delay (between half and all
// of *delay), then doubles *delay up to MaxBackoff; it returns early with
// ctx's error when ctx ends.
func (n *node) backoff(ctx context.Context, delay *time.Duration) error {
	n.stats.retries.Add(1)
	d := *delay/2 + rand.N(*delay/2+1)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
	}
	*delay = min(2**delay, n.opt.MaxBackoff)
	return nil
}

// retry runs f until it succeeds, fails fatally, hits a range limit (returned
// as *rangeError) or exhausts the retries. Each attempt gets its own timeout.
func (n *node) retry(ctx context.Context, what string, logs bool, f func(ctx context.Context) error) error {
	delay := n.opt.Backoff
	for attempt := 0; ; attempt++ {
		if err := n.wait(ctx); err != nil {
			return err
		}
		actx, cancel := context.WithTimeout(ctx, n.opt.Timeout)
		n.stats.requests.Add(1)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch classify(err, logs) {
		case errRange:
			return &rangeError{short(err)}
		case errFatal:
			return fmt.Errorf("%s: %w", what, short(err))
		}
		if attempt >= n.opt.Retries {
			return fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt+1, short(err))
		}
		if err := n.backoff(ctx, &delay); err != nil {
			return err
		}
	}
}

func (n *node) call(ctx context.Context, result any, method string, args ...any) error {
	return n.retry(ctx, method, false, func(ctx context.Context) error {
		return n.rc.CallContext(ctx, result, method, args...)
	})
}

// filterLogs runs eth_getLogs through ethclient, retrying transient failures.
// A range or result-count limit comes back as *rangeError.
func (n *node) filterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	var logs []types.Log
	err := n.retry(ctx, "eth_getLogs", true, func(ctx context.Context) error {
		var err error
		logs, err = n.ec.FilterLogs(ctx, q)
		return err
	})
	return logs, err
}

// batch sends calls in JSON-RPC batches of at most BatchSize, retrying
// the batches and the single calls that fail transiently. A call whose
// result is JSON null is retried too (a node behind a load balancer may not
// have the block yet); after the retries it is an error.
func (n *node) batch(ctx context.Context, calls []rpc.BatchElem, isNull func(i int) bool) error {
	pending := make([]int, len(calls))
	for i := range pending {
		pending[i] = i
	}
	delay := n.opt.Backoff
	for attempt := 0; len(pending) > 0; attempt++ {
		var failed []int
		var lastErr error
		for lo := 0; lo < len(pending); lo += n.opt.BatchSize {
			idx := pending[lo:min(lo+n.opt.BatchSize, len(pending))]
			elems := make([]rpc.BatchElem, len(idx))
			for k, i := range idx {
				calls[i].Error = nil
				elems[k] = calls[i]
			}
			err := n.batchSplit(ctx, elems)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				if classify(err, false) != errTransient {
					return fmt.Errorf("batch of %d calls: %w", len(elems), short(err))
				}
				failed, lastErr = append(failed, idx...), err
				continue
			}
			for k, i := range idx {
				calls[i].Error = elems[k].Error
				if e := elems[k].Error; e != nil {
					if classify(e, false) != errTransient {
						return fmt.Errorf("%s %v: %w", elems[k].Method, elems[k].Args, short(e))
					}
					failed, lastErr = append(failed, i), e
				} else if isNull != nil && isNull(i) {
					failed, lastErr = append(failed, i), fmt.Errorf("%s %v: node returned null", elems[k].Method, elems[k].Args)
				}
			}
		}
		if len(failed) == 0 {
			return nil
		}
		if attempt >= n.opt.Retries {
			return fmt.Errorf("giving up after %d attempts: %w", attempt+1, short(lastErr))
		}
		if err := n.backoff(ctx, &delay); err != nil {
			return err
		}
		pending = failed
	}
	return nil
}

// batchSplit sends one batch; an answer above MaxAnswer is asked again in
// halves, down to single calls (a single call that large fails).
func (n *node) batchSplit(ctx context.Context, elems []rpc.BatchElem) error {
	if err := n.wait(ctx); err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, n.opt.Timeout)
	n.stats.requests.Add(1)
	err := n.rc.BatchCallContext(actx, elems)
	cancel()
	if len(elems) > 1 && errors.Is(err, ErrAnswerTooLarge) && ctx.Err() == nil {
		n.stats.splits.Add(1)
		h := len(elems) / 2
		if err := n.batchSplit(ctx, elems[:h]); err != nil {
			return err
		}
		return n.batchSplit(ctx, elems[h:])
	}
	return err
}

// errLagging is a node that answers a log query but lacks the query's last
// block: its (empty) logs cannot be trusted yet.
var errLagging = errors.New("the node does not have the block yet (answered null)")

// logsAndHeaders asks, in one batch, for the logs of q and the headers of
// blocks lo and hi, the query's first and last blocks. Only a node that has
// block hi can be trusted to have answered the logs of the whole range, so
// a null header is retried like a transient failure, and after the retries
// is an error. The first header's parent hash links the range to the one
// before it (see Ingest).
func (n *node) logsAndHeaders(ctx context.Context, q ethereum.FilterQuery, lo, hi uint64) ([]types.Log, *rpcHeader, *rpcHeader, error) {
	arg := map[string]any{"fromBlock": (*hexutil.Big)(q.FromBlock), "toBlock": (*hexutil.Big)(q.ToBlock)}
	if len(q.Addresses) > 0 {
		arg["address"] = q.Addresses
	}
	if len(q.Topics) > 0 {
		arg["topics"] = q.Topics
	}
	var logs []types.Log
	var head, first *rpcHeader
	err := n.retry(ctx, "eth_getLogs", true, func(ctx context.Context) error {
		logs, head, first = nil, nil, nil
		elems := []rpc.BatchElem{
			{Method: "eth_getLogs", Args: []any{arg}, Result: &logs},
			{Method: "eth_getBlockByNumber", Args: []any{hexutil.EncodeUint64(hi), false}, Result: &head},
		}
		if lo != hi {
			elems = append(elems, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.EncodeUint64(lo), false}, Result: &first})
		}
		if err := n.rc.BatchCallContext(ctx, elems); err != nil {
			return err
		}
		if err := elems[0].Error; err != nil {
			return err
		}
		for k, b := range []uint64{hi, lo}[:len(elems)-1] {
			h := *elems[k+1].Result.(**rpcHeader)
			if err := elems[k+1].Error; err != nil && !errors.Is(err, rpc.ErrNoResult) {
				return fmt.Errorf("eth_getBlockByNumber %d: %w", b, err)
			}
			if h == nil {
				return fmt.Errorf("block %d: %w", b, errLagging)
			}
			if uint64(h.Number) != b {
				return fmt.Errorf("asked for block %d, node returned block %d", b, h.Number)
			}
		}
		return nil
	})
	if lo == hi {
		first = head
	}
	return logs, first, head, err
}

// ChainIDs are the EIP-155 chain ids of the chain names (Dune spelling)
// that ingest checks the node's eth_chainId against.
var ChainIDs = map[string]uint64{
	"ethereum": 1, "optimism": 10, "bnb": 56, "gnosis": 100, "polygon": 137, "fantom": 250, "zksync": 324,
	"base": 8453, "arbitrum": 42161, "celo": 42220, "avalanche_c": 43114, "linea": 59144, "blast": 81457,
	"scroll": 534352, "zora": 7777777, "sepolia": 11155111,
}

// ChainMismatchError is a node on another chain than the one asked for
// (exit 2: the flags do not fit the node).
type ChainMismatchError struct {
	Chain     string
	Want, Got *big.Int
}

func (e *ChainMismatchError) Error() string {
	return fmt.Sprintf("--chain %s has chain id %s, but the node reports eth_chainId %s", e.Chain, e.Want, e.Got)
}

// ExitCode is 2: a usage error.
func (e *ChainMismatchError) ExitCode() int { return 2 }

// checkChainID compares the node's eth_chainId with cfg.ChainID, else the
// id of cfg.Chain; a chain with no known id is not checked.
func checkChainID(ctx context.Context, n *node, cfg *Config) error {
	want := cfg.ChainID
	if want == 0 {
		want = ChainIDs[cfg.Chain]
	}
	if want == 0 {
		if cfg.Warn != nil {
			fmt.Fprintf(cfg.Warn, "washscan ingest: chain %q has no known chain id; the node's chain is not checked (--chain-id sets it)\n", cfg.Chain)
		}
		return nil
	}
	var got hexutil.Big
	if err := n.call(ctx, &got, "eth_chainId"); err != nil {
		return err
	}
	if g := got.ToInt(); !g.IsUint64() || g.Uint64() != want {
		return &ChainMismatchError{cfg.Chain, new(big.Int).SetUint64(want), g}
	}
	return nil
}
