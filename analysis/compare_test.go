package analysis

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/report"
)

// TestCompareRuns is a driver for big runs, skipped unless
// $WASHSCAN_COMPARE is "A.json,A-flags,B.json,B-flags" (the outputs of an
// in-memory and an out-of-core analyze of the same input, BENCHMARKS.md
// "Slices and 50M"): the metrics must be byte-identical but the input
// block, and the flags files (any formats) must hold the same rows with
// the same verdicts, in any order. Rows are compared as a multiset through
// a sum and a xor of 64-bit hashes of every column, so that a file of
// millions of rows is read one at a time.
func TestCompareRuns(t *testing.T) {
	spec := os.Getenv("WASHSCAN_COMPARE")
	if spec == "" {
		t.Skip("set WASHSCAN_COMPARE=A.json,A-flags,B.json,B-flags")
	}
	f := strings.Split(spec, ",")
	if len(f) != 4 {
		t.Fatalf("WASHSCAN_COMPARE %q: want four files", spec)
	}
	if a, b := stripInput(t, f[0]), stripInput(t, f[2]); !bytes.Equal(a, b) {
		t.Errorf("metrics differ but the input block\n%s", firstDiff(a, b))
	}
	seed := maphash.MakeSeed()
	fa, fb := flagsPrint(t, f[1], seed), flagsPrint(t, f[3], seed)
	t.Logf("%s: %+v\n%s: %+v", f[1], fa, f[3], fb)
	if fa != fb {
		t.Errorf("flags rows differ")
	}
}

// rowsPrint is a multiset fingerprint of a flags file's rows.
type rowsPrint struct {
	Rows, Wash int
	Sum, Xor   uint64
}

// flagsPrint reads the flags file at path and returns its fingerprint.
func flagsPrint(t *testing.T, path string, seed maphash.Seed) rowsPrint {
	t.Helper()
	tr, err := datasets.Load([]string{path}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fl, err := report.ReadFlags(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(fl.Score) != tr.Len() {
		t.Fatalf("%s: %d verdicts for %d trades", path, len(fl.Score), tr.Len())
	}
	p := rowsPrint{Rows: tr.Len()}
	var h maphash.Hash
	h.SetSeed(seed)
	var b [8]byte
	num := func(x uint64) {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	str := func(s string) {
		num(uint64(len(s)))
		h.WriteString(s)
	}
	addr := func(id datasets.AddrID) {
		if id == datasets.NoAddr {
			str("-")
			return
		}
		a := tr.Addrs.Addr(id)
		h.Write(a[:])
	}
	for r := range tr.Len() {
		h.Reset()
		str(tr.Chains.Value(tr.Chain[r]))
		num(uint64(tr.Time[r]))
		num(tr.Block[r])
		h.Write(tr.TxHash[r][:])
		num(uint64(tr.LogIndex[r]))
		a := tr.Asset[r]
		addr(tr.Assets.Contract[a])
		str(tr.Assets.TokenID[a])
		addr(tr.Seller[r])
		addr(tr.Buyer[r])
		num(math.Float64bits(tr.Amount[r]))
		num(math.Float64bits(tr.Price[r]))
		num(math.Float64bits(tr.PriceUSD[r]))
		str(tr.Currencies.Value(tr.Currency[r]))
		str(tr.Platforms.Value(tr.Platform[r]))
		if fl.IsWash[r] {
			p.Wash++
			num(1)
		} else {
			num(0)
		}
		num(math.Float64bits(fl.Score[r]))
		num(uint64(fl.Level[r]))
		str(fl.Reasons[r])
		str(fl.Evidence[r])
		if fl.EvidenceJSON != nil {
			str(fl.EvidenceJSON[r])
		}
		x := h.Sum64()
		p.Sum += x
		p.Xor ^= x
	}
	return p
}
