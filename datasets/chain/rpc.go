package chain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
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
}

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
}

// RPCStats counts what a node was asked.
type RPCStats struct {
	Requests int64 // HTTP requests (a batch counts once)
	Retries  int64 // requests repeated after a transient failure
	Splits   int64 // log queries split after a range or result-count limit
}

// node is a JSON-RPC client that retries transient failures.
type node struct {
	rc    *rpc.Client
	ec    *ethclient.Client
	opt   RPCOptions
	stats struct{ requests, retries, splits atomic.Int64 }
}

func dial(ctx context.Context, url string, opt RPCOptions) (*node, error) {
	opt.defaults()
	rc, err := rpc.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return &node{rc: rc, ec: ethclient.NewClient(rc), opt: opt}, nil
}

func (n *node) close() { n.rc.Close() }

func (n *node) Stats() RPCStats {
	return RPCStats{Requests: n.stats.requests.Load(), Retries: n.stats.retries.Load(), Splits: n.stats.splits.Load()}
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
	msg := strings.ToLower(err.Error())
	var he rpc.HTTPError
	if errors.As(err, &he) {
		msg = strings.ToLower(he.Status + " " + string(he.Body))
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

// retry runs f until it succeeds, fails fatally, hits a range limit (returned
// as *rangeError) or exhausts the retries. Each attempt gets its own timeout.
func (n *node) retry(ctx context.Context, what string, logs bool, f func(ctx context.Context) error) error {
	delay := n.opt.Backoff
	for attempt := 0; ; attempt++ {
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
			return &rangeError{err}
		case errFatal:
			return fmt.Errorf("%s: %w", what, err)
		}
		if attempt >= n.opt.Retries {
			return fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt+1, err)
		}
		n.stats.retries.Add(1)
		d := delay/2 + rand.N(delay/2+1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		delay = min(2*delay, n.opt.MaxBackoff)
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
			actx, cancel := context.WithTimeout(ctx, n.opt.Timeout)
			n.stats.requests.Add(1)
			err := n.rc.BatchCallContext(actx, elems)
			cancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				if classify(err, false) != errTransient {
					return fmt.Errorf("batch of %d calls: %w", len(elems), err)
				}
				failed, lastErr = append(failed, idx...), err
				continue
			}
			for k, i := range idx {
				calls[i].Error = elems[k].Error
				if e := elems[k].Error; e != nil {
					if classify(e, false) != errTransient {
						return fmt.Errorf("%s %v: %w", elems[k].Method, elems[k].Args, e)
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
			return fmt.Errorf("giving up after %d attempts: %w", attempt+1, lastErr)
		}
		n.stats.retries.Add(1)
		d := delay/2 + rand.N(delay/2+1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		delay = min(2*delay, n.opt.MaxBackoff)
		pending = failed
	}
	return nil
}
