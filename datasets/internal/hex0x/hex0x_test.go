package hex0x

import (
	"bytes"
	"encoding/hex"
	"math/rand"
	"testing"
)

// check decodes s both ways (Decode0x and the table) into n bytes and
// fails t when they disagree.
func check(t testing.TB, n int, s string) {
	t.Helper()
	got, want := make([]byte, n), make([]byte, n)
	ok := Decode0x(got, s)
	wantOK := len(s) == 2+2*n && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && decodeTable(want, s[2:])
	if ok != wantOK || ok && !bytes.Equal(got, want) {
		t.Fatalf("Decode0x(%d bytes, %q) = %v %x, want %v %x", n, s, ok, got, wantOK, want)
	}
}

const digits = "0123456789abcdefABCDEF"

func randomHex(r *rand.Rand, n int) []byte {
	b := []byte("0x")
	for range n {
		b = append(b, digits[r.Intn(len(digits))])
	}
	return b
}

// TestMatchesTable checks every width-specific path against the table: random
// strings of every byte value at every position.
func TestMatchesTable(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{20, 32, 1, 8, 16} {
		for range 200 {
			check(t, n, string(randomHex(r, 2*n)))
		}
		s := randomHex(r, 2*n)
		for pos := range s {
			for c := range 256 {
				b := bytes.Clone(s)
				b[pos] = byte(c)
				check(t, n, string(b))
			}
		}
	}
}

func TestDecode0x(t *testing.T) {
	var a [20]byte
	for _, tc := range []struct {
		s    string
		ok   bool
		want string
	}{
		{"0x00000000000000000000000000000000000000ff", true, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff"},
		{"0XFFfF000000000000000000000000000000000001", true, "\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"},
		{"0x0123456789abcdefABCDEF0123456789abcdef01", true, "\x01\x23\x45\x67\x89\xab\xcd\xef\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef\x01"},
		{"0x00000000000000000000000000000000000000g0", false, ""},
		{"0x0000000000000000000000000000000000000 00", false, ""},
		{"1x0000000000000000000000000000000000000000", false, ""},
		{"0x000000000000000000000000000000000000000", false, ""},
		{"0x00000000000000000000000000000000000000000", false, ""},
		{"", false, ""},
	} {
		ok := Decode0x(a[:], tc.s)
		if ok != tc.ok || ok && string(a[:]) != tc.want {
			t.Errorf("Decode0x(%q) = %v %x, want %v %x", tc.s, ok, a, tc.ok, tc.want)
		}
	}
}

// checkAppend encodes p with Append after prefix and fails t unless it gives
// prefix, "0x" and encoding/hex's digits, and round-trips through Decode0x.
func checkAppend(t testing.TB, prefix, p []byte) {
	t.Helper()
	got := Append(bytes.Clone(prefix), p)
	want := append(append(bytes.Clone(prefix), "0x"...), hex.EncodeToString(p)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("Append(%q, %x) = %q, want %q", prefix, p, got, want)
	}
	back := make([]byte, len(p))
	if !Decode0x(back, string(got[len(prefix):])) || !bytes.Equal(back, p) {
		t.Fatalf("Decode0x(Append(%x)) = %x", p, back)
	}
}

// TestAppendMatchesTable checks Append against encoding/hex: random bytes,
// and every byte value at every position.
func TestAppendMatchesTable(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, n := range []int{20, 32, 0, 1, 4, 16, 33} {
		p := make([]byte, n)
		for range 200 {
			r.Read(p)
			checkAppend(t, nil, p)
			checkAppend(t, []byte("row,"), p) // appends after existing bytes
		}
		for pos := range p {
			for c := range 256 {
				p[pos] = byte(c)
				checkAppend(t, nil, p)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("0x0123456789abcdefABCDEF0123456789abcdef01")
	f.Add("0x0123456789abcdefABCDEF0123456789abcdef010123456789abcdefABCDEF01")
	f.Add("0x0g")
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range []int{20, 32, (len(s) - 2) / 2} {
			if n >= 0 {
				check(t, n, s)
			}
		}
		checkAppend(t, nil, []byte(s))
		if len(s) >= 32 {
			checkAppend(t, nil, []byte(s[:20]))
			checkAppend(t, []byte(s[20:]), []byte(s[:32]))
		}
	})
}

var sink bool

func BenchmarkHex0x(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	addrs, hashes := make([]string, 1024), make([]string, 1024)
	for i := range addrs {
		addrs[i], hashes[i] = string(randomHex(r, 40)), string(randomHex(r, 64))
	}
	var a [20]byte
	var h [32]byte
	b.Run("decode/address", func(b *testing.B) {
		for i := range b.N {
			sink = Decode0x(a[:], addrs[i&1023])
		}
	})
	b.Run("decode/hash", func(b *testing.B) {
		for i := range b.N {
			sink = Decode0x(h[:], hashes[i&1023])
		}
	})
	var out []byte
	b.Run("append/address", func(b *testing.B) {
		for range b.N {
			out = Append(out[:0], a[:])
		}
	})
	b.Run("append/hash", func(b *testing.B) {
		for range b.N {
			out = Append(out[:0], h[:])
		}
	})
	b.Run("table/decode/address", func(b *testing.B) {
		for i := range b.N {
			sink = decodeTable(a[:], addrs[i&1023][2:])
		}
	})
	b.Run("table/decode/hash", func(b *testing.B) {
		for i := range b.N {
			sink = decodeTable(h[:], hashes[i&1023][2:])
		}
	})
}
