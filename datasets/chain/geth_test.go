package chain

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/washscan/washscan/datasets"
)

// newProxy serves target on loopback through fault (nil: a plain proxy).
func newProxy(t testing.TB, target string, fault func(w http.ResponseWriter, body []byte) bool) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := faultBody(w, r, fault)
		if !ok {
			return
		}
		resp, err := http.Post(target, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// newGethChain connects to the geth --dev node named by WASHSCAN_TEST_GETH
// (see .ci/geth.sh) and funds a fresh key from its dev account.
func newGethChain(t *testing.T) *testChain {
	url := os.Getenv("WASHSCAN_TEST_GETH")
	if url == "" {
		t.Skip("WASHSCAN_TEST_GETH not set (start a node with .ci/geth.sh)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := rpc.DialContext(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.Close)
	var accounts []common.Address
	if err := rc.CallContext(ctx, &accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
		t.Fatalf("eth_accounts: %v %v", accounts, err)
	}
	key, _ := crypto.GenerateKey()
	from := crypto.PubkeyToAddress(key.PublicKey)
	var h common.Hash
	if err := rc.CallContext(ctx, &h, "eth_sendTransaction", map[string]any{"from": accounts[0], "to": from,
		"value": (*hexutil.Big)(new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18)))}); err != nil {
		t.Fatal(err)
	}
	c := ethclient.NewClient(rc)
	for {
		if r, err := c.TransactionReceipt(ctx, h); err == nil && r.Status == 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("funding transaction not mined")
		case <-time.After(100 * time.Millisecond):
		}
	}
	id, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &testChain{url: url, client: c, key: key, from: from, chain: id, commit: func() {}}
}

// TestIngestGeth is the acceptance check against a real geth --dev node:
// every event once with the right fields, the same through the fault
// proxy, and a killed-then-resumed ingest giving the identical file.
func TestIngestGeth(t *testing.T) {
	tc := newGethChain(t)
	w := buildWorld(t, tc)
	var got []datasets.Row
	dir := t.TempDir()
	cfg := w.config(filepath.Join(dir, "mem.csv"))
	cfg.Create = func(string) (datasets.RowWriter, error) { return &memWriter{out: &got}, nil }
	if _, err := Ingest(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	compareRows(t, got, w.want)

	want := cleanRun(t, w, w.config(filepath.Join(dir, "clean.csv")))
	fault, counts := newFaultProxy(3)
	cfg = w.config(filepath.Join(dir, "faulty.csv"))
	cfg.RPC = newProxy(t, tc.url, fault)
	if got := cleanRun(t, w, cfg); !bytes.Equal(got, want) {
		t.Errorf("output through faults differs:\n%s\nwant\n%s", got, want)
	}
	t.Logf("faults: %+v", counts)

	cfg = w.config(filepath.Join(dir, "resumed.csv"))
	cfg.ChunkBlocks = 2
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	cfg.Progress = func(done, total uint64) {
		if calls++; calls == 3 {
			cancel()
		}
	}
	if _, err := Ingest(ctx, cfg); err == nil {
		t.Fatal("killed run did not stop")
	}
	cfg.Progress, cfg.Resume = nil, true
	if got := cleanRun(t, w, cfg); !bytes.Equal(got, want) {
		t.Errorf("resumed output differs:\n%s\nwant\n%s", got, want)
	}
}

// TestIngestExternal reads a few blocks from the node named by
// WASHSCAN_TEST_RPC (e.g. a mainnet provider) with the default
// marketplaces: it checks the rows are well formed and ordered.
// WASHSCAN_TEST_CONTRACT and WASHSCAN_TEST_BLOCKS (FROM-TO) choose what to
// read (default: CryptoPunks, mainnet blocks 15,000,000-15,010,000).
func TestIngestExternal(t *testing.T) {
	url := os.Getenv("WASHSCAN_TEST_RPC")
	if url == "" {
		t.Skip("WASHSCAN_TEST_RPC not set")
	}
	contract := MainnetCryptoPunks
	if s := os.Getenv("WASHSCAN_TEST_CONTRACT"); s != "" {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		contract = a
	}
	from, to := uint64(15_000_000), uint64(15_010_000)
	if s := os.Getenv("WASHSCAN_TEST_BLOCKS"); s != "" {
		var a, b uint64
		if _, err := fmt.Sscanf(s, "%d-%d", &a, &b); err != nil {
			t.Fatalf("WASHSCAN_TEST_BLOCKS=%q: %v", s, err)
		}
		from, to = a, b
	}
	var got []datasets.Row
	cfg := Config{RPC: url, Contracts: []datasets.Address{contract}, Marketplaces: DefaultMarketplaces,
		FromBlock: from, ToBlock: to, Out: filepath.Join(t.TempDir(), "ext.csv"),
		Create: func(string) (datasets.RowWriter, error) { return &memWriter{out: &got}, nil }}
	res, err := Ingest(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows, rpc %+v", res.Rows, res.RPC)
	for i := range got {
		r := &got[i]
		if r.Contract != contract || r.BlockNumber < from || r.BlockNumber > to || r.BlockTime == 0 || r.TxFrom == nil {
			t.Errorf("row %d: %s", i, rowString(r))
		}
		if i > 0 && comparePending(pendingRow{Row: got[i-1]}, pendingRow{Row: *r}) > 0 {
			t.Errorf("rows %d and %d out of order", i-1, i)
		}
	}
}
