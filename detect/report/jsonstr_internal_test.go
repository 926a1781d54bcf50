package report

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// jsonPlain8 accepts a word exactly when each of its bytes is one that
// appendJSONString's byte loop copies as it is: every byte value at every
// position, among plain bytes and beside another byte it rejects.
func TestJSONPlain8(t *testing.T) {
	plain := func(c byte) bool {
		return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	for c := range 256 {
		for p := range 8 {
			for _, fill := range []byte{'a', ' ', '~', 0x00, 0xff, '"'} {
				w := [8]byte{fill, fill, fill, fill, fill, fill, fill, fill}
				w[p] = byte(c)
				var x uint64
				for k := range w {
					x |= uint64(w[k]) << (8 * k)
				}
				want := true
				for _, b := range w {
					want = want && plain(b)
				}
				if got := jsonPlain8(x); got != want {
					t.Fatalf("byte %#x at %d among %#x: %v, want %v", c, p, fill, got, want)
				}
			}
		}
	}
}

// appendJSONString writes what encoding/json writes for strings mixing
// runs of plain ASCII (taken 8 bytes at a time) with every kind of byte it
// escapes or checks, at every offset.
func TestAppendJSONStringRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	parts := []string{"0x3a34a84ab69fde86acc27440f20ed2b9edf9e7e3", "a", "abcdefgh", " → ", "×", "\"", "\\", "<", ">", "&",
		"\n", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\xff", "\xc3", "é", "…"}
	for range 20000 {
		var sb strings.Builder
		for range r.IntN(12) {
			sb.WriteString(parts[r.IntN(len(parts))])
		}
		s := sb.String()
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("%q: %s, want %s", s, got[1:], want)
		}
	}
}
