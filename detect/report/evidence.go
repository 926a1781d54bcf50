package report

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/washscan/washscan/detect"
)

// Evidence is what the flags' evidence_json holds for one detector on one
// row. Detectors report a strength and a human-readable text; the other
// fields are read from the text, whatever the detector, by ParseEvidence.
type Evidence struct {
	Strength float64 `json:"strength"`
	// Text is the detector's evidence as written in the evidence column.
	Text string `json:"text"`
	// Wallets are the addresses the text names, ascending, each once; the
	// funder and the collection are not among them.
	Wallets []string `json:"wallets,omitempty"`
	// Path is the first chain of addresses joined by arrows ("A→B→C→A"),
	// in order.
	Path []string `json:"path,omitempty"`
	// Funder is the address named as a funder ("funded by X", "X funded").
	Funder string `json:"funder,omitempty"`
	// Collection is the contract named as "collection X".
	Collection string `json:"collection,omitempty"`
	// Txs are the transaction hashes the text names, in order.
	Txs []string `json:"txs,omitempty"`
	// Times are the RFC 3339 times the text names, in order.
	Times []string `json:"times,omitempty"`
	// Figures are the other numbers of the text, in order, each named by
	// the lower-case word after it ("3 legs" → legs), else (or when that
	// word ends in -ed) the word before it ("volume 2.5" → volume), else
	// "value" (a number after "N," the name of N); a percentage's name ends
	// in _pct, a multiple's ("5.2×") in _x, and a duration ("7d", "41m")
	// is in seconds under a name ending in _s. A name used twice gets _2,
	// _3 ….
	Figures []Figure `json:"-"`
}

// Figure is a named number of an evidence text.
type Figure struct {
	Name  string
	Value float64
}

// MarshalJSON writes the fields in their declared order (empty ones left
// out) and the figures as an object in text order; strings and numbers as
// encoding/json writes them.
func (e *Evidence) MarshalJSON() ([]byte, error) { return e.appendJSON(nil), nil }

func (e *Evidence) appendJSON(b []byte) []byte {
	b = append(b, `{"strength":`...)
	b = appendJSONFloat(b, e.Strength)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, e.Text)
	list := func(name string, xs []string) {
		if len(xs) == 0 {
			return
		}
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':', '[')
		for k, x := range xs {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, x)
		}
		b = append(b, ']')
	}
	one := func(name, x string) {
		if x != "" {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = appendJSONString(b, x)
		}
	}
	list("wallets", e.Wallets)
	list("path", e.Path)
	one("funder", e.Funder)
	one("collection", e.Collection)
	list("txs", e.Txs)
	list("times", e.Times)
	if len(e.Figures) > 0 {
		b = append(b, `,"figures":{`...)
		for k, f := range e.Figures {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Name)
			b = append(b, ':')
			b = appendJSONFloat(b, f.Value)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSONFloat appends v as encoding/json writes a float64 (finite).
func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(v)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		n := len(b)
		b = strconv.AppendFloat(b, v, 'e', -1, 64)
		// e-09 → e-9, as encoding/json does.
		if m := len(b) - n; m >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
		return b
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters and U+2028/U+2029 as \u escapes, invalid
// UTF-8 as U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func isHex(c byte) bool   { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' || c == '_' }

// hexAt returns the length of the 0x-prefixed hex token at s[i:] (0 if none).
func hexAt(s string, i int) int {
	if i+2 > len(s) || s[i] != '0' || (s[i+1] != 'x' && s[i+1] != 'X') || (i > 0 && isHex(s[i-1])) {
		return 0
	}
	j := i + 2
	for j < len(s) && isHex(s[j]) {
		j++
	}
	return j - i
}

// timeAt returns the length of an RFC 3339 UTC time (2006-01-02T15:04:05Z) at s[i:].
func timeAt(s string, i int) int {
	const layout = "dddd-dd-ddTdd:dd:ddZ"
	if i+len(layout) > len(s) || (i > 0 && isDigit(s[i-1])) {
		return 0
	}
	for k := 0; k < len(layout); k++ {
		c := s[i+k]
		if layout[k] == 'd' {
			if !isDigit(c) {
				return 0
			}
		} else if c != layout[k] {
			return 0
		}
	}
	return len(layout)
}

// wordBefore returns the lower-case word that ends right before s[i-1] = ' '.
func wordBefore(s string, i int) string {
	if i < 2 || s[i-1] != ' ' {
		return ""
	}
	j := i - 1
	for j > 0 && isLower(s[j-1]) {
		j--
	}
	if j == i-1 || (j > 0 && s[j-1] != ' ' && s[j-1] != '(') {
		return ""
	}
	return s[j : i-1]
}

// wordAfter returns the lower-case word that starts at s[i+1], s[i] being
// a space or a hyphen.
func wordAfter(s string, i int) string {
	if i >= len(s) || (s[i] != ' ' && s[i] != '-') {
		return ""
	}
	j := i + 1
	for j < len(s) && isLower(s[j]) {
		j++
	}
	if j == i+1 || (j < len(s) && s[j] != ' ' && s[j] != ',' && s[j] != ')' && s[j] != ';') {
		return ""
	}
	return s[i+1 : j]
}

// arrowAt returns the length of an arrow ("→" or "->"), with the spaces and
// the ellipsis ("… →") around it, at s[i:]; 0 if none.
func arrowAt(s string, i int) int {
	j := i
	skip := func() {
		for j < len(s) && s[j] == ' ' {
			j++
		}
	}
	one := func() bool {
		switch {
		case strings.HasPrefix(s[j:], "→"):
			j += len("→")
		case strings.HasPrefix(s[j:], "->"):
			j += 2
		default:
			return false
		}
		return true
	}
	skip()
	if !one() {
		return 0
	}
	skip()
	if strings.HasPrefix(s[j:], "…") {
		j += len("…")
		skip()
		if !one() {
			return 0
		}
		skip()
	}
	return j - i
}

var durationUnits = map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}

// ParseEvidence reads the structured fields of an evidence text (see
// Evidence). Any text is accepted; what it does not recognize is left in
// Text only.
func ParseEvidence(strength float64, text string) *Evidence {
	e := &Evidence{Strength: round6(strength), Text: text}
	seen := map[string]int{}
	name := func(n string) string {
		seen[n]++
		if k := seen[n]; k > 1 {
			return n + "_" + strconv.Itoa(k)
		}
		return n
	}
	wallets := map[string]bool{}
	lastBase := ""
	var chain []string
	inChain := false
	for i := 0; i < len(text); {
		if n := hexAt(text, i); n == 42 || n == 66 {
			tok := strings.ToLower(text[i : i+n])
			end := i + n
			if n == 66 {
				e.Txs = append(e.Txs, tok)
				i = end
				continue
			}
			switch {
			case strings.HasSuffix(text[:i], "funded by "), strings.HasPrefix(text[end:], " funded"):
				if e.Funder == "" {
					e.Funder = tok
				} else {
					wallets[tok] = true
				}
			case strings.HasSuffix(text[:i], "collection "):
				e.Collection = tok
			default:
				wallets[tok] = true
			}
			if e.Path == nil {
				if !inChain {
					chain = chain[:0]
				}
				chain = append(chain, tok)
				if a := arrowAt(text, end); a > 0 {
					inChain = true
					i = end + a
					continue
				}
				if inChain && len(chain) >= 2 {
					e.Path = slices.Clone(chain)
				}
				inChain = false
			}
			i = end
			continue
		}
		if n := hexAt(text, i); n > 0 {
			i += n
			continue
		}
		if n := timeAt(text, i); n > 0 {
			e.Times = append(e.Times, text[i:i+n])
			i += n
			continue
		}
		c := text[i]
		if isDigit(c) && (i == 0 || !(isLower(text[i-1]) || isDigit(text[i-1]) || text[i-1] == '.' || (text[i-1] >= 'A' && text[i-1] <= 'Z'))) {
			j := i
			for j < len(text) && isDigit(text[j]) {
				j++
			}
			if j+1 < len(text) && text[j] == '.' && isDigit(text[j+1]) {
				j++
				for j < len(text) && isDigit(text[j]) {
					j++
				}
			}
			v, err := strconv.ParseFloat(text[i:j], 64)
			if err != nil {
				i = j
				continue
			}
			suffix := ""
			end := j
			switch {
			case j < len(text) && text[j] == '%':
				suffix, end = "_pct", j+1
			case strings.HasPrefix(text[j:], "×"):
				suffix, end = "_x", j+len("×")
			case j < len(text) && durationUnits[text[j]] > 0 && (j+1 == len(text) || !isLower(text[j+1])):
				v *= durationUnits[text[j]]
				suffix, end = "_s", j+1
			}
			n := wordAfter(text, end)
			if b := wordBefore(text, i); n == "" || (b != "" && strings.HasSuffix(n, "ed")) {
				n = b // "volume 2.5 matched": a verb after names nothing
			}
			if n == "" && i >= 2 && text[i-1] == ',' && isDigit(text[i-2]) && lastBase != "" {
				n = lastBase // a list: "tokens 113,157"
			}
			if n == "" {
				n = "value"
			}
			lastBase = n
			e.Figures = append(e.Figures, Figure{name(n + suffix), v})
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	if e.Path == nil && inChain && len(chain) >= 2 {
		e.Path = chain
	}
	for w := range wallets {
		e.Wallets = append(e.Wallets, w)
	}
	slices.Sort(e.Wallets)
	return e
}

// evCache builds rows' evidence_json and Dune filter bits, remembering the
// JSON of each distinct finding (a cycle's legs, a farming group's trades
// share theirs). One per goroutine.
type evCache struct {
	sc   *detect.Scores
	dune bool
	m    map[evKey]string
	buf  []byte
}

type evKey struct {
	d        *detect.Detector
	strength float64
	text     string
}

func newEvCache(sc *detect.Scores, dune bool) *evCache {
	return &evCache{sc: sc, dune: dune, m: map[evKey]string{}}
}

// row returns row i's evidence_json and, with dune, its filter bits (bit k
// for DuneFilters[k]).
func (c *evCache) row(i int) (js string, filters uint8) {
	c.buf = append(c.buf[:0], '{')
	n := 0
	c.sc.RowFindings(i, func(d *detect.Detector, f *detect.Finding) {
		if c.dune {
			for k, df := range DuneFilters {
				if df[1] == d.Name {
					filters |= 1 << k
				}
			}
		}
		if n > 0 {
			c.buf = append(c.buf, ',')
		}
		n++
		key := evKey{d, f.Strength, f.Evidence}
		frag, ok := c.m[key]
		if !ok {
			b := appendJSONString(nil, d.Name)
			b = append(b, ':')
			frag = string(ParseEvidence(f.Strength, f.Evidence).appendJSON(b))
			if len(c.m) >= 1<<16 {
				clear(c.m) // bounded memory
			}
			c.m[key] = frag
		}
		c.buf = append(c.buf, frag...)
	})
	if n == 0 {
		return "{}", 0
	}
	return string(append(c.buf, '}')), filters
}
