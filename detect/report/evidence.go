package report

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

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
	b = appendEvidenceHead(b, e.Strength, e.Text, e.Wallets, e.Path, e.Funder, e.Collection, e.Txs, e.Times)
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

// appendEvidenceHead appends an Evidence object's fields up to its figures,
// without the closing brace, empty ones left out.
func appendEvidenceHead(b []byte, strength float64, text string, wallets, path []string, funder, collection string, txs, times []string) []byte {
	b = append(b, `{"strength":`...)
	b = appendJSONFloat(b, strength)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, text)
	b = appendJSONList(b, "wallets", wallets)
	b = appendJSONList(b, "path", path)
	b = appendJSONField(b, "funder", funder)
	b = appendJSONField(b, "collection", collection)
	b = appendJSONList(b, "txs", txs)
	return appendJSONList(b, "times", times)
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
		// Eight plain ASCII bytes (most of an evidence text, all of a
		// hex token) at a time; the loop below sees the rest.
		for i+8 <= len(s) && jsonPlain8(uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56) {
			i += 8
		}
		if i == len(s) {
			break
		}
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

// jsonPlain8 reports whether the eight bytes of w are all ASCII that
// appendJSONString copies as they are: none below 0x20, none of " \ < > &,
// none from 0x80. SWAR: (x - 0x01…) &^ x & 0x80… is non-zero exactly when
// some byte of x is zero (the lowest such byte sets its high bit; bytes
// above a borrow may too, but only when a zero byte exists), applied to w
// xor each character, and to w less 0x20 for the control characters.
func jsonPlain8(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	bad := w&highs | (w-0x20*ones)&^w&highs |
		zero(w^'"'*ones) | zero(w^'\\'*ones) | zero(w^'<'*ones) | zero(w^'>'*ones) | zero(w^'&'*ones)
	return bad == 0
}

func isHex(c byte) bool   { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' || c == '_' }

// hexTokenAt returns the length of the 0x-prefixed hex token at s[i:] (0
// if none) and whether it has an upper-case letter (its X or a digit),
// from one pass over its digits.
func hexTokenAt(s string, i int) (n int, upper bool) {
	if i+2 > len(s) || s[i] != '0' || (s[i+1] != 'x' && s[i+1] != 'X') || (i > 0 && isHex(s[i-1])) {
		return 0, false
	}
	j := i + 2
	class := uint8(0)
	for j < len(s) {
		k := hexClass[s[j]]
		if k == 0 {
			break
		}
		class |= k
		j++
	}
	return j - i, s[i+1] == 'X' || class&hexUpper != 0
}

// hexClass marks the hex digits: hexLower for 0-9 and a-f, hexLower|hexUpper
// for A-F, 0 for any other byte.
var hexClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			t[c] = hexLower
		case c >= 'A' && c <= 'F':
			t[c] = hexLower | hexUpper
		}
	}
	return t
}()

const hexLower, hexUpper = 1, 2

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
	var sc evScratch
	sc.parse(text)
	orNil := func(xs []string) []string {
		if len(xs) == 0 {
			return nil
		}
		return slices.Clone(xs)
	}
	e := &Evidence{Strength: round6(strength), Text: text, Wallets: orNil(sc.wallets), Path: orNil(sc.path),
		Funder: sc.funder, Collection: sc.collection, Txs: orNil(sc.txs), Times: orNil(sc.times)}
	for _, f := range sc.figs {
		e.Figures = append(e.Figures, Figure{string(f.appendName(nil)), f.v})
	}
	return e
}

// evScratch is the parts of one evidence text that parse finds, as
// substrings of it (or lower-cased copies of the rare upper-case hex
// tokens); its memory is reused from text to text.
type evScratch struct {
	wallets, chain, txs, times []string
	path                       []string // chain, once it is complete; else nil
	funder, collection         string
	figs                       []evFigure
	names                      map[string]int // name uses, once figs is long
}

// evFigure is a figure of appendEvidenceJSON: its name is base+suffix, with
// "_k" after it for k > 1.
type evFigure struct {
	base, suffix string
	k            int
	v            float64
}

// figureNamesLinear is the number of figures up to which appendEvidenceJSON
// counts a name's earlier uses by a scan; beyond it, by a map, so that a
// text of many numbers stays linear.
const figureNamesLinear = 16

// parse reads the structured fields of text (see Evidence) into sc: the
// wallets sorted and deduplicated in place, the figures' names as parts.
// O(len(text) + wallets·log wallets) time; no allocation once sc has grown,
// except for hex tokens that need lower-casing.
func (sc *evScratch) parse(text string) {
	sc.wallets, sc.chain, sc.txs, sc.times, sc.figs = sc.wallets[:0], sc.chain[:0], sc.txs[:0], sc.times[:0], sc.figs[:0]
	if sc.names != nil {
		clear(sc.names)
	}
	funder, collection := "", ""
	var path []string
	lastBase := ""
	inChain := false
	for i := 0; i < len(text); {
		if c := text[i]; !isDigit(c) {
			// Hex tokens, times and numbers all start with a digit.
			if c < utf8.RuneSelf {
				i++
			} else {
				_, size := utf8.DecodeRuneInString(text[i:])
				i += size
			}
			continue
		}
		n, upper := hexTokenAt(text, i)
		if n == 42 || n == 66 {
			tok := text[i : i+n]
			if upper {
				tok = strings.ToLower(tok)
			}
			end := i + n
			if n == 66 {
				sc.txs = append(sc.txs, tok)
				i = end
				continue
			}
			switch {
			case strings.HasSuffix(text[:i], "funded by "), strings.HasPrefix(text[end:], " funded"):
				if funder == "" {
					funder = tok
				} else {
					sc.wallets = append(sc.wallets, tok)
				}
			case strings.HasSuffix(text[:i], "collection "):
				collection = tok
			default:
				sc.wallets = append(sc.wallets, tok)
			}
			if path == nil {
				if !inChain {
					sc.chain = sc.chain[:0]
				}
				sc.chain = append(sc.chain, tok)
				if a := arrowAt(text, end); a > 0 {
					inChain = true
					i = end + a
					continue
				}
				if inChain && len(sc.chain) >= 2 {
					path = sc.chain // no longer appended to
				}
				inChain = false
			}
			i = end
			continue
		}
		if n > 0 {
			i += n
			continue
		}
		if n := timeAt(text, i); n > 0 {
			sc.times = append(sc.times, text[i:i+n])
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
			sc.figs = append(sc.figs, evFigure{base: n, suffix: suffix, k: sc.nameUse(n, suffix), v: v})
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	if path == nil && inChain && len(sc.chain) >= 2 {
		path = sc.chain
	}
	slices.Sort(sc.wallets)
	sc.wallets = slices.Compact(sc.wallets)
	sc.path, sc.funder, sc.collection = path, funder, collection
}

// appendEvidenceJSON appends ParseEvidence(strength, text) as JSON, exactly
// as (*Evidence).appendJSON writes it, without building the Evidence: sc
// holds the parts. No allocation once sc has grown, except for hex tokens
// that need lower-casing.
func appendEvidenceJSON(b []byte, strength float64, text string, sc *evScratch) []byte {
	sc.parse(text)
	b = appendEvidenceHead(b, round6(strength), text, sc.wallets, sc.path, sc.funder, sc.collection, sc.txs, sc.times)
	if len(sc.figs) > 0 {
		b = append(b, `,"figures":{`...)
		for k, f := range sc.figs {
			if k > 0 {
				b = append(b, ',')
			}
			// Names are lower-case letters, '_' and digits: nothing to escape.
			b = append(b, '"')
			b = f.appendName(b)
			b = append(b, '"', ':')
			b = appendJSONFloat(b, f.v)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendName appends the figure's name.
func (f *evFigure) appendName(b []byte) []byte {
	b = append(b, f.base...)
	b = append(b, f.suffix...)
	if f.k > 1 {
		b = append(b, '_')
		b = strconv.AppendInt(b, int64(f.k), 10)
	}
	return b
}

// nameUse counts a use of the figure name base+suffix and returns how many
// there have been, this one included (ParseEvidence's name).
func (sc *evScratch) nameUse(base, suffix string) int {
	if len(sc.figs) < figureNamesLinear {
		k := 1
		for _, f := range sc.figs {
			if concatEq(f.base, f.suffix, base, suffix) {
				k++
			}
		}
		return k
	}
	if sc.names == nil {
		sc.names = map[string]int{}
	}
	if len(sc.names) == 0 { // switching over: count the figures so far
		for _, f := range sc.figs {
			sc.names[f.base+f.suffix]++
		}
	}
	sc.names[base+suffix]++
	return sc.names[base+suffix]
}

// concatEq reports whether a1+a2 == b1+b2, without concatenating.
func concatEq(a1, a2, b1, b2 string) bool {
	if len(a1)+len(a2) != len(b1)+len(b2) {
		return false
	}
	if len(a1) > len(b1) {
		a1, a2, b1, b2 = b1, b2, a1, a2
	}
	k := len(b1) - len(a1) // a2 = b1[len(a1):] + b2
	return b1[:len(a1)] == a1 && a2[:k] == b1[len(a1):] && a2[k:] == b2
}

// appendJSONList appends `,"name":[…]` unless xs is empty.
func appendJSONList(b []byte, name string, xs []string) []byte {
	if len(xs) == 0 {
		return b
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
	return append(b, ']')
}

// appendJSONField appends `,"name":x` unless x is "".
func appendJSONField(b []byte, name, x string) []byte {
	if x == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, x)
}

// evWriter builds rows' evidence_json and Dune filter bits, remembering
// the JSON of each distinct finding (a cycle's legs, a back-and-forth's
// two trades, a repeated sale's trades share theirs: about 3 findings in 4
// on a synthetic market) in one block of memory. One per goroutine.
type evWriter struct {
	sc      *detect.Scores
	dune    bool
	scratch evScratch
	buf     []byte
	text    []byte           // reasons or evidence of the last row asked
	seen    map[evKey]evSpan // a finding's `"name":{…}` in frags
	frags   []byte
}

// evKey is a finding as evWriter caches it: its detector, its strength
// and where its evidence text lies. RowFindings hands out evidence texts
// as views of memory the Scores keep and never change, so equal views
// hold equal texts, and the key hashes 32 bytes instead of the text (equal
// texts at two places, which the Scores do not keep, would only be
// formatted twice, to the same fragment).
type evKey struct {
	d        *detect.Detector
	strength float64
	text     *byte
	n        int
}

// evSpan is a fragment of evWriter.frags.
type evSpan struct{ lo, hi int }

// evCacheBytes bounds the memory of an evWriter's fragments; when full, it
// starts over.
const evCacheBytes = 8 << 20

func newEvWriter(sc *detect.Scores, dune bool) *evWriter {
	return &evWriter{sc: sc, dune: dune, seen: map[evKey]evSpan{}}
}

// appendRow appends row i's evidence_json to b and returns, with dune, its
// filter bits (bit k for DuneFilters[k]).
func (c *evWriter) appendRow(b []byte, i int) (_ []byte, filters uint8) {
	b = append(b, '{')
	n := 0
	c.sc.RowFindings(i, func(d *detect.Detector, strength float64, evidence string) {
		if c.dune {
			for k, df := range DuneFilters {
				if df[1] == d.Name {
					filters |= 1 << k
				}
			}
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		key := evKey{d, strength, unsafe.StringData(evidence), len(evidence)}
		sp, ok := c.seen[key]
		if !ok {
			if len(c.frags) >= evCacheBytes {
				clear(c.seen)
				c.frags = c.frags[:0]
			}
			sp.lo = len(c.frags)
			c.frags = appendJSONString(c.frags, d.Name)
			c.frags = append(c.frags, ':')
			c.frags = appendEvidenceJSON(c.frags, strength, evidence, &c.scratch)
			sp.hi = len(c.frags)
			c.seen[key] = sp
		}
		b = append(b, c.frags[sp.lo:sp.hi]...)
	})
	return append(b, '}'), filters
}

// row returns row i's evidence_json and its filter bits (see appendRow),
// in memory of c valid until the next call.
func (c *evWriter) row(i int) (string, uint8) {
	b, filters := c.appendRow(c.buf[:0], i)
	c.buf = b
	return unsafe.String(unsafe.SliceData(b), len(b)), filters
}

// reasons returns row i's reasons (detect.Scores.AppendReasons), in memory
// of c valid until the next call of reasons or evidence.
func (c *evWriter) reasons(i int) string {
	c.text = c.sc.AppendReasons(c.text[:0], i)
	return unsafe.String(unsafe.SliceData(c.text), len(c.text))
}

// evidence returns row i's evidence (detect.Scores.AppendEvidence), in
// memory of c valid until the next call of reasons or evidence.
func (c *evWriter) evidence(i int) string {
	c.text = c.sc.AppendEvidence(c.text[:0], i)
	return unsafe.String(unsafe.SliceData(c.text), len(c.text))
}
