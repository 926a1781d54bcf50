package datasets

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/washscan/washscan/datasets/internal/hex0x"
)

// decodeHex0x decodes "0x" (or "0X") followed by exactly 2*len(dst) hex digits of any case.
func decodeHex0x(dst []byte, s string) bool { return hex0x.Decode0x(dst, s) }

// ParseAddress parses 0x followed by 40 hex digits (any case).
func ParseAddress(s string) (Address, error) {
	var a Address
	if !decodeHex0x(a[:], s) {
		return a, fmt.Errorf("%w: %q is not 0x + 40 hex digits", ErrBadHex, clip(s))
	}
	return a, nil
}

// ParseHash parses 0x followed by 64 hex digits (any case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if !decodeHex0x(h[:], s) {
		return h, fmt.Errorf("%w: %q is not 0x + 64 hex digits", ErrBadHex, clip(s))
	}
	return h, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// maxUint256 is 2^256 - 1 in decimal (78 digits).
const maxUint256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

// parseTokenID checks a decimal uint256 and returns it in canonical form
// (leading zeros stripped, "0" for zero). The result shares memory with s.
func parseTokenID(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: empty token id", ErrMissing)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("%w: token id %q is not a decimal integer", ErrBadNumber, clip(s))
		}
	}
	i := 0
	for i < len(s)-1 && s[i] == '0' {
		i++
	}
	s = s[i:]
	if len(s) > 78 {
		return "", fmt.Errorf("%w (%d digits)", ErrTokenIDLength, len(s))
	}
	if len(s) == 78 && s > maxUint256 {
		return "", fmt.Errorf("%w: token id exceeds 2^256-1", ErrBadNumber)
	}
	return s, nil
}

// ParseTokenID checks a decimal uint256 token id (at most 78 digits, at most
// 2^256-1) and returns its canonical form, without leading zeros.
func ParseTokenID(s string) (string, error) {
	t, err := parseTokenID(s)
	return strings.Clone(t), err
}

// parseDecimal parses a plain decimal number ≥ 0: optional sign, digits with an
// optional fraction, optional exponent. NaN, infinities, hex floats and
// underscores are rejected, and so is a value that overflows float64. "-0"
// reads as 0.
func parseDecimal(s string) (float64, error) {
	if v, ok := parsePlainDecimal(s); ok {
		return v, nil
	}
	return parseDecimalSlow(s)
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parsePlainDecimal is the fast path of parseDecimal for the common form: no
// sign, no exponent, digits with an optional fraction, at most 19 digits in
// all whose value m is below 2^53. Then m and 10^k (k fraction digits, at
// most 19) are exact float64s, so m / 10^k, one IEEE division, is the
// correctly rounded value of s: what strconv.ParseFloat (correctly rounded
// too) returns. ok is false for anything else, which parseDecimalSlow
// decides. O(len(s)).
func parsePlainDecimal(s string) (float64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var m uint64
	digits, frac, dot := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 19 || m >= 1<<53 {
		return 0, false
	}
	return float64(m) / pow10[frac], true
}

// parseDecimalSlow is parseDecimal for every form.
func parseDecimalSlow(s string) (float64, error) {
	if !isDecimal(s) {
		return 0, fmt.Errorf("%w: %q", ErrBadNumber, clip(s))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange && (math.IsInf(v, 0)) {
			return 0, fmt.Errorf("%w: %q is out of range", ErrBadNumber, clip(s))
		}
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return 0, fmt.Errorf("%w: %q", ErrBadNumber, clip(s))
		}
		// Underflow to zero or a denormal: accept the rounded value.
	}
	if v < 0 {
		return 0, fmt.Errorf("%w: %s", ErrNegative, clip(s))
	}
	if v > MaxValue {
		return 0, fmt.Errorf("%w: %s is above 1e36", ErrBadNumber, clip(s))
	}
	if v == 0 {
		v = 0 // drop the sign of -0
	}
	return v, nil
}

// MaxValue bounds amount, price and price_usd (README "Input"): a larger
// value is a bad row, so that no sum of a dataset's values (fewer than 2^64
// rows) can overflow float64 to +Inf.
const MaxValue = 1e36

// ParseDecimal parses a decimal number ≥ 0 as the loaders do (docs/contract.md §1.1:
// amount, price, price_usd): digits with an optional fraction and exponent,
// finite, not negative.
func ParseDecimal(s string) (float64, error) { return parseDecimal(s) }

// isDecimal reports whether s is [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ed := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			ed++
		}
		if ed == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseUint parses a decimal unsigned integer that fits in bits.
func parseUint(s string, bits int) (uint64, error) {
	// Fast path: 1 to 19 digits cannot overflow uint64 (what strconv accepts
	// for base 10: digits only, leading zeros allowed).
	if len(s) > 0 && len(s) <= 19 {
		var v uint64
		i := 0
		for ; i < len(s) && s[i]-'0' <= 9; i++ {
			v = v*10 + uint64(s[i]-'0')
		}
		if i == len(s) && (bits == 64 || v>>bits == 0) {
			return v, nil
		}
	}
	return parseUintSlow(s, bits)
}

// parseUintSlow is parseUint without its fast path: strconv, with
// washscan's errors.
func parseUintSlow(s string, bits int) (uint64, error) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		if strings.HasPrefix(s, "-") {
			return 0, fmt.Errorf("%w: %s", ErrNegative, clip(s))
		}
		return 0, fmt.Errorf("%w: %q", ErrBadNumber, clip(s))
	}
	v, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrBadNumber, clip(s))
	}
	return v, nil
}

// maxUnix bounds accepted times: 9999-12-31T23:59:59Z.
const maxUnix = 253402300799

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// num parses exactly n ASCII digits at s[i:].
func num(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseTimeFast reads the common forms without allocation:
// YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|z| UTC|±HH:MM|±HHMM| +00:00 UTC]?
func parseTimeFast(s string) (int64, bool) {
	y, ok1 := num(s, 0, 4)
	mo, ok2 := num(s, 5, 2)
	d, ok3 := num(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	if len(s) == 10 {
		return days * 86400, true
	}
	if len(s) < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	h, ok1 := num(s, 11, 2)
	mi, ok2 := num(s, 14, 2)
	se, ok3 := num(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || se > 59 {
		return 0, false
	}
	t := days*86400 + int64(h*3600+mi*60+se)
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false
		}
	}
	rest := s[i:]
	switch {
	case rest == "", rest == "Z", rest == "z", rest == " UTC", rest == " utc", rest == " Z":
		return t, true
	}
	if len(rest) >= 1 && rest[0] == ' ' {
		rest = rest[1:]
	}
	rest = strings.TrimSuffix(rest, " UTC")
	if len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' ||
		len(rest) == 5 && (rest[0] == '+' || rest[0] == '-') {
		oh, ok1 := num(rest, 1, 2)
		om, ok2 := num(rest, len(rest)-2, 2)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		off := int64(oh*3600 + om*60)
		if rest[0] == '+' {
			return t - off, true
		}
		return t + off, true
	}
	return 0, false
}

// ParseTime reads a block_time (docs/contract.md §1.1) as unix seconds UTC: RFC 3339
// (offsets allowed), unix seconds (an integer), Dune's export form
// "2022-06-30 12:34:56.000 UTC" (fraction optional), a date alone
// "2022-06-30" (00:00:00 UTC), and then layout (a Go time layout read in UTC)
// if layout is not empty. Fractional seconds are truncated. Times must lie in
// years 1970 through 9999.
func ParseTime(s, layout string) (int64, error) {
	t, err := parseTime(s, layout)
	if err != nil {
		return 0, err
	}
	return t, nil
}

func parseTime(s, layout string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrMissing)
	}
	if c := s[0]; c >= '0' && c <= '9' {
		if len(s) >= 10 && s[4] == '-' {
			if t, ok := parseTimeFast(s); ok {
				return checkTimeRange(t, s)
			}
		} else if allDigits(s) && len(s) <= 18 {
			v, _ := strconv.ParseInt(s, 10, 64)
			return checkTimeRange(unixSeconds(v), s)
		}
	}
	if len(s) >= 20 && len(s) <= 64 {
		if tt, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return checkTimeRange(tt.Unix(), s)
		}
	}
	if layout != "" && len(s) <= 256 {
		if tt, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return checkTimeRange(tt.Unix(), s)
		}
	}
	if l := suggestLayout(s); l != "" && l != layout {
		return 0, fmt.Errorf("%w: %q (try --time-format '%s')", ErrBadTime, clip(s), l)
	}
	return 0, fmt.Errorf("%w: %q", ErrBadTime, clip(s))
}

// unixMillis is the smallest integer block_time read as milliseconds: 12
// digits or more (as seconds it would be past the year 5138).
const unixMillis = 100_000_000_000

// unixSeconds reads an integer block_time: seconds, or milliseconds from 12
// digits on.
func unixSeconds(v int64) int64 {
	if v >= unixMillis {
		return v / 1000
	}
	return v
}

// hintLayouts are Go time layouts an unparseable time is tried against, to
// suggest --time-format in the error.
var hintLayouts = []string{
	"01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006", "1/2/2006 15:04:05", "1/2/2006 15:04", "1/2/2006",
	"02.01.2006 15:04:05", "02.01.2006 15:04", "02.01.2006",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02",
	"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05.000 MST",
	"Jan 2, 2006 15:04:05", "Jan 2, 2006", "2 Jan 2006 15:04:05", "2 Jan 2006",
	time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC, time.UnixDate,
	"20060102150405", "20060102",
}

// suggestLayout returns the first of hintLayouts that reads s, or "".
func suggestLayout(s string) string {
	if len(s) > 64 {
		return ""
	}
	for _, l := range hintLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil && t.Unix() >= 0 && t.Unix() <= maxUnix {
			return l
		}
	}
	return ""
}

func checkTimeRange(t int64, s string) (int64, error) {
	if t < 0 || t > maxUnix {
		return 0, fmt.Errorf("%w: %q is outside 1970-9999", ErrBadTime, clip(s))
	}
	return t, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// parseLabel reads is_wash: true/false/1/0 any case, or empty (LabelNone).
func parseLabel(s string) (Label, error) {
	switch {
	case s == "":
		return LabelNone, nil
	case s == "1" || strings.EqualFold(s, "true"):
		return LabelWash, nil
	case s == "0" || strings.EqualFold(s, "false"):
		return LabelOrganic, nil
	}
	return LabelNone, fmt.Errorf("%w: is_wash %q is not true, false, 1 or 0", ErrBadValue, clip(s))
}
