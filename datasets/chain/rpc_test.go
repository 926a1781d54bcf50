package chain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/washscan/washscan/datasets"
)

// testOptions are fast retries for the RPC tests.
var testOptions = RPCOptions{Timeout: 5 * time.Second, Retries: 2, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxAnswer: 64 << 10}

// rawServer answers every request with what answer writes.
func rawServer(t testing.TB, answer func(w http.ResponseWriter, body []byte)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		answer(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestAnswerBounded: an answer longer than MaxAnswer, or endless, stops at
// the limit with ErrAnswerTooLarge; the error does not quote it.
func TestAnswerBounded(t *testing.T) {
	huge := `{"jsonrpc":"2.0","id":1,"result":"0x` + strings.Repeat("a", 1<<20) + `"}`
	for name, answer := range map[string]func(w http.ResponseWriter, body []byte){
		"huge": func(w http.ResponseWriter, _ []byte) { io.WriteString(w, huge) },
		"huge, no length": func(w http.ResponseWriter, _ []byte) {
			w.(http.Flusher).Flush() // chunked: no Content-Length to reject it early
			io.WriteString(w, huge)
		},
		"endless": func(w http.ResponseWriter, r []byte) {
			io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"0x`)
			chunk := bytes.Repeat([]byte("b"), 64<<10)
			for i := 0; i < 1<<14; i++ { // 1 GiB unless the client hangs up
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		},
	} {
		n, err := dial(context.Background(), rawServer(t, answer), testOptions)
		if err != nil {
			t.Fatal(err)
		}
		var s string
		start := time.Now()
		err = n.call(context.Background(), &s, "eth_blockNumber")
		n.close()
		if !errors.Is(err, ErrAnswerTooLarge) {
			t.Errorf("%s: %v, want ErrAnswerTooLarge", name, err)
		}
		if err != nil && len(err.Error()) > 500 {
			t.Errorf("%s: error of %d bytes", name, len(err.Error()))
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

// TestErrorQuotesPrefix: an HTTP error page and a JSON-RPC error message are
// quoted by a short prefix only.
func TestErrorQuotesPrefix(t *testing.T) {
	page := "<html>" + strings.Repeat("x", 40<<10) + "</html>"
	for name, answer := range map[string]func(w http.ResponseWriter, body []byte){
		"http 400": func(w http.ResponseWriter, _ []byte) { http.Error(w, page, 400) },
		"rpc error": func(w http.ResponseWriter, _ []byte) {
			b, _ := json.Marshal(jsonResp{JSONRPC: "2.0", ID: json.RawMessage("1"), Error: &jsonErr{Code: -32000, Message: page}})
			w.Write(b)
		},
	} {
		n, err := dial(context.Background(), rawServer(t, answer), testOptions)
		if err != nil {
			t.Fatal(err)
		}
		var s string
		err = n.call(context.Background(), &s, "eth_blockNumber")
		n.close()
		if err == nil || len(err.Error()) > 500 || !strings.Contains(err.Error(), "xxxx") || !strings.Contains(err.Error(), "more bytes") {
			t.Errorf("%s: %.600v", name, err)
		}
		var he rpc.HTTPError
		if name == "http 400" && (!errors.As(err, &he) || he.StatusCode != 400) {
			t.Errorf("%s: the HTTP error is not kept: %v", name, err)
		}
	}
}

// logsHeaderFault answers a batch that holds eth_getLogs as a node that
// lacks the range's last block: no logs, and null for its header, while
// lagging() is true; otherwise the node answers.
func logsHeaderFault(lagging func() bool) func(w http.ResponseWriter, body []byte) bool {
	return func(w http.ResponseWriter, body []byte) bool {
		var reqs []jsonReq
		if json.Unmarshal(body, &reqs) != nil || len(reqs) < 2 || reqs[0].Method != "eth_getLogs" || !lagging() {
			return false
		}
		out := []jsonResp{{JSONRPC: "2.0", ID: reqs[0].ID, Result: json.RawMessage("[]")}}
		for _, r := range reqs[1:] {
			out = append(out, jsonResp{JSONRPC: "2.0", ID: r.ID, Result: json.RawMessage("null")})
		}
		b, _ := json.Marshal(out)
		w.Write(b)
		return true
	}
}

// TestIngestLaggingNode: a node that answers eth_getLogs with nothing while
// it lacks the range's last block is retried, and after the retries the
// ingest fails (exit 1) instead of writing a file with rows missing.
func TestIngestLaggingNode(t *testing.T) {
	var lagging atomic.Int64
	tc := newSimChain(t, logsHeaderFault(func() bool { return lagging.Add(-1) >= 0 }))
	w := buildWorld(t, tc)
	dir := t.TempDir()
	want := cleanRun(t, w, w.config(filepath.Join(dir, "clean.csv")))

	lagging.Store(3) // fewer than the retries: the ingest gets the rows
	cfg := w.config(filepath.Join(dir, "lag.csv"))
	if got := cleanRun(t, w, cfg); !bytes.Equal(got, want) {
		t.Errorf("after a lagging node caught up: output differs")
	}
	lagging.Store(1 << 40) // never catches up
	cfg = w.config(filepath.Join(dir, "behind.csv"))
	cfg.Retries = 2
	_, err := Ingest(context.Background(), cfg)
	if !errors.Is(err, errLagging) || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Fatalf("node behind: %v", err)
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		t.Errorf("node behind: exit code %d, want the runtime failure (1)", ec.ExitCode())
	}
	if _, err := os.Stat(cfg.Out); err == nil {
		t.Errorf("%s written", cfg.Out)
	}
}

// TestIngestChainID: a node on another chain is a usage error (exit 2).
func TestIngestChainID(t *testing.T) {
	tc := newSimChain(t, nil)
	var rows []datasets.Row
	cfg := Config{RPC: tc.url, Chain: "ethereum", Contracts: []datasets.Address{{1}}, Out: filepath.Join(t.TempDir(), "x.csv"),
		Create: func(string) (datasets.RowWriter, error) { return &memWriter{out: &rows}, nil }, RPCOptions: testOptions}
	_, err := Ingest(context.Background(), cfg)
	var cm *ChainMismatchError
	if !errors.As(err, &cm) || cm.ExitCode() != 2 || cm.Got.Int64() != 1337 || !strings.Contains(err.Error(), "eth_chainId 1337") {
		t.Fatalf("chain mismatch: %v", err)
	}
	cfg.ChainID = 1337
	if _, err := Ingest(context.Background(), cfg); err != nil {
		t.Fatalf("--chain-id 1337: %v", err)
	}
}

// TestIngestOversizeLogsSplit: a log answer above MaxAnswer splits the
// query like a provider's result limit; the rows are the same.
func TestIngestOversizeLogsSplit(t *testing.T) {
	tc := newSimChain(t, nil)
	w := buildWorld(t, tc)
	dir := t.TempDir()
	want := cleanRun(t, w, w.config(filepath.Join(dir, "clean.csv")))
	cfg := w.config(filepath.Join(dir, "small.csv"))
	cfg.MaxAnswer = 8 << 10 // a few logs, or a few receipts, per answer
	cfg.ChunkBlocks = 64
	res, err := Ingest(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(cfg.Out); err != nil || !bytes.Equal(got, want) {
		t.Errorf("output differs with a small answer bound")
	}
	if res.RPC.Splits == 0 {
		t.Errorf("no split with a %d-byte answer bound", cfg.MaxAnswer)
	}
}

// FuzzRPCAnswer serves arbitrary bytes as the node's answer to the calls
// ingest makes: no panic, and any error is short.
func FuzzRPCAnswer(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":"0x10"}`), uint8(0))
	f.Add([]byte(`[{"jsonrpc":"2.0","id":1,"result":[]},{"jsonrpc":"2.0","id":2,"result":null}]`), uint8(1))
	f.Add([]byte(`[{"jsonrpc":"2.0","id":1,"result":[{"address":"0x01","topics":[],"data":"0x"}]},{"jsonrpc":"2.0","id":2,"result":{"number":"0x5","hash":"0x01","timestamp":"0x1"}}]`), uint8(1))
	f.Add([]byte(`[{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"`+strings.Repeat("query returned more than 10000 results ", 50)+`"}}]`), uint8(2))
	f.Add([]byte("\x00\xff{{{"), uint8(3))
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(*body.Load())
	}))
	defer srv.Close()
	opt := testOptions
	opt.Retries, opt.Timeout, opt.MaxAnswer = -1, 2*time.Second, 4<<10
	n, err := dial(context.Background(), srv.URL, opt)
	if err != nil {
		f.Fatal(err)
	}
	defer n.close()
	f.Fuzz(func(t *testing.T, answer []byte, call uint8) {
		body.Store(&answer)
		ctx := context.Background()
		var err error
		switch call % 4 {
		case 0:
			var s string
			err = n.call(ctx, &s, "eth_blockNumber")
		case 1:
			_, _, _, err = n.logsAndHeaders(ctx, ethereum.FilterQuery{FromBlock: big.NewInt(4), ToBlock: big.NewInt(5)}, 4, 5)
		case 2:
			var h *rpcHeader
			var tx *rpcTx
			err = n.batch(ctx, []rpc.BatchElem{{Method: "eth_getBlockByNumber", Args: []any{"0x5", false}, Result: &h},
				{Method: "eth_getTransactionByHash", Args: []any{"0x01"}, Result: &tx}}, nil)
		case 3:
			var got hexutil.Big
			err = n.call(ctx, &got, "eth_chainId")
		}
		if err != nil && len(err.Error()) > 2*maxErrText+200 {
			t.Fatalf("error of %d bytes: %.200s", len(err.Error()), err)
		}
	})
}

// TestIngestReorgAcrossChunks: the chain reorganises below blocks already
// committed (between two chunks, and again after the last one); the ingest
// rolls its checkpoint back to the newest block still on the chain, reads
// the rest again, and writes what a clean ingest of the final chain writes.
func TestIngestReorgAcrossChunks(t *testing.T) {
	for _, when := range []string{"midway", "at the end"} {
		t.Run(when, func(t *testing.T) {
			tc := newSimChain(t, nil)
			w := buildWorld(t, tc)
			dir := t.TempDir()
			cfg := w.config(filepath.Join(dir, "reorg.csv"))
			cfg.Confirmations, cfg.Concurrency = 2, 1
			total := w.to - w.from + 1
			forked := false
			cfg.Progress = func(done, _ uint64) {
				if forked || done < total/2 || when == "at the end" && done < total {
					return
				}
				forked = true
				at := w.from + done - 1 // the last block committed
				parent, err := tc.client.HeaderByNumber(context.Background(), new(big.Int).SetUint64(at-1))
				if err != nil {
					t.Fatal(err)
				}
				head, err := tc.client.BlockNumber(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if err := tc.fork(parent.Hash()); err != nil {
					t.Fatal(err)
				}
				for b := at; b <= head+1; b++ { // a longer branch: it becomes the chain
					tc.commit()
				}
				if h, _ := tc.client.HeaderByNumber(context.Background(), new(big.Int).SetUint64(at-1)); h.Hash() != parent.Hash() {
					t.Fatal("fork below its parent")
				}
			}
			res, err := Ingest(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !forked || res.Reorgs == 0 {
				t.Fatalf("forked %v, reorgs %d", forked, res.Reorgs)
			}
			got, err := os.ReadFile(cfg.Out)
			if err != nil {
				t.Fatal(err)
			}
			clean := w.config(filepath.Join(dir, "clean.csv"))
			if want := cleanRun(t, w, clean); !bytes.Equal(got, want) {
				t.Errorf("after a reorganisation the output differs from a clean ingest of the final chain:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestIngestReorgTooDeep: a reorganisation below every block the
// checkpoint remembers is an error, not a silent mix of two chains.
func TestIngestReorgTooDeep(t *testing.T) {
	tc := newSimChain(t, nil)
	w := buildWorld(t, tc)
	cfg := w.config(filepath.Join(t.TempDir(), "deep.csv"))
	cfg.Concurrency = 1
	forked := false
	cfg.Progress = func(done, _ uint64) {
		if forked || done < 12 {
			return
		}
		forked = true
		parent, _ := tc.client.HeaderByNumber(context.Background(), new(big.Int).SetUint64(w.from))
		head, _ := tc.client.BlockNumber(context.Background())
		if err := tc.fork(parent.Hash()); err != nil {
			t.Fatal(err)
		}
		for b := w.from; b <= head+1; b++ {
			tc.commit()
		}
	}
	if _, err := Ingest(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "deeper than the checkpoint remembers") {
		t.Fatalf("deep reorg: %v", err)
	}
}

// TestRateLimit: requests from concurrent callers are spaced 1/RateLimit
// apart (a lower bound on the time taken, whatever the machine's speed).
func TestRateLimit(t *testing.T) {
	var seen atomic.Int64
	url := rawServer(t, func(w http.ResponseWriter, _ []byte) {
		seen.Add(1)
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"0x1"}`)
	})
	opt := testOptions
	opt.RateLimit = 50
	n, err := dial(context.Background(), url, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	start := time.Now()
	done := make(chan error)
	for i := 0; i < 4; i++ {
		go func() {
			for k := 0; k < 5; k++ {
				var s string
				if err := n.call(context.Background(), &s, "eth_blockNumber"); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// 20 requests at 50 per second: the last starts 19/50 s after the first.
	if d := time.Since(start); d < 19*time.Second/50 || seen.Load() != 20 {
		t.Errorf("20 requests in %v (%d seen), want at least %v", d, seen.Load(), 19*time.Second/50)
	}
}
