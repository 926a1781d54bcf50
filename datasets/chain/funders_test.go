package chain

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/washscan/washscan/datasets"
)

// forwarderCode passes its value on to the address in its calldata: an
// internal transfer, which only traces show.
func forwarderCode() []byte {
	a := newAsm()
	a.push1(0).push1(0).push1(0).push1(0).op(0x34 /* CALLVALUE */).push1(0).op(opCALLDATALOAD, opGAS, opCALL, opPOP, opSTOP)
	return a.bytes()
}

func testFunders(t *testing.T, tc *testChain) {
	fwd := tc.deploy(t, forwarderCode())
	direct, internal, never := randAddr(), randAddr(), randAddr()
	tc.commit()
	tx, r := tc.send(t, &direct, ethv("1"), nil)
	tc.commit()
	tc.send(t, &direct, ethv("2"), nil) // a later transfer does not count
	_, r2 := tc.send(t, &fwd, ethv("0.5"), common.LeftPadBytes(internal[:], 32))
	tc.commit()
	h, _ := tc.client.HeaderByNumber(context.Background(), r.BlockNumber)

	res, err := FirstFunders(context.Background(), FundersConfig{RPC: tc.url,
		Wallets:    []datasets.Address{datasets.Address(direct), datasets.Address(internal), datasets.Address(never)},
		RPCOptions: RPCOptions{Timeout: 10 * time.Second, Backoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results", len(res))
	}
	if f := res[0]; f.Funder != datasets.Address(tc.from) || f.Block != r.BlockNumber.Uint64() || f.Time != int64(h.Time) || f.Tx != tx.Hash() || f.How != "tx" {
		t.Errorf("direct: %+v, want funder %s in block %d", f, tc.from, r.BlockNumber)
	}
	if f := res[1]; f.Block != r2.BlockNumber.Uint64() {
		t.Errorf("internal: block %d, want %d", f.Block, r2.BlockNumber)
	} else if f.Funder.IsZero() {
		if !strings.Contains(f.Reason, "internal transfer") {
			t.Errorf("internal without traces: reason %q", f.Reason)
		}
	} else if f.Funder != datasets.Address(fwd) || f.How != "trace" {
		t.Errorf("internal: %+v, want funder %s by trace", f, fwd)
	}
	t.Logf("internal transfer: funder %s how %q reason %q", res[1].Funder, res[1].How, res[1].Reason)
	if f := res[2]; !f.Funder.IsZero() || f.Reason != "never funded" {
		t.Errorf("never funded: %+v", f)
	}

	out := filepath.Join(t.TempDir(), "funders.csv")
	if err := WriteFunders(out, res); err != nil {
		t.Fatal(err)
	}
}

func TestFundersSimulated(t *testing.T) { testFunders(t, newSimChain(t, nil)) }
func TestFundersGeth(t *testing.T)      { testFunders(t, newGethChain(t)) }

func TestReadWallets(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		bad  bool
	}{
		{"wallet\n0x00000000000000000000000000000000000000aa\n", 1, false},
		{"# list\n0x00000000000000000000000000000000000000AA, x\n\n0x00000000000000000000000000000000000000aa\n0x00000000000000000000000000000000000000bb # c\n", 2, false},
		{"0x00000000000000000000000000000000000000aa\n0xzz\n", 0, true},
		{"", 0, false},
	} {
		got, err := readWallets(strings.NewReader(tt.in), "w.txt")
		if (err != nil) != tt.bad || len(got) != tt.want {
			t.Errorf("readWallets(%q) = %v, %v; want %d, bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
