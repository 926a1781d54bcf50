package datasets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cancelled load stops reading the side files: the funders file and the
// address lists fail with the context's cause.
func TestSideFilesStopOnCancel(t *testing.T) {
	dir := t.TempDir()
	a := "0x" + strings.Repeat("ab", 20)
	funders := filepath.Join(dir, "funders.csv")
	list := filepath.Join(dir, "allow.txt")
	os.WriteFile(funders, []byte("wallet,funder\n"+a+","+a+"\n"), 0o644)
	os.WriteFile(list, []byte(a+"\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opt := &LoadOptions{Context: ctx, Allow: list, DenyFunders: list, Funders: funders}
	if _, err := readSideLists(opt); !errors.Is(err, context.Canceled) {
		t.Errorf("address lists: %v, want context.Canceled", err)
	}
	if _, err := loadFunders(sideOpener(opt, osOpener{}), funders, NewTrades()); !errors.Is(err, context.Canceled) {
		t.Errorf("funders: %v, want context.Canceled", err)
	}
	// Without a context, or before it is done, they load.
	live := &LoadOptions{Context: context.Background(), Allow: list, DenyFunders: list, Funders: funders}
	s, err := readSideLists(live)
	if err != nil || len(s.allow) != 1 || len(s.deny) != 1 {
		t.Fatalf("lists: %v, %v", s, err)
	}
	tr := NewTrades()
	tr.Addrs.Intern(mustAddr(t, a))
	f, err := loadFunders(sideOpener(live, osOpener{}), funders, tr)
	if err != nil || f == nil {
		t.Fatalf("funders: %v", err)
	}
}

func mustAddr(t *testing.T, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
