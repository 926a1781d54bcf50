package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/washscan/washscan/datasets/chain"
)

// stubLog is a log the stub node serves, in block 100, transaction 0xaa…
type stubLog struct {
	addr   common.Address
	topics []common.Hash
	data   []byte
}

// stubNode serves a chain whose block 100 holds one transaction with logs:
// just the JSON-RPC calls ingest makes.
func stubNode(t *testing.T, chainID int64, logs []stubLog) string {
	t.Helper()
	tx := common.Hash{0xaa}
	blockHash := func(n uint64) common.Hash { return common.BigToHash(new(big.Int).SetUint64(n + 0xb10c000)) }
	header := func(n uint64) map[string]any {
		return map[string]any{"number": fmt.Sprintf("0x%x", n), "hash": blockHash(n), "parentHash": blockHash(n - 1), "timestamp": "0x60000000"}
	}
	rpcLogs := make([]map[string]any, len(logs))
	for i, l := range logs {
		rpcLogs[i] = map[string]any{"address": l.addr, "topics": l.topics, "data": fmt.Sprintf("0x%x", l.data), "blockNumber": "0x64",
			"blockHash": blockHash(100), "transactionHash": tx, "transactionIndex": "0x0", "logIndex": fmt.Sprintf("0x%x", i), "removed": false}
	}
	one := func(method string, params []json.RawMessage) any {
		switch method {
		case "eth_chainId":
			return fmt.Sprintf("0x%x", chainID)
		case "eth_blockNumber":
			return "0xc8"
		case "eth_getBlockByNumber":
			var n string
			json.Unmarshal(params[0], &n)
			b, _ := new(big.Int).SetString(strings.TrimPrefix(n, "0x"), 16)
			return header(b.Uint64())
		case "eth_getLogs":
			var f struct{ FromBlock, ToBlock string }
			json.Unmarshal(params[0], &f)
			lo, _ := new(big.Int).SetString(strings.TrimPrefix(f.FromBlock, "0x"), 16)
			hi, _ := new(big.Int).SetString(strings.TrimPrefix(f.ToBlock, "0x"), 16)
			if lo.Uint64() <= 100 && hi.Uint64() >= 100 && !strings.Contains(string(params[0]), "0x5b859394") { // not a punk-bid query
				return rpcLogs
			}
			return []any{}
		case "eth_getTransactionByHash":
			return map[string]any{"hash": tx, "from": common.Address{0xee}, "value": "0x0"}
		case "eth_getTransactionReceipt":
			return map[string]any{"transactionHash": tx, "blockHash": blockHash(100), "logs": rpcLogs}
		}
		return nil // eth_call and the rest: null
	}
	type req struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		answer := func(q req) map[string]any {
			if q.Method == "eth_call" {
				return map[string]any{"jsonrpc": "2.0", "id": q.ID, "error": map[string]any{"code": 3, "message": "execution reverted"}}
			}
			return map[string]any{"jsonrpc": "2.0", "id": q.ID, "result": one(q.Method, q.Params)}
		}
		var batch []req
		if json.Unmarshal(body, &batch) == nil {
			out := make([]any, len(batch))
			for i, q := range batch {
				out[i] = answer(q)
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		var q req
		json.Unmarshal(body, &q)
		json.NewEncoder(w).Encode(answer(q))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func addrTopic(a common.Address) common.Hash { return common.BytesToHash(a[:]) }

// TestIngestCommand runs `washscan ingest` against a stub node: a Blur v2
// listing bought through Gem (the aggregator columns), a malformed log
// (exit 65, or a warning with --skip-bad-logs), a node on another chain
// (exit 2).
func TestIngestCommand(t *testing.T) {
	nft, seller, user := common.Address{0x71}, common.Address{0x5e}, common.Address{0x0b}
	gem := common.HexToAddress("0x83c8f28c26bf6aaca652df1dbbe0e1b56f8baba2")
	blurV2 := common.HexToAddress("0xb2ecfe4e4d61f8790bbb9de2d1259b9e2410cea5")
	w1 := new(big.Int).Lsh(big.NewInt(5), 168) // token id 5, listing 0, trader seller
	w1.Or(w1, new(big.Int).SetBytes(seller[:]))
	w2 := new(big.Int).Lsh(new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil), 160) // ask, 1 ETH, collection nft
	w2.Or(w2, new(big.Int).SetBytes(nft[:]))
	sale := append(append(make([]byte, 32), common.BigToHash(w1).Bytes()...), common.BigToHash(w2).Bytes()...)
	logs := []stubLog{
		{nft, []common.Hash{chain.TopicTransfer, addrTopic(seller), addrTopic(gem), common.BigToHash(big.NewInt(5))}, nil},
		{blurV2, []common.Hash{chain.TopicBlurV2Packed}, sale},
		{nft, []common.Hash{chain.TopicTransfer, addrTopic(gem), addrTopic(user), common.BigToHash(big.NewInt(5))}, nil},
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "gem.csv")
	args := []string{"ingest", "--rpc", stubNode(t, 1, logs), "--contract", nft.Hex(), "--from-block", "90", "--to-block", "110", "--chunk", "7"}
	code, _, stderr := runCmd(t, append(args, "--out", out)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], ",is_wash,aggregator_name,aggregator_address") {
		t.Fatalf("output:\n%s", b)
	}
	hex := func(a common.Address) string { return strings.ToLower(a.Hex()) }
	if want := "," + hex(seller) + "," + hex(gem) + ",1,0,,,,"; !strings.Contains(lines[1], want) {
		t.Errorf("intermediate hop %q, want %q", lines[1], want)
	}
	if want := "," + hex(seller) + "," + hex(user) + ",1,1,ETH,,blur," + hex(common.Address{0xee}) + ",,gem," + hex(gem); !strings.HasSuffix(lines[2], want) {
		t.Errorf("sale %q, want suffix %q", lines[2], want)
	}

	// A Transfer with two topics: exit 65 naming the block and log index.
	bad := append(logs, stubLog{nft, []common.Hash{chain.TopicTransfer, addrTopic(seller)}, nil})
	args[2] = stubNode(t, 1, bad)
	code, _, stderr = runCmd(t, append(args, "--out", filepath.Join(dir, "bad.csv"))...)
	if code != exitBadData || !strings.Contains(stderr, "block 100 tx") || !strings.Contains(stderr, "log 3") {
		t.Errorf("malformed log: exit %d: %s", code, stderr)
	}
	code, _, stderr = runCmd(t, append(args, "--out", filepath.Join(dir, "skip.csv"), "--skip-bad-logs")...)
	if code != exitOK || !strings.Contains(stderr, "(skipped)") || !strings.Contains(stderr, "1 bad logs skipped") {
		t.Errorf("--skip-bad-logs: exit %d: %s", code, stderr)
	}

	// The node is on chain 137.
	args[2] = stubNode(t, 137, logs)
	code, _, stderr = runCmd(t, append(args, "--out", filepath.Join(dir, "poly.csv"))...)
	if code != exitUsage || !strings.Contains(stderr, "eth_chainId 137") {
		t.Errorf("chain mismatch: exit %d: %s", code, stderr)
	}
	if code, _, stderr = runCmd(t, append(args, "--out", filepath.Join(dir, "poly.csv"), "--chain", "polygon")...); code != exitOK {
		t.Errorf("--chain polygon: exit %d: %s", code, stderr)
	}
	for _, bad := range [][]string{{"--concurrency", "0"}, {"--rate-limit", "NaN"}, {"--max-answer", "10"}, {"--erc721", "0x12"}} {
		if code, _, stderr := runCmd(t, append(append(args, "--out", filepath.Join(dir, "u.csv")), bad...)...); code != exitUsage {
			t.Errorf("%v: exit %d: %s", bad, code, stderr)
		}
	}
}
