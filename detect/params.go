package detect

import (
	"encoding/json"
	"fmt"
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
	Duration                  // 90s, 15m, 12h, 30d, 2w, or a Go duration
)

// Param is a tunable parameter of a detector. Its key on the command line
// (--param) and in --config files is "detector.name".
type Param struct {
	Name    string
	Doc     string
	Kind    ParamKind
	Default string
}

func (p Param) parse(s string) (float64, error) {
	if p.Kind == Duration {
		d, err := ParseDuration(s)
		return float64(d), err
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return v, nil
}

// ParseDuration reads a duration in seconds: a number followed by s, m, h, d
// or w, or any Go duration ("1h30m").
func ParseDuration(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 {
		mult := map[byte]int64{'d': 86400, 'w': 7 * 86400}[s[n-1]]
		if mult != 0 {
			v, err := strconv.ParseFloat(s[:n-1], 64)
			if err == nil && v >= 0 {
				return int64(v * float64(mult)), nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration: %q (use e.g. 90s, 12h, 30d, 2w)", s)
	}
	return int64(d / time.Second), nil
}

// Params holds parameter values set by the user; unset parameters take their
// defaults.
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
// they require) and that its value parses.
func (p *Params) Check(ds []*Detector) error {
	known := map[string]Param{}
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
		if _, err := q.parse(p.set[k]); err != nil {
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
			k := d.Name + "." + q.Name
			if v, ok := p.set[k]; ok {
				out[k] = v
			} else {
				out[k] = q.Default
			}
		}
	}
	return out
}

func (p *Params) lookup(d *Detector, name string) (Param, string) {
	for _, q := range d.Params {
		if q.Name == name {
			if v, ok := p.set[d.Name+"."+name]; ok {
				return q, v
			}
			return q, q.Default
		}
	}
	panic(fmt.Sprintf("detect: detector %s has no parameter %q", d.Name, name))
}

func (p *Params) float(d *Detector, name string) float64 {
	q, v := p.lookup(d, name)
	f, err := q.parse(v)
	if err != nil {
		panic(fmt.Sprintf("detect: parameter %s.%s unchecked: %v", d.Name, name, err))
	}
	return f
}

func (p *Params) duration(d *Detector, name string) int64 {
	q, _ := p.lookup(d, name)
	if q.Kind != Duration {
		panic(fmt.Sprintf("detect: parameter %s.%s is not a duration", d.Name, name))
	}
	return int64(p.float(d, name))
}

// Reader returns d's parameters under p, for Detector.Reach.
func (p *Params) Reader(d *Detector) ParamReader { return paramReader{p, d} }

type paramReader struct {
	p *Params
	d *Detector
}

func (r paramReader) Duration(name string) int64 { return r.p.duration(r.d, name) }
func (r paramReader) Float(name string) float64  { return r.p.float(r.d, name) }
