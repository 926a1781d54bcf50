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
	"github.com/washscan/washscan/internal/radix"
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
	// Params are the detector's tunable parameters with their defaults,
	// each declared once as a package variable that Run reads it through.
	Params []*Param
	// Run executes the detector. Its result (may be nil) must be of ResultType.
	Run func(*Pass) (any, error)
	// ResultType is the type of Run's result; nil when it returns none.
	ResultType reflect.Type
	// Reach, when set, is the detector's contribution to a preset's horizon
	// (README "Horizons"; docs/contract.md §7): the longest time, before or
	// after a row, from which this detector alone takes evidence about that
	// row or about the values it hands on, in seconds, under the parameters
	// p; ok false means no bound. Nil means no bound: whole-input rules.
	// What it takes from the detectors in Requires adds their reach on top
	// (see Horizon).
	Reach func(p ParamReader) (seconds int64, ok bool)
	// Exclusive marks a detector with large scratch memory that keeps
	// every core busy by itself: Run never runs two exclusive detectors
	// at the same time, so their scratch is not held at once (the others
	// still run beside them).
	Exclusive bool
}

// Instant is the Reach of a detector that reads only rows with the row's own
// block_time (the row itself, its transaction).
func Instant(ParamReader) (int64, bool) { return 0, true }

// ParamReader reads a detector's parameters (a *Pass is one; so is
// Params.Reader).
type ParamReader interface {
	Duration(q *Param) int64
	Float(q *Param) float64
}

// Horizon returns the horizon of the detectors ds under params: the
// longest reach along any chain of requirements (a detector's Reach plus
// the largest horizon of what it requires), in seconds. unbounded lists,
// sorted, the detectors without a finite reach (H is then meaningless);
// slicing and incremental runs need it empty.
func Horizon(ds []*Detector, params *Params) (seconds int64, unbounded []string) {
	memo := map[*Detector]int64{}
	bad := map[string]bool{}
	var h func(d *Detector) int64
	h = func(d *Detector) int64 {
		if v, ok := memo[d]; ok {
			return v
		}
		var own int64
		ok := false
		if d.Reach != nil {
			own, ok = d.Reach(params.Reader(d))
		}
		if !ok || own < 0 {
			bad[d.Name] = true
			own = 0
		}
		var req int64
		for _, r := range d.Requires {
			req = max(req, h(r))
		}
		memo[d] = own + req
		return own + req
	}
	for _, d := range ds {
		seconds = max(seconds, h(d))
	}
	for n := range bad {
		unbounded = append(unbounded, n)
	}
	slices.Sort(unbounded)
	return seconds, unbounded
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

	params map[paramKey]float64
	mu     sync.Mutex
	// findings holds the reported findings in chunks of findingChunk,
	// the last one partly filled (the first grows to that size as a plain
	// slice): a detector's findings are never copied to a larger array as
	// they grow, and normalize copies them once, into an array of their
	// exact size.
	findings [][]Finding
}

// findingChunk is the length of each chunk of Pass.findings but the last.
const findingChunk = 4096

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
	n := len(p.findings)
	if n == 0 || len(p.findings[n-1]) == findingChunk {
		c := []Finding(nil)
		if n > 0 {
			c = make([]Finding, 0, findingChunk)
		}
		p.findings = append(p.findings, c)
		n++
	}
	p.findings[n-1] = append(p.findings[n-1], Finding{Row: row, Strength: strength, Evidence: evidence})
	p.mu.Unlock()
}

// Float returns the value of the detector's parameter q, as checked before
// the run.
func (p *Pass) Float(q *Param) float64 {
	if v, ok := p.params[paramKey{p.Detector, q}]; ok {
		return v
	}
	// Not one of the detector's own parameters: its default, checked by
	// Validate (a test of every detector reads only its own).
	v, _ := q.Parse(q.Default)
	return v
}

// Duration returns the detector's parameter q in seconds.
func (p *Pass) Duration(q *Param) int64 { return int64(p.Float(q)) }

// Int returns the detector's parameter q as an integer.
func (p *Pass) Int(q *Param) int { return int(p.Float(q)) }

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
			if p == nil {
				errs = append(errs, fmt.Errorf("detector %q: nil parameter", d.Name))
				continue
			}
			if !nameRE.MatchString(p.Name) || pnames[p.Name] {
				errs = append(errs, fmt.Errorf("detector %q: bad or repeated parameter name %q", d.Name, p.Name))
			}
			pnames[p.Name] = true
			if p.Max != 0 && p.Max < p.Min {
				errs = append(errs, fmt.Errorf("detector %q: parameter %s: Max below Min", d.Name, p.Name))
			}
			if _, err := p.Parse(p.Default); err != nil {
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
	vals, err := params.resolve(all)
	if err != nil {
		return nil, err
	}
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
	exclusive := make(chan struct{}, 1) // held by the running Exclusive detector
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
			if d.Exclusive { // taken before sem: no slot is held while waiting
				exclusive <- struct{}{}
				defer func() { <-exclusive }()
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			pass := &Pass{Detector: d, Input: in, ResultOf: deps, Context: ctx, params: vals}
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
			if f := normalizeChunks(pass.findings); len(f) > 0 {
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

// normalizeChunks sorts findings by row and keeps one per row: the
// strongest, ties broken by the smaller evidence. Which finding a row keeps
// depends only on the row's findings, not on the order they were reported
// in. The findings are held in chunks (Pass.findings): every chunk but the
// last holds findingChunk findings.
//
// Findings already in row order with one per row, as several detectors
// report them, are checked in one pass and kept as they are (copied once
// into one array when in several chunks). Short lists are sorted by
// comparisons. Long ones are ordered by row with an LSD radix sort of
// 64-bit keys (row << 32 | index, the row's bits only), then each row's
// run is reduced to its best finding: time O(k) for k findings, and
// 32-byte findings are moved once instead of at every swap.
func normalizeChunks(cs [][]Finding) []Finding {
	n := 0
	for _, c := range cs {
		n += len(c)
	}
	at := func(i int) Finding { return cs[i/findingChunk][i%findingChunk] }
	sorted := true
	prev := int32(0)
	for i := 0; i < n; i++ {
		r := at(i).Row
		if i > 0 && r <= prev {
			sorted = false
			break
		}
		prev = r
	}
	if sorted || n < 1024 {
		var fs []Finding
		switch len(cs) {
		case 0:
		case 1:
			fs = cs[0]
		default:
			fs = make([]Finding, 0, n)
			for _, c := range cs {
				fs = append(fs, c...)
			}
		}
		if sorted {
			return fs
		}
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
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(uint32(at(i).Row)^1<<31)<<32 | uint64(i) // sign flipped: negative rows first
	}
	radix.Sort(keys, nil, 32, 64)
	// The reduced list's length, so that it is allocated at its size.
	m := 0
	for i := range keys {
		if i == 0 || keys[i]>>32 != keys[i-1]>>32 {
			m++
		}
	}
	out := make([]Finding, 0, m)
	for i := 0; i < len(keys); {
		best := at(int(uint32(keys[i])))
		j := i + 1
		for ; j < len(keys) && keys[j]>>32 == keys[i]>>32; j++ {
			if f := at(int(uint32(keys[j]))); better(f, best) < 0 {
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
