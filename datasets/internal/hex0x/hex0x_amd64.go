package hex0x

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

var useAVX2 = cpu.X86.HasAVX2

// decode40 decodes the 40 hex digits of s into dst[0:20].
func decode40(dst *byte, s string) bool { return decode40AVX2(dst, unsafe.StringData(s)) }

// decode64 decodes the 64 hex digits of s into dst[0:32].
func decode64(dst *byte, s string) bool { return decode64AVX2(dst, unsafe.StringData(s)) }

//go:noescape
func decode40AVX2(dst, src *byte) bool

//go:noescape
func decode64AVX2(dst, src *byte) bool
