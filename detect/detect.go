// Package detect is washscan's detector framework, in the shape of
// golang.org/x/tools/go/analysis.
//
// A [Detector] is a plain struct value: a name, its documentation, the
// detectors whose results it reads (Requires), its tunable parameters and a Run
// function. Shared computations (an address graph, per-wallet indexes) are
// detectors too: they return a result and report no findings, and the
// detectors that need them read it through [Pass.ResultOf]. Detectors that flag
// trades call [Pass.Report] with a per-row [Finding]; scoring (score.go)
// combines findings into one score per trade.
//
// There is no init-time registration: the concrete detectors live in
// sub-packages and the explicit lists of them (presets) in detect/registry,
// checked by [Validate] at start-up.
package detect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/features"
)

// Detector is one detection rule or shared computation.
type Detector struct {
	// Name is a lower-case identifier (letters, digits, underscores); it is the
	// name in reasons, weights files and parameter keys.
	Name string
	// Doc is the documentation: first line a summary, then the rule.
	Doc string
	// Requires lists the detectors whose results Run reads via Pass.ResultOf.
	Requires []*Detector
	// Params are the detector's tunable parameters with their defaults.
	Params []Param
	// Run executes the detector. Its result (may be nil) must be of ResultType.
	Run func(*Pass) (any, error)
	// ResultType is the type of Run's result; nil when it returns none.
	ResultType reflect.Type
}

func (d *Detector) String() string { return d.Name }

// Input is what every pass sees: the features of the dataset and the side
// tables given on the command line.
type Input struct {
	Features *features.Set
	// Funders are the first funders of wallets (nil when none were given).
	Funders *datasets.Funders
	// DenyFunders are funder address ids that never link wallets (--deny-funders).
	DenyFunders map[datasets.AddrID]bool
	// RewardPrograms are the marketplace trading-reward programs the
	// reward_farming detector reads; nil means its built-in list
	// (detect/farming, programs.csv).
	RewardPrograms *RewardPrograms

	sharedMu sync.Mutex
	shared   map[any]*sharedValue
}

// sharedValue is one lazily computed value of Input.Shared.
type sharedValue struct {
	once sync.Once
	v    any
}

// Shared returns the value stored under key, computing it with build on
// the first call: a computation several detectors need at some point of
// their run (a per-wallet index), built once, by the first detector that
// asks, while the others run on — unlike a Requires dependency, which makes
// every dependent wait for it before starting. Concurrent callers of the
// same key wait for the one build. Safe for concurrent use; key must be
// comparable (use an unexported type per computation).
func (in *Input) Shared(key any, build func() any) any {
	in.sharedMu.Lock()
	if in.shared == nil {
		in.shared = map[any]*sharedValue{}
	}
	sv := in.shared[key]
	if sv == nil {
		sv = &sharedValue{}
		in.shared[key] = sv
	}
	in.sharedMu.Unlock()
	sv.once.Do(func() { sv.v = build() })
	return sv.v
}

// RewardProgram is one period in which a marketplace paid trading rewards
// (or, with Rewarded false, is recorded as not paying any).
type RewardProgram struct {
	Chain, Platform string // Dune spelling, lower case
	Start, End      int64  // unix seconds, [Start, End); End 0: ongoing
	Rewarded        bool
	Source          string
}

// RewardPrograms is a list of reward programs (see Input.RewardPrograms).
type RewardPrograms struct {
	List []RewardProgram
}

// Finding is a detector's verdict on one trade.
type Finding struct {
	Row      int32   // row number in the Trades table
	Strength float64 // (0,1]: how strongly the rule holds for this row
	Evidence string  // short, human-readable: enough to check the flag by hand
}

// Pass is the interface between one run of a detector and the framework.
type Pass struct {
	Detector *Detector
	*Input
	// ResultOf holds the results of the detectors in Detector.Requires.
	ResultOf map[*Detector]any
	// Context is cancelled when the run is abandoned; long loops should check it.
	Context context.Context

	params   *Params
	mu       sync.Mutex
	findings []Finding
}

// Report records a finding on row. Safe for concurrent use by one detector's
// goroutines. Reporting a row twice keeps the stronger finding (ties: the
// smaller evidence string), so the outcome does not depend on goroutine order.
func (p *Pass) Report(row int32, strength float64, evidence string) {
	if strength <= 0 {
		return
	}
	if strength > 1 {
		strength = 1
	}
	p.mu.Lock()
	p.findings = append(p.findings, Finding{Row: row, Strength: strength, Evidence: evidence})
	p.mu.Unlock()
}

// Duration returns the detector's parameter name in seconds.
func (p *Pass) Duration(name string) int64 { return p.params.duration(p.Detector, name) }

// Float returns the detector's parameter name as a number.
func (p *Pass) Float(name string) float64 { return p.params.float(p.Detector, name) }

// Int returns the detector's parameter name as an integer.
func (p *Pass) Int(name string) int { return int(p.params.float(p.Detector, name)) }

// Result is the outcome of running a list of detectors.
type Result struct {
	// Findings holds, per detector that reported any, its findings sorted by row
	// with one finding per row.
	Findings map[string][]Finding
	// ResultOf holds every detector's result.
	ResultOf map[*Detector]any
	// Elapsed is the wall time each detector took.
	Elapsed map[string]time.Duration
	// Ran lists the detectors run, in dependency order.
	Ran []*Detector
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks a list of detectors and everything they require: valid and
// unique names, documentation, parameters with parseable defaults, and no
// dependency cycles.
func Validate(ds []*Detector) error {
	var errs []error
	seen := map[string]*Detector{}
	state := map[*Detector]int{} // 1 visiting, 2 done
	var visit func(d *Detector, path []string) error
	visit = func(d *Detector, path []string) error {
		switch state[d] {
		case 1:
			return fmt.Errorf("detector dependency cycle: %s -> %s", strings.Join(path, " -> "), d.Name)
		case 2:
			return nil
		}
		state[d] = 1
		if !nameRE.MatchString(d.Name) {
			errs = append(errs, fmt.Errorf("detector %q: invalid name", d.Name))
		}
		if o, ok := seen[d.Name]; ok && o != d {
			errs = append(errs, fmt.Errorf("detector %q: name used twice", d.Name))
		}
		seen[d.Name] = d
		if strings.TrimSpace(d.Doc) == "" {
			errs = append(errs, fmt.Errorf("detector %q: no Doc", d.Name))
		}
		if d.Run == nil {
			errs = append(errs, fmt.Errorf("detector %q: no Run", d.Name))
		}
		pnames := map[string]bool{}
		for _, p := range d.Params {
			if !nameRE.MatchString(p.Name) || pnames[p.Name] {
				errs = append(errs, fmt.Errorf("detector %q: bad or repeated parameter name %q", d.Name, p.Name))
			}
			pnames[p.Name] = true
			if _, err := p.parse(p.Default); err != nil {
				errs = append(errs, fmt.Errorf("detector %q: parameter %s: default: %v", d.Name, p.Name, err))
			}
			if strings.TrimSpace(p.Doc) == "" {
				errs = append(errs, fmt.Errorf("detector %q: parameter %s: no Doc", d.Name, p.Name))
			}
		}
		for _, r := range d.Requires {
			if err := visit(r, append(path, d.Name)); err != nil {
				return err
			}
		}
		state[d] = 2
		return nil
	}
	for _, d := range ds {
		if err := visit(d, nil); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// closure returns ds and everything they require, dependencies first, in a
// deterministic order.
func closure(ds []*Detector) []*Detector {
	var out []*Detector
	done := map[*Detector]bool{}
	var visit func(d *Detector)
	visit = func(d *Detector) {
		if done[d] {
			return
		}
		done[d] = true
		for _, r := range d.Requires {
			visit(r)
		}
		out = append(out, d)
	}
	for _, d := range ds {
		visit(d)
	}
	return out
}

// Run validates ds, then runs them and every detector they require, each
// once, independent ones in parallel on up to GOMAXPROCS goroutines. params
// may be nil for all defaults.
func Run(ctx context.Context, in *Input, ds []*Detector, params *Params) (*Result, error) {
	if err := Validate(ds); err != nil {
		return nil, err
	}
	if params == nil {
		params = NewParams()
	}
	all := closure(ds)
	res := &Result{
		Findings: map[string][]Finding{},
		ResultOf: map[*Detector]any{},
		Elapsed:  map[string]time.Duration{},
		Ran:      all,
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var mu sync.Mutex
	doneCh := make(map[*Detector]chan struct{}, len(all))
	for _, d := range all {
		doneCh[d] = make(chan struct{})
	}
	var firstErr error
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for _, d := range all {
		wg.Add(1)
		go func(d *Detector) {
			defer wg.Done()
			defer close(doneCh[d])
			for _, r := range d.Requires {
				<-doneCh[r]
			}
			mu.Lock()
			failed := firstErr != nil
			deps := make(map[*Detector]any, len(d.Requires))
			for _, r := range d.Requires {
				deps[r] = res.ResultOf[r]
			}
			mu.Unlock()
			if failed || ctx.Err() != nil {
				return
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			pass := &Pass{Detector: d, Input: in, ResultOf: deps, Context: ctx, params: params}
			start := time.Now()
			out, err := d.Run(pass)
			elapsed := time.Since(start)
			if err == nil && d.ResultType != nil && out != nil && reflect.TypeOf(out) != d.ResultType {
				err = fmt.Errorf("returned %T, want %v", out, d.ResultType)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("detector %s: %w", d.Name, err)
					cancel()
				}
				return
			}
			res.ResultOf[d] = out
			res.Elapsed[d.Name] = elapsed
			if f := normalize(pass.findings); len(f) > 0 {
				res.Findings[d.Name] = f
			}
		}(d)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// normalize sorts findings by row and keeps one per row: the strongest, ties
// broken by the smaller evidence. Which finding a row keeps depends only on
// the row's findings, not on the order they were reported in.
//
// Findings already in row order with one per row, as several detectors
// report them, are checked in one pass and kept as they are. Short lists
// are sorted by comparisons. Long ones are ordered by row with an LSD radix
// sort of 64-bit keys (row << 32 | index, the row's bits only), then each
// row's run is reduced to its best finding: time O(k) for k findings, and
// 32-byte findings are moved once instead of at every swap.
func normalize(fs []Finding) []Finding {
	sorted := true
	for i := 1; i < len(fs); i++ {
		if fs[i].Row <= fs[i-1].Row {
			sorted = false
			break
		}
	}
	if sorted {
		return fs
	}
	if len(fs) < 1024 {
		slices.SortFunc(fs, func(a, b Finding) int {
			if a.Row != b.Row {
				return cmp.Compare(a.Row, b.Row)
			}
			return better(a, b)
		})
		out := fs[:0]
		for i, f := range fs {
			if i > 0 && f.Row == fs[i-1].Row {
				continue
			}
			out = append(out, f)
		}
		return out
	}
	keys := make([]uint64, len(fs))
	for i, f := range fs {
		keys[i] = uint64(uint32(f.Row)^1<<31)<<32 | uint64(i) // sign flipped: negative rows first
	}
	sortHigh32(keys)
	out := make([]Finding, 0, len(fs))
	for i := 0; i < len(keys); {
		best := fs[uint32(keys[i])]
		j := i + 1
		for ; j < len(keys) && keys[j]>>32 == keys[i]>>32; j++ {
			if f := fs[uint32(keys[j])]; better(f, best) < 0 {
				best = f
			}
		}
		out = append(out, best)
		i = j
	}
	return out
}

// better orders two findings of one row: the stronger first, then the one
// with the smaller evidence (-1 when a goes first, 0 when they are equal).
func better(a, b Finding) int {
	if a.Strength != b.Strength {
		if a.Strength > b.Strength {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Evidence, b.Evidence)
}

// sortHigh32 sorts keys by their high 32 bits, stably, by an LSD radix sort
// of three 11-bit digits (digits every key shares skipped). Time O(len(keys)).
func sortHigh32(keys []uint64) {
	var count [3][1 << 11]int32
	for _, k := range keys {
		h := uint32(k >> 32)
		count[0][h&0x7ff]++
		count[1][h>>11&0x7ff]++
		count[2][h>>22]++
	}
	tmp := make([]uint64, len(keys))
	src, dst := keys, tmp
	for d := range count {
		shift := 32 + 11*uint(d)
		c := &count[d]
		if c[src[0]>>shift&0x7ff] == int32(len(src)) {
			continue // every key has this digit
		}
		pos := int32(0)
		for i, n := range c {
			c[i] = pos
			pos += n
		}
		for _, k := range src {
			x := k >> shift & 0x7ff
			dst[c[x]] = k
			c[x]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
