package datasets

import (
	"errors"
	"path/filepath"
	"testing"
)

// The side tables are load options, applied in the order the contract
// needs: a funder that no trade names is interned by the funders file, so
// the allow list can make it unknown; the deny list names funders.
func TestLoadSideTables(t *testing.T) {
	const sC = "0xcccccccccccccccccccccccccccccccccccccccc" // funds A and B, trades nothing
	dir := t.TempDir()
	trades := writeFile(t, dir, "t.csv", hdr+"2022-06-30,"+tx1+","+con+",1,"+sA+","+sB+",1\n")
	opt := LoadOptions{
		Funders:     writeFile(t, dir, "f.csv", "wallet,funder\n"+sA+","+sC+"\n"+sB+","+sC+"\n"),
		Allow:       writeFile(t, dir, "allow.txt", sC+"\n"),
		DenyFunders: writeFile(t, dir, "deny.txt", sC+" # an exchange\n"+sA+"\n"),
	}
	tr, err := Load([]string{trades}, opt)
	if err != nil {
		t.Fatal(err)
	}
	id := func(s string) AddrID {
		a, _ := ParseAddress(s)
		id, ok := tr.Addrs.Lookup(a)
		if !ok {
			t.Fatalf("%s not interned", s)
		}
		return id
	}
	a, c := id(sA), id(sC)
	if tr.Funders.Of(a) != c {
		t.Errorf("funder of A = %d, want C (%d)", tr.Funders.Of(a), c)
	}
	if !tr.Addrs.Unknown(c) {
		t.Error("allow-listed funder C is not unknown: the allow list ran before the funders")
	}
	if tr.Addrs.Unknown(a) {
		t.Error("A is unknown")
	}
	if !tr.DenyFunders[c] || !tr.DenyFunders[a] || len(tr.DenyFunders) != 2 {
		t.Errorf("DenyFunders = %v, want C and A", tr.DenyFunders)
	}

	// Without side options the table has no funders and an empty deny set.
	tr, err = Load([]string{trades}, LoadOptions{})
	if err != nil || tr.Funders != nil || tr.DenyFunders == nil || len(tr.DenyFunders) != 0 {
		t.Errorf("plain load: funders %v, deny %v, err %v", tr.Funders, tr.DenyFunders, err)
	}
}

// A side file that cannot be read is a *FileError naming it, found before
// the trades are read; one with a bad line a *RowError naming it.
func TestLoadSideTableErrors(t *testing.T) {
	dir := t.TempDir()
	trades := writeFile(t, dir, "t.csv", hdr+"2022-06-30,"+tx1+","+con+",1,"+sA+","+sB+",1\n")
	missing := filepath.Join(dir, "none.txt")
	bad := writeFile(t, dir, "bad.txt", "not an address\n")
	for _, opt := range []LoadOptions{{Funders: missing}, {Allow: missing}, {DenyFunders: missing}} {
		// The trades file is missing too: the side file's error comes first.
		_, err := Load([]string{filepath.Join(dir, "no-trades.csv")}, opt)
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != missing {
			t.Errorf("%+v: err %v, want a FileError naming %s", opt, err, missing)
		}
	}
	for _, opt := range []LoadOptions{{Allow: bad}, {DenyFunders: bad}, {Funders: bad}} {
		_, err := Load([]string{trades}, opt)
		var re *RowError
		if !errors.As(err, &re) || re.File != bad {
			t.Errorf("%+v: err %v, want a RowError naming %s", opt, err, bad)
		}
	}
}
