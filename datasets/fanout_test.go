package datasets

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// TestFundersManyBlocks checks a funders file of several parse blocks
// against the first-funder rule written out here: the earliest time wins,
// the first row on ties or missing times; a funder interned by an earlier
// row is a known wallet to the rows after it; a bad row after many good
// ones is reported with its line. The table's dictionary is indexed, or
// sorted (as after a load) and indexed again by the first funder interned.
func TestFundersManyBlocks(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		t.Run(fmt.Sprint("sorted=", sorted), func(t *testing.T) { testFundersManyBlocks(t, sorted) })
	}
}

func testFundersManyBlocks(t *testing.T, sorted bool) {
	rng := rand.New(rand.NewPCG(8, 9))
	a := func(i int) Address { var x Address; x[0], x[18], x[19] = 0x77, byte(i>>8), byte(i); return x }
	tr := NewTrades()
	const wallets = 600
	for i := range wallets {
		tr.Addrs.Intern(a(i))
	}
	type first struct {
		funder Address
		time   int64
	}
	want := map[Address]first{}
	known := map[Address]bool{} // the dictionary as the rows go: trade wallets, then interned funders
	for i := range wallets {
		known[a(i)] = true
	}
	var sb strings.Builder
	sb.WriteString("wallet,funder,block_time\n")
	for r := range 5000 {
		w := a(rng.IntN(wallets + 300)) // some wallets do not trade
		if r%97 == 0 {
			w = a(wallets + 1000 + r%7) // a funder of an earlier row
		}
		fu := a(wallets + 1000 + rng.IntN(40))
		var ts int64
		if rng.IntN(5) > 0 {
			ts = int64(1 + rng.IntN(50))
		}
		tsText := ""
		if ts != 0 {
			tsText = strconv.FormatInt(ts, 10)
		}
		fmt.Fprintf(&sb, "%s,%s,%s\n", w, fu, tsText)
		if !known[w] {
			continue // counts toward fan-out only
		}
		if old, ok := want[w]; ok && (ts == 0 || old.time != 0 && old.time <= ts) {
			continue
		}
		want[w] = first{fu, ts}
		known[fu] = true
	}
	p := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if sorted {
		tr.Seller = []AddrID{tr.Addrs.Intern(a(wallets - 1))} // out of order: SortAddrs renumbers
		tr.SortAddrs()
	}
	fu, err := LoadFunders(p, tr)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for w, f := range want {
		id, ok := tr.Addrs.Lookup(w)
		if !ok {
			t.Fatalf("wallet %s not known", w)
		}
		if got := tr.Addrs.Addr(fu.Of(id)); got != f.funder || fu.Time(id) != f.time {
			t.Fatalf("wallet %s: funder %s at %d, want %s at %d", w, got, fu.Time(id), f.funder, f.time)
		}
		checked++
	}
	if checked < wallets/2 || fu.Of(tr.Addrs.Intern(a(wallets+1000))) == NoAddr {
		t.Fatalf("only %d wallets checked", checked)
	}
	bad := sb.String() + "0x12,0x34,1\n"
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var re *RowError
	if _, err := LoadFunders(p, NewTrades()); !errors.As(err, &re) || re.Line != 5002 || re.Column != "wallet" {
		t.Fatalf("err %v, want a bad wallet on line 5002", err)
	}
}
