//go:build linux

package datasets

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// bombLimit is the child's address-space limit: the hidden corpus's
// 3 GB peak, with room for the Go runtime's reservations.
const bombLimit = 3 << 30

func TestBombsUnderAddressLimit(t *testing.T) {
	if name := os.Getenv("WASHSCAN_BOMB"); name != "" {
		runBomb(t, name)
		return
	}
	if testing.Short() {
		t.Skip("child processes; run without -short")
	}
	for name := range bombs {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBombsUnderAddressLimit$", "-test.v")
			cmd.Env = append(os.Environ(), "WASHSCAN_BOMB="+name)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "BOMB OK") {
				t.Fatalf("child: %v\n%s", err, clipOut(out))
			}
		})
	}
}

func runBomb(t *testing.T, name string) {
	data := bombs[name]()
	lim := syscall.Rlimit{Cur: bombLimit, Max: bombLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	for _, off := range []bool{false, true} {
		parquetFastOff = off
		_, err := loadCrafted(t, data, LoadOptions{})
		var fe *FileError
		if !errors.As(err, &fe) || strings.Contains(err.Error(), "makeslice") {
			t.Fatalf("%s (pqarrow %v): err %v, want a clean FileError", name, off, err)
		}
		t.Logf("%s (pqarrow %v): %v", name, off, err)
	}
	t.Log("BOMB OK")
}

func clipOut(b []byte) string {
	if len(b) > 4000 {
		return string(b[:2000]) + "\n…\n" + string(b[len(b)-2000:])
	}
	return string(b)
}
