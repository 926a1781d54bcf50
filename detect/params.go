package detect

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ParamKind says how a parameter's text is read.
type ParamKind uint8

// Parameter kinds.
const (
	Number   ParamKind = iota // a decimal number
	Duration                  // 90s, 15m, 12h, 30d, 2w, or a Go duration; in seconds
	Int                       // a whole number
)

func (k ParamKind) String() string {
	switch k {
	case Duration:
		return "duration"
	case Int:
		return "integer"
	}
	return "number"
}

// maxParam bounds every parameter value: integers and seconds stay exact in
// a float64 and far from overflowing an int64 when added to a time.
const maxParam = 1 << 53

// Param is a tunable parameter of a detector, declared once as a package
// variable and listed in the detector's Params:
//
//	var window = &detect.Param{Name: "window", Kind: detect.Duration, Default: "30d", Doc: "…"}
//	… Params: []*detect.Param{window}, …
//	… w := pass.Duration(window) …
//
// Its key on the command line (--param) and in --config files is
// "detector.name". Every value, the default included, is checked before any
// detector runs ([Params.Check], [Validate]): it must parse as its Kind, be
// finite, and lie in [Min, Max] (in seconds for a Duration); Max 0 means no
// upper bound, so the zero bounds accept any value ≥ 0.
type Param struct {
	Name    string
	Doc     string
	Kind    ParamKind
	Default string
	Min     float64
	Max     float64
}

// Parse reads s as the parameter's value: a number (seconds for a
// Duration), checked against the kind and the bounds.
func (p *Param) Parse(s string) (float64, error) {
	var v float64
	if p.Kind == Duration {
		d, err := ParseDuration(s)
		if err != nil {
			return 0, err
		}
		v = float64(d)
	} else {
		var err error
		v, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("not a finite number: %q", s)
		}
		if p.Kind == Int && v != math.Trunc(v) {
			return 0, fmt.Errorf("not a whole number: %q", s)
		}
	}
	if v < p.Min || (p.Max != 0 && v > p.Max) || math.Abs(v) > maxParam {
		return 0, fmt.Errorf("%s out of range (%s)", strings.TrimSpace(s), p.rangeText())
	}
	return v, nil
}

// rangeText describes the accepted values, for messages and help.
func (p *Param) rangeText() string {
	unit := ""
	if p.Kind == Duration {
		unit = " s"
	}
	if p.Max != 0 {
		return fmt.Sprintf("%s from %g to %g%s", p.Kind, p.Min, p.Max, unit)
	}
	return fmt.Sprintf("%s ≥ %g%s", p.Kind, p.Min, unit)
}

// Help is a one-line description of the parameter for a command's help:
// its default, accepted values and documentation.
func (p *Param) Help() string {
	return fmt.Sprintf("(default %s; %s): %s", p.Default, p.rangeText(), p.Doc)
}

// ParseDuration reads a duration in seconds: a number followed by s, m, h, d
// or w, or any Go duration ("1h30m").
func ParseDuration(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 {
		mult := map[byte]float64{'d': 86400, 'w': 7 * 86400}[s[n-1]]
		if mult != 0 {
			v, err := strconv.ParseFloat(s[:n-1], 64)
			if err == nil && v >= 0 && v*mult <= maxParam {
				return int64(v * mult), nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration: %q (use e.g. 90s, 12h, 30d, 2w)", s)
	}
	return int64(d / time.Second), nil
}

// Params holds parameter values set by the user, by key "detector.name";
// unset parameters take their defaults.
type Params struct {
	set map[string]string
}

// NewParams returns parameters all at their defaults.
func NewParams() *Params { return &Params{set: map[string]string{}} }

// Set sets key ("detector.param") to value. It is checked against the
// detectors when they are known, by Check.
func (p *Params) Set(key, value string) { p.set[key] = value }

// LoadConfig reads a JSON object of "detector.param": value pairs (values as
// strings or numbers) from path.
func (p *Params) LoadConfig(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			p.set[k] = v
		case float64:
			p.set[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return fmt.Errorf("config %s: %s: want a string or a number", path, k)
		}
	}
	return nil
}

// Check verifies that every set key names a parameter of one of ds (or what
// they require) and that its value is valid for it (Param.Parse). Run once
// at start-up, it leaves nothing for the detectors to fail on.
func (p *Params) Check(ds []*Detector) error {
	known := map[string]*Param{}
	for _, d := range closure(ds) {
		for _, q := range d.Params {
			known[d.Name+"."+q.Name] = q
		}
	}
	keys := make([]string, 0, len(p.set))
	for k := range p.set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q, ok := known[k]
		if !ok {
			return fmt.Errorf("unknown parameter %q", k)
		}
		if _, err := q.Parse(p.set[k]); err != nil {
			return fmt.Errorf("parameter %s: %v", k, err)
		}
	}
	return nil
}

// Values returns every parameter of ds (and what they require) with its
// effective value, keyed "detector.param"; for the output's washscan.params.
func (p *Params) Values(ds []*Detector) map[string]string {
	out := map[string]string{}
	for _, d := range closure(ds) {
		for _, q := range d.Params {
			out[d.Name+"."+q.Name] = p.text(d, q)
		}
	}
	return out
}

func (p *Params) text(d *Detector, q *Param) string {
	if v, ok := p.set[d.Name+"."+q.Name]; ok {
		return v
	}
	return q.Default
}

// paramKey is one parameter of one detector.
type paramKey struct {
	d *Detector
	q *Param
}

// resolve parses the value of every parameter of ds (set or default), once
// per run; keys of detectors outside ds are left for Check.
func (p *Params) resolve(ds []*Detector) (map[paramKey]float64, error) {
	vals := map[paramKey]float64{}
	for _, d := range ds {
		for _, q := range d.Params {
			v, err := q.Parse(p.text(d, q))
			if err != nil {
				return nil, fmt.Errorf("parameter %s.%s: %v", d.Name, q.Name, err)
			}
			vals[paramKey{d, q}] = v
		}
	}
	return vals, nil
}

// Reader returns d's parameters under p, for Detector.Reach. A value that
// does not parse (Check reports it) reads as the parameter's default.
func (p *Params) Reader(d *Detector) ParamReader { return paramReader{p, d} }

type paramReader struct {
	p *Params
	d *Detector
}

func (r paramReader) Float(q *Param) float64 {
	if v, err := q.Parse(r.p.text(r.d, q)); err == nil {
		return v
	}
	v, _ := q.Parse(q.Default)
	return v
}

func (r paramReader) Duration(q *Param) int64 { return int64(r.Float(q)) }
