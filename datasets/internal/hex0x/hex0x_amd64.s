#include "textflag.h"

// Each 32-byte constant repeats one byte (mul: 16, 1 pairs).
DATA c30<>+0(SB)/8, $0x3030303030303030
DATA c30<>+8(SB)/8, $0x3030303030303030
DATA c30<>+16(SB)/8, $0x3030303030303030
DATA c30<>+24(SB)/8, $0x3030303030303030
GLOBL c30<>(SB), RODATA|NOPTR, $32

DATA c09<>+0(SB)/8, $0x0909090909090909
DATA c09<>+8(SB)/8, $0x0909090909090909
DATA c09<>+16(SB)/8, $0x0909090909090909
DATA c09<>+24(SB)/8, $0x0909090909090909
GLOBL c09<>(SB), RODATA|NOPTR, $32

DATA c20<>+0(SB)/8, $0x2020202020202020
DATA c20<>+8(SB)/8, $0x2020202020202020
DATA c20<>+16(SB)/8, $0x2020202020202020
DATA c20<>+24(SB)/8, $0x2020202020202020
GLOBL c20<>(SB), RODATA|NOPTR, $32

DATA c61<>+0(SB)/8, $0x6161616161616161
DATA c61<>+8(SB)/8, $0x6161616161616161
DATA c61<>+16(SB)/8, $0x6161616161616161
DATA c61<>+24(SB)/8, $0x6161616161616161
GLOBL c61<>(SB), RODATA|NOPTR, $32

DATA c05<>+0(SB)/8, $0x0505050505050505
DATA c05<>+8(SB)/8, $0x0505050505050505
DATA c05<>+16(SB)/8, $0x0505050505050505
DATA c05<>+24(SB)/8, $0x0505050505050505
GLOBL c05<>(SB), RODATA|NOPTR, $32

DATA c0a<>+0(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA c0a<>+8(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA c0a<>+16(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA c0a<>+24(SB)/8, $0x0a0a0a0a0a0a0a0a
GLOBL c0a<>(SB), RODATA|NOPTR, $32

DATA mul<>+0(SB)/8, $0x0110011001100110
DATA mul<>+8(SB)/8, $0x0110011001100110
DATA mul<>+16(SB)/8, $0x0110011001100110
DATA mul<>+24(SB)/8, $0x0110011001100110
GLOBL mul<>(SB), RODATA|NOPTR, $32

// NIBBLES turns the digits in register in into their values (hi, lo
// pairs folded into 16-bit words hi*16+lo) in out, and sets ok to the
// mask of the bytes that are hex digits. t1..t3 are scratch.
//   digit:  d = in - '0', a digit when d <= 9 (unsigned)
//   letter: l = (in | 0x20) - 'a', a letter when l <= 5, value l + 10
#define NIBBLES(in, out, ok, t1, t2, t3) \
	VPSUBB     c30<>(SB), in, t1  \
	VPMINUB    c09<>(SB), t1, t2  \
	VPCMPEQB   t1, t2, t2         \
	VPOR       c20<>(SB), in, t3  \
	VPSUBB     c61<>(SB), t3, t3  \
	VPMINUB    c05<>(SB), t3, ok  \
	VPCMPEQB   t3, ok, ok         \
	VPADDB     c0a<>(SB), t3, t3  \
	VPBLENDVB  t2, t1, t3, out    \
	VPOR       t2, ok, ok         \
	VPMADDUBSW mul<>(SB), out, out

// func decode64AVX2(dst, src *byte) bool
TEXT ·decode64AVX2(SB), NOSPLIT, $0-17
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	NIBBLES(Y0, Y2, Y3, Y8, Y9, Y10)
	NIBBLES(Y1, Y4, Y5, Y11, Y12, Y13)
	VPACKUSWB Y4, Y2, Y2
	VPERMQ    $0xd8, Y2, Y2
	VMOVDQU   Y2, (DI)
	VPAND     Y5, Y3, Y3
	VPMOVMSKB Y3, AX
	VZEROUPPER
	CMPL      AX, $0xffffffff
	SETEQ     ret+16(FP)
	RET

// func decode40AVX2(dst, src *byte) bool
// Digits 0..31 give bytes 0..15; digits 24..39 give bytes 12..19, of
// which 12..15 a second time.
TEXT ·decode40AVX2(SB), NOSPLIT, $0-17
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	VMOVDQU (SI), Y0
	VMOVDQU 24(SI), X1
	NIBBLES(Y0, Y2, Y3, Y8, Y9, Y10)
	NIBBLES(X1, X4, X5, X11, X12, X13)
	VPACKUSWB Y2, Y2, Y2
	VPERMQ    $0x08, Y2, Y2
	VMOVDQU   X2, (DI)
	VPACKUSWB X4, X4, X4
	VMOVQ     X4, 12(DI)
	VPMOVMSKB Y3, AX
	VPMOVMSKB X5, BX
	VZEROUPPER
	CMPL      AX, $0xffffffff
	JNE       bad
	CMPL      BX, $0xffff
	SETEQ     ret+16(FP)
	RET
bad:
	MOVB      $0, ret+16(FP)
	RET

