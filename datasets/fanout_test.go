package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// The fan-out of a funder counts every wallet of the funders file it
// first-funded, those that do not trade included (a global side input), and
// Subset keeps it.
func TestFunderFanOutCountsWholeFile(t *testing.T) {
	a := func(c byte) Address { var x Address; x[19] = c; return x }
	tr := NewTrades()
	wa, wb := tr.Addrs.Intern(a(1)), tr.Addrs.Intern(a(2))
	tr.Time, tr.Seller, tr.Buyer = []int64{10}, []AddrID{wa}, []AddrID{wb}
	dir := t.TempDir()
	p := filepath.Join(dir, "f.csv")
	// F (0x..0f) funds A, B and X (no trades); X's later funding by G does
	// not count (first funder wins); G funds Y (no trades), G never trades.
	data := "wallet,funder,block_time\n" +
		a(1).String() + "," + a(15).String() + ",1\n" +
		a(2).String() + "," + a(15).String() + ",2\n" +
		a(3).String() + "," + a(15).String() + ",3\n" +
		a(3).String() + "," + a(16).String() + ",4\n" +
		a(4).String() + "," + a(16).String() + ",5\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	fu, err := LoadFunders(p, tr)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := tr.Addrs.Lookup(a(15))
	if n, ok := fu.FanOut(f); !ok || n != 3 {
		t.Fatalf("fan-out of F %d (%v), want 3", n, ok)
	}
	if _, ok := tr.Addrs.Lookup(a(16)); ok {
		t.Fatal("G, funder of non-trading wallets only, was interned")
	}
	if n, ok := NewFunders().FanOut(f); ok || n != 0 {
		t.Fatal("a table built by Set knows no fan-out")
	}
}
