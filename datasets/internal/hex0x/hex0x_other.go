//go:build !amd64

package hex0x

const useAVX2 = false

func decode40(dst *byte, s string) bool { panic("unreachable") }
func decode64(dst *byte, s string) bool { panic("unreachable") }
