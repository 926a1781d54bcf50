package chain

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/rpc"
)

// --- A tiny EVM assembler -------------------------------------------------

type asm struct {
	code   []byte
	labels map[string]int
	refs   map[int]string // PUSH2 operand position -> label
}

func newAsm() *asm { return &asm{labels: map[string]int{}, refs: map[int]string{}} }

func (a *asm) op(b ...byte) *asm { a.code = append(a.code, b...); return a }
func (a *asm) push1(v byte) *asm { return a.op(0x60, v) }
func (a *asm) push2(v int) *asm  { return a.op(0x61, byte(v>>8), byte(v)) }
func (a *asm) label(l string) *asm {
	a.labels[l] = len(a.code)
	return a.op(0x5b) // JUMPDEST
}
func (a *asm) ref(l string) *asm {
	a.refs[len(a.code)+1] = l
	return a.push2(0)
}
func (a *asm) bytes() []byte {
	for pos, l := range a.refs {
		binary.BigEndian.PutUint16(a.code[pos:], uint16(a.labels[l]))
	}
	return a.code
}

// EVM opcodes used below.
const (
	opSTOP, opADD, opSUB, opGT, opEQ, opISZERO, opSHR          = 0x00, 0x01, 0x03, 0x11, 0x14, 0x15, 0x1c
	opCALLDATALOAD, opCALLDATASIZE, opCALLDATACOPY             = 0x35, 0x36, 0x37
	opCODECOPY, opPOP, opMLOAD, opJUMP, opJUMPI, opGAS         = 0x39, 0x50, 0x51, 0x56, 0x57, 0x5a
	opDUP1, opDUP3, opDUP7, opLOG0, opCALL, opRETURN, opREVERT = 0x80, 0x82, 0x86, 0xa0, 0xf1, 0xf3, 0xfd
	opMSTORE                                                   = 0x52
)

// emitterCode returns the runtime code of a contract that emits one log
// described by its calldata: one byte n (0..4), n 32-byte topics, then the data.
func emitterCode() []byte {
	a := newAsm()
	emitterAsm(a)
	return a.bytes()
}

func emitterAsm(a *asm) {
	a.op(opCALLDATASIZE).push1(0).push1(0).op(opCALLDATACOPY)
	a.push1(0).op(opCALLDATALOAD).push1(248).op(opSHR) // n
	for k := 0; k <= 4; k++ {
		a.op(opDUP1).push1(byte(k)).op(opEQ).ref(fmt.Sprint("L", k)).op(opJUMPI)
	}
	a.push1(0).push1(0).op(opREVERT)
	for k := 0; k <= 4; k++ {
		a.label(fmt.Sprint("L", k))
		for i := k - 1; i >= 0; i-- {
			a.push2(1 + 32*i).op(opMLOAD)
		}
		a.push2(1+32*k).op(opCALLDATASIZE, opSUB) // size
		a.push2(1 + 32*k)                         // offset
		a.op(opLOG0+byte(k), opSTOP)
	}
}

// answerCode returns the runtime code of an emitter (see emitterCode) that
// also answers view calls: a call whose 4-byte selector is a key of answers
// returns that 32-byte word, whatever its arguments.
func answerCode(answers map[[4]byte]common.Hash) []byte {
	a := newAsm()
	a.push1(0).op(opCALLDATALOAD).push1(224).op(opSHR) // selector
	keys := make([][4]byte, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [4]byte) int { return bytes.Compare(x[:], y[:]) })
	for i, k := range keys {
		a.op(opDUP1, 0x63).op(k[:]...).op(opEQ).ref(fmt.Sprint("A", i)).op(opJUMPI) // PUSH4 selector
	}
	a.op(opPOP)
	emitterAsm(a)
	for i, k := range keys {
		w := answers[k]
		a.label(fmt.Sprint("A", i)).op(0x7f).op(w[:]...) // PUSH32 answer
		a.push1(0).op(opMSTORE).push1(32).push1(0).op(opRETURN)
	}
	return a.bytes()
}

// routerCode returns the runtime code of a contract that calls, in turn,
// each target of its calldata: records of a 32-byte target, a 32-byte
// length L and L bytes of calldata. A failed call reverts everything.
func routerCode() []byte {
	a := newAsm()
	a.push1(0)
	a.label("loop")
	a.op(opDUP1, opCALLDATASIZE, opGT, opISZERO).ref("end").op(opJUMPI)
	a.op(opDUP1).push1(32).op(opADD, opCALLDATALOAD)                     // [p, L]
	a.op(opDUP1, opDUP3).push1(64).op(opADD).push1(0).op(opCALLDATACOPY) // mem = payload
	a.push1(0).push1(0).op(opDUP3).push1(0).push1(0).op(opDUP7, opCALLDATALOAD, opGAS, opCALL)
	a.op(opISZERO).ref("fail").op(opJUMPI)
	a.push1(64).op(opADD, opADD).ref("loop").op(opJUMP)
	a.label("fail").push1(0).push1(0).op(opREVERT)
	a.label("end").op(opSTOP)
	return a.bytes()
}

// initCode wraps runtime code in a constructor that returns it.
func initCode(runtime []byte) []byte {
	if len(runtime) > 0xffff {
		panic("runtime too long for this constructor")
	}
	hdr := []byte{0x61, byte(len(runtime) >> 8), byte(len(runtime)), opDUP1, 0x60, 0x0c, 0x60, 0x00, opCODECOPY, 0x60, 0x00, opRETURN}
	return append(hdr, runtime...)
}

// ev is one log to emit: from emitter at addr.
type ev struct {
	addr   common.Address
	topics []common.Hash
	data   []byte
}

func (e ev) calldata() []byte {
	out := []byte{byte(len(e.topics))}
	for _, t := range e.topics {
		out = append(out, t[:]...)
	}
	return append(out, e.data...)
}

func routerCalldata(evs []ev) []byte {
	var out []byte
	for _, e := range evs {
		cd := e.calldata()
		out = append(out, common.LeftPadBytes(e.addr[:], 32)...)
		out = append(out, common.LeftPadBytes(big.NewInt(int64(len(cd))).Bytes(), 32)...)
		out = append(out, cd...)
	}
	return out
}

// --- Chains ------------------------------------------------------------------

// testChain is a node the tests write to: the simulated backend or geth --dev.
type testChain struct {
	url    string
	client *ethclient.Client
	key    *ecdsa.PrivateKey
	from   common.Address
	nonce  uint64
	chain  *big.Int
	commit func()                         // seals a block (no-op where the node mines by itself)
	fork   func(parent common.Hash) error // starts a side chain (simulated backend only)
}

// newSimChain starts go-ethereum's simulated backend and serves it over HTTP
// on loopback through a JSON-RPC forwarder; fault, if set, may answer a
// request instead of the node.
func newSimChain(t testing.TB, fault func(w http.ResponseWriter, body []byte) bool) *testChain {
	t.Helper()
	key, _ := crypto.GenerateKey()
	from := crypto.PubkeyToAddress(key.PublicKey)
	eth := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	sim := simulated.NewBackend(types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(1_000_000), eth)}})
	t.Cleanup(func() { sim.Close() })
	// The simulated client embeds *ethclient.Client in a field named Client,
	// which hides the method of that name: take the field.
	rc := reflect.ValueOf(sim.Client()).FieldByName("Client").Interface().(*ethclient.Client).Client()
	srv := httptest.NewServer(forwarder(rc, fault))
	t.Cleanup(srv.Close)
	c, err := ethclient.Dial(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	tc := &testChain{url: srv.URL, client: c, key: key, from: from, chain: big.NewInt(1337), commit: func() { sim.Commit() },
		fork: sim.Fork}
	return tc
}

type jsonReq struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type jsonErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type jsonResp struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *jsonErr        `json:"error,omitempty"`
}

// faultBody reads r's body for a test server; false when the request is
// answered already: the body did not read (400) or fault, if not nil, took
// the request.
func faultBody(w http.ResponseWriter, r *http.Request, fault func(w http.ResponseWriter, body []byte) bool) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return nil, false
	}
	if fault != nil && fault(w, body) {
		return nil, false
	}
	return body, true
}

// forwarder answers JSON-RPC over HTTP by calling rc (single and batch requests).
func forwarder(rc *rpc.Client, fault func(w http.ResponseWriter, body []byte) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := faultBody(w, r, fault)
		if !ok {
			return
		}
		one := func(q jsonReq) jsonResp {
			args := make([]any, len(q.Params))
			for i, p := range q.Params {
				args[i] = p
			}
			var res json.RawMessage
			err := rc.CallContext(r.Context(), &res, q.Method, args...)
			out := jsonResp{JSONRPC: "2.0", ID: q.ID}
			if err != nil {
				code := -32000
				var re rpc.Error
				if errors.As(err, &re) {
					code = re.ErrorCode()
				}
				out.Error = &jsonErr{code, err.Error()}
			} else {
				out.Result = res
			}
			return out
		}
		w.Header().Set("Content-Type", "application/json")
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
			var qs []jsonReq
			if err := json.Unmarshal(body, &qs); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			out := make([]jsonResp, len(qs))
			for i, q := range qs {
				out[i] = one(q)
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		var q jsonReq
		if err := json.Unmarshal(body, &q); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		json.NewEncoder(w).Encode(one(q))
	})
}

// newFaultProxy returns a fault function that, on a fixed schedule, answers
// 429, 503, a range-limit error for any eth_getLogs over more than maxRange
// blocks, an empty log answer with a null header (a node behind), or drops
// the connection. It counts what it injected.
func newFaultProxy(maxRange uint64) (func(w http.ResponseWriter, body []byte) bool, *faultCounts) {
	fc := &faultCounts{}
	var n, lagging atomic.Int64
	return func(w http.ResponseWriter, body []byte) bool {
		if bytes.Contains(body, []byte(`"eth_getLogs"`)) {
			// A single request, or a batch led by eth_getLogs (the log query
			// and the headers of its first and last blocks).
			var batch []jsonReq
			var q jsonReq
			isBatch := json.Unmarshal(body, &batch) == nil && len(batch) > 0
			if isBatch {
				q = batch[0]
			} else if json.Unmarshal(body, &q) != nil {
				return false
			}
			if len(q.Params) == 1 {
				var f struct{ FromBlock, ToBlock string }
				json.Unmarshal(q.Params[0], &f)
				var lo, hi uint64
				fmt.Sscanf(f.FromBlock, "0x%x", &lo)
				fmt.Sscanf(f.ToBlock, "0x%x", &hi)
				answer := func(results func(r jsonReq) jsonResp) {
					w.Header().Set("Content-Type", "application/json")
					if !isBatch {
						json.NewEncoder(w).Encode(results(q))
						return
					}
					out := make([]jsonResp, len(batch))
					for i, r := range batch {
						out[i] = results(r)
					}
					json.NewEncoder(w).Encode(out)
				}
				if hi-lo+1 > maxRange {
					fc.add(&fc.Range)
					msgs := []jsonErr{{-32005, "query returned more than 10000 results"}, {-32000, "block range is too wide"}, {-32602, "exceed maximum block range: 3"}}
					m := msgs[int(lo+hi)%len(msgs)]
					answer(func(r jsonReq) jsonResp { return jsonResp{JSONRPC: "2.0", ID: r.ID, Error: &m} })
					return true
				}
				if isBatch && lagging.Add(1)%4 == 2 {
					// A replica behind the head: no logs, and no header.
					fc.add(&fc.Lagging)
					answer(func(r jsonReq) jsonResp {
						if r.Method == "eth_getLogs" {
							return jsonResp{JSONRPC: "2.0", ID: r.ID, Result: json.RawMessage("[]")}
						}
						return jsonResp{JSONRPC: "2.0", ID: r.ID, Result: json.RawMessage("null")}
					})
					return true
				}
			}
		}
		switch k := n.Add(1); k % 5 {
		case 1:
			fc.add(&fc.TooMany)
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return true
		case 3:
			fc.add(&fc.Unavailable)
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
			return true
		case 4:
			if k%10 == 4 {
				fc.add(&fc.Dropped)
				if hj, ok := w.(http.Hijacker); ok {
					conn, _, err := hj.Hijack()
					if err == nil {
						conn.Close()
						return true
					}
				}
			}
		}
		return false
	}, fc
}

type faultCounts struct {
	mu                                            sync.Mutex
	TooMany, Unavailable, Range, Dropped, Lagging int
}

func (f *faultCounts) add(p *int) { f.mu.Lock(); *p++; f.mu.Unlock() }

// send signs and sends a transaction from the test key, then seals a block
// when the chain needs it, and waits for the receipt.
func (tc *testChain) send(t testing.TB, to *common.Address, value *big.Int, data []byte) (*types.Transaction, *types.Receipt) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	head, err := tc.client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	fee := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), big.NewInt(1e9))
	if value == nil {
		value = new(big.Int)
	}
	tx := types.MustSignNewTx(tc.key, types.LatestSignerForChainID(tc.chain), &types.DynamicFeeTx{
		ChainID: tc.chain, Nonce: tc.nonce, GasTipCap: big.NewInt(1e9), GasFeeCap: fee, Gas: 5_000_000,
		To: to, Value: value, Data: data,
	})
	// geth --dev's transaction pool can lag a block behind the receipt of
	// the funding transaction and refuse with "insufficient funds" for a
	// moment: retry that (only that) briefly.
	for {
		err := tc.client.SendTransaction(ctx, tx)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "insufficient funds") || ctx.Err() != nil {
			t.Fatalf("send: %v", err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("send: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	tc.nonce++
	tc.commit()
	for {
		r, err := tc.client.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			if r.Status != 1 {
				t.Fatalf("tx %s failed", tx.Hash())
			}
			return tx, r
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no receipt for %s: %v", tx.Hash(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (tc *testChain) deploy(t testing.TB, runtime []byte) common.Address {
	t.Helper()
	_, r := tc.send(t, nil, nil, initCode(runtime))
	return r.ContractAddress
}
