package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/markettest"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// Incremental runs (analyze --state DIR; README "Incremental runs",
// docs/contract.md §7). The state directory holds:
//
//   - state.json: the format number, washscan's version, the options that
//     shape results, the preset's horizon, the latest block_time, the row
//     accounting so far, every trade file read so far (path, size, SHA-256,
//     its partition columns) in the order given across runs, and the
//     segments;
//   - seg-RUN.parquet: the rows one run loaded from its new files, as
//     loaded (canonical columns, partition and --set columns filled in);
//   - scores-RUN.bin: per row of the segments (in order, duplicates across
//     segments dropped as a load of them drops them), the score and a hash
//     of the reasons and evidence of the last run;
//   - lock: present while a run holds the state.
//
// A run loads its new files alone (with the user's --map, --set and
// --time-format, reporting bad and late rows by their files), writes their
// rows as a new segment, then loads every segment with the side tables:
// the very rows, in the very order, of one run over every file. Only the
// rows a new row can change are detected again: those from the new rows'
// earliest time minus the horizon H on, with a halo of H before them
// (AnalyzeSlice's cut). Every older row keeps its stored score: its
// evidence lies within H of it, before any new row. The metrics are then
// computed over all the rows with those verdicts, so they equal the single
// run's; the flags are the new rows and the rescored rows whose score,
// reasons or evidence changed. state.json is renamed into place last: an
// interrupted run leaves the state as it was.

// StateFormat is the format number of state.json. Format 1 (a byte copy of
// every trade file, every run re-scoring the history) is migrated to
// format 2 on first use.
const StateFormat = 2

const (
	stateFile = "state.json"
	lockFile  = "lock"
	filesDir  = "files" // format 1
)

type stateDoc struct {
	Format   int                `json:"format"`
	Version  string             `json:"version"`
	Options  map[string]string  `json:"options"`
	Horizon  int64              `json:"horizon_seconds"`
	Latest   int64              `json:"latest_block_time"`
	HasRows  bool               `json:"has_rows"`
	Rows     int                `json:"rows"`
	Stats    datasets.LoadStats `json:"stats"`
	Files    []stateFileDoc     `json:"files"`
	Segments []string           `json:"segments"`
	Scores   string             `json:"scores"`
	Run      int                `json:"run"`
}

type stateFileDoc struct {
	Path      string            `json:"path"`
	Size      int64             `json:"size"`
	SHA256    string            `json:"sha256"`
	Copy      string            `json:"copy,omitempty"` // format 1
	Partition map[string]string `json:"partition,omitempty"`
}

// state is an open state directory during one run.
type state struct {
	dir     string
	doc     stateDoc
	horizon int64
	fresh   []stateFileDoc
	in      []datasets.InputFile // the new files, with their partitions
	prev    []rowMark            // by row of the segments
	locked  bool
	version string
}

// rowMark is what a flags row shows that may change: the score and a hash
// of the reasons and evidence.
type rowMark struct {
	score float64
	text  uint64
}

// stateOptions are the options recorded in a state, as strings.
func stateOptions(opt *Options) (map[string]string, error) {
	c := opt.Config
	m := map[string]string{
		"preset":    c.Preset.Name,
		"threshold": strconv.FormatFloat(opt.Threshold, 'g', -1, 64),
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	m["params"] = js(c.Params.Values(c.Preset.Detectors))
	m["weights"] = js(struct {
		Bias    float64            `json:"bias"`
		Weights map[string]float64 `json:"weights"`
	}{c.Weights.Bias, c.Weights.Weights})
	// The reward programs reward_farming trusts: "" for the built-in list,
	// else a hash of the programs read (--reward-programs files' contents,
	// --no-default-reward-programs).
	m["reward_programs"] = ""
	if c.RewardPrograms != nil {
		sum := sha256.Sum256([]byte(js(c.RewardPrograms.List)))
		m["reward_programs"] = "sha256:" + hex.EncodeToString(sum[:])
	}
	l := &opt.Load
	m["map"] = js(l.Map)
	m["set"] = js(l.Set)
	m["time_format"] = l.TimeFormat
	for _, f := range []struct{ key, path string }{{"funders", l.Funders}, {"allow", l.Allow}, {"deny_funders", l.DenyFunders}} {
		if f.path == "" {
			m[f.key] = ""
			continue
		}
		sum, _, err := hashFile(f.path)
		if err != nil {
			return nil, &datasets.FileError{File: f.path, Err: err}
		}
		m[f.key] = "sha256:" + sum
	}
	return m, nil
}

// hashFile returns the SHA-256 (hex) and size of the file at path.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, unwrapPath(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func stateErr(format string, a ...any) error { return optionErr("--state", format, a...) }

// openState opens (or creates) the state directory of opt, takes its lock,
// checks the options against the recorded ones and sets opt.Input.Files to
// the state's copies followed by the new files. Known files given again are
// skipped with a notice to notice.
func openState(opt *Options, notice io.Writer) (*state, error) {
	dir := opt.State
	if opt.Config.Preset.Name == "dune" {
		return nil, stateErr("--preset dune cannot run incrementally: its back-and-forth and repeat filters look at any time (README \"Horizons\")")
	}
	h, err := opt.Config.Horizon()
	if err != nil {
		var oe *OptionError
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, stateErr("%v", err)
	}
	if len(opt.Input.Trades) == 0 {
		return nil, stateErr("needs --trades (the embedded sample cannot be run incrementally)")
	}
	for _, p := range opt.Input.Trades {
		if p == "-" {
			return nil, stateErr("cannot read standard input: a state knows files by path, size and content")
		}
	}
	want, err := stateOptions(opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &datasets.FileError{File: dir, Err: unwrapPath(err)}
	}
	st := &state{dir: dir, horizon: h, version: opt.Version}
	raw, err := os.ReadFile(filepath.Join(dir, stateFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if e.Name() != filesDir && e.Name() != lockFile {
				return nil, stateErr("%s is not empty and holds no washscan state (%s)", dir, stateFile)
			}
		}
		st.doc = stateDoc{Format: StateFormat, Options: want, Horizon: h}
	case err != nil:
		return nil, &datasets.FileError{File: filepath.Join(dir, stateFile), Err: unwrapPath(err)}
	default:
		if err := json.Unmarshal(raw, &st.doc); err != nil || st.doc.Format == 0 {
			return nil, stateErr("%s: not a washscan state: %v", filepath.Join(dir, stateFile), err)
		}
	}
	if err := st.lock(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			st.unlock()
		}
	}()
	if st.doc.Format != 1 && st.doc.Format != StateFormat {
		return nil, stateErr("%s has state format %d, this washscan reads 1 and %d: start a new state", dir, st.doc.Format, StateFormat)
	}
	if st.doc.Version != "" && st.doc.Version != opt.Version {
		return nil, stateErr("%s was made by washscan %s, this is %s: start a new state", dir, st.doc.Version, opt.Version)
	}
	if diff := diffOptions(st.doc.Options, want); diff != "" {
		return nil, stateErr("%s was made with other options: %s", dir, diff)
	}
	if opt.Metrics.HasAsOf && st.doc.HasRows && opt.Metrics.AsOf < st.doc.Latest {
		return nil, optionErr("--as-of", "%s is before the state's latest block_time %s",
			time.Unix(opt.Metrics.AsOf, 0).UTC().Format(time.RFC3339), time.Unix(st.doc.Latest, 0).UTC().Format(time.RFC3339))
	}
	if err := st.readScores(); err != nil {
		return nil, err
	}
	if st.doc.Format == 1 {
		if err := st.migrate(opt); err != nil {
			return nil, err
		}
	}
	files, err := datasets.ExpandInputs(opt.Input.Trades)
	if err != nil {
		return nil, err
	}
	byPath := map[string]*stateFileDoc{}
	for i := range st.doc.Files {
		byPath[st.doc.Files[i].Path] = &st.doc.Files[i]
	}
	seen := map[string]bool{}
	for _, f := range files {
		sum, size, err := hashFile(f.Path)
		if err != nil {
			return nil, &datasets.FileError{File: f.Path, Err: err}
		}
		if k := byPath[f.Path]; k != nil {
			if k.Size == size && k.SHA256 == sum {
				if notice != nil {
					fmt.Fprintf(notice, "washscan: %s: already in state %s, skipped\n", f.Path, dir)
				}
				continue
			}
			return nil, stateErr("%s was read before with other content (%d bytes, sha256 %s; now %d bytes, %s)", f.Path, k.Size, k.SHA256[:12], size, sum[:12])
		}
		if seen[f.Path] {
			continue
		}
		seen[f.Path] = true
		st.fresh = append(st.fresh, stateFileDoc{Path: f.Path, Size: size, SHA256: sum, Partition: f.Partition})
		st.in = append(st.in, f)
	}
	ok = true
	return st, nil
}

// diffOptions describes how got differs from want ("" when equal).
func diffOptions(got, want map[string]string) string {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var d []string
	for _, k := range ks {
		if got[k] != want[k] {
			d = append(d, fmt.Sprintf("%s was %q, now %q", k, got[k], want[k]))
		}
	}
	return strings.Join(d, "; ")
}

func (st *state) lock() error {
	p := filepath.Join(st.dir, lockFile)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return stateErr("%s is in use by another run (remove %s if none is going)", st.dir, p)
		}
		return &datasets.FileError{File: p, Err: unwrapPath(err)}
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	f.Close()
	st.locked = true
	return nil
}

func (st *state) unlock() {
	if st.locked {
		os.Remove(filepath.Join(st.dir, lockFile))
		st.locked = false
	}
}

func (st *state) readScores() error {
	if st.doc.Scores == "" {
		if st.doc.Rows != 0 {
			return stateErr("%s: %d rows but no scores: the state is damaged", st.dir, st.doc.Rows)
		}
		return nil
	}
	p := filepath.Join(st.dir, st.doc.Scores)
	b, err := os.ReadFile(p)
	if err != nil {
		return &datasets.FileError{File: p, Err: unwrapPath(err)}
	}
	if len(b) != 16*st.doc.Rows {
		return stateErr("%s: %d bytes for %d rows: the state is damaged", p, len(b), st.doc.Rows)
	}
	st.prev = make([]rowMark, st.doc.Rows)
	for i := range st.prev {
		st.prev[i] = rowMark{math.Float64frombits(binary.LittleEndian.Uint64(b[16*i:])), binary.LittleEndian.Uint64(b[16*i+8:])}
	}
	return nil
}

func markOf(sc *detect.Scores, i int) rowMark {
	h := fnv.New64a()
	io.WriteString(h, sc.Reasons[i])
	h.Write([]byte{0})
	io.WriteString(h, sc.Evidence[i])
	return rowMark{sc.Score[i], h.Sum64()}
}

// segmentLoad are the load options of the segments: canonical columns, no
// --map, --set or --time-format (their rows were loaded with them), the
// side tables of opt.
func segmentLoad(ctx context.Context, opt datasets.LoadOptions) datasets.LoadOptions {
	return datasets.LoadOptions{Funders: opt.Funders, FundersFS: opt.FundersFS, Allow: opt.Allow, DenyFunders: opt.DenyFunders,
		Progress: opt.Progress, OnLoad: opt.OnLoad, Context: ctx}
}

// newLoad are the load options of the new files: the user's, without the
// side tables (the segments' load reads them).
func newLoad(opt datasets.LoadOptions) datasets.LoadOptions {
	opt.Funders, opt.FundersFS, opt.Allow, opt.DenyFunders = "", nil, "", ""
	return opt
}

// segmentFiles are the input files of the named segments.
func (st *state) segmentFiles(names []string) []datasets.InputFile {
	in := make([]datasets.InputFile, len(names))
	for i, n := range names {
		in[i] = datasets.InputFile{Path: filepath.Join(st.dir, n)}
	}
	return in
}

// writeSegment writes the rows of t, in order, as the segment name.
func (st *state) writeSegment(name string, t *datasets.Trades) error {
	w, err := datasets.CreateWriter(filepath.Join(st.dir, name))
	if err != nil {
		return err
	}
	for i := range t.Len() {
		r := t.Row(i)
		if err := w.Write(&r); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// migrate turns a format-1 state (byte copies of the trade files) into
// format 2: the copies, loaded with the recorded options, become the first
// segment. It commits the state before the run goes on.
func (st *state) migrate(opt *Options) error {
	doc := st.doc
	var in []datasets.InputFile
	for _, f := range doc.Files {
		in = append(in, datasets.InputFile{Path: filepath.Join(st.dir, filesDir, f.Copy), Partition: f.Partition})
	}
	lopt := newLoad(opt.Input.Load)
	lopt.OnReject, lopt.Progress = func(*datasets.RowError) {}, nil
	if in == nil {
		in = []datasets.InputFile{}
	}
	t, err := datasets.LoadInputs(in, lopt)
	if err != nil {
		return stateErr("%s: migrating from format 1: %v", st.dir, err)
	}
	if t.Len() != doc.Rows {
		return stateErr("%s: migrating from format 1: %d rows, the state says %d: the state is damaged", st.dir, t.Len(), doc.Rows)
	}
	doc.Format, doc.Stats, doc.Segments = StateFormat, t.Stats, nil
	if t.Len() > 0 {
		name := fmt.Sprintf("seg-%06d.parquet", doc.Run)
		if err := st.writeSegment(name, t); err != nil {
			return err
		}
		doc.Segments = []string{name}
	}
	doc.Files = slices.Clone(doc.Files)
	for i := range doc.Files {
		doc.Files[i].Copy = ""
	}
	if err := st.writeDoc(&doc); err != nil {
		return err
	}
	st.doc = doc
	os.RemoveAll(filepath.Join(st.dir, filesDir))
	return nil
}

func (st *state) writeDoc(doc *stateDoc) error {
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return datasets.WriteFileAtomic(filepath.Join(st.dir, stateFile), append(js, '\n'))
}

// checkLate refuses late rows of the new files: a block_time before the
// state's latest minus the horizon.
func (st *state) checkLate(t *datasets.Trades) error {
	if !st.doc.HasRows {
		return nil
	}
	limit := st.doc.Latest - st.horizon
	for i, tm := range t.Time {
		if tm < limit {
			return &datasets.RowError{File: t.Files[t.Source[i]], Line: t.Line[i], Column: "block_time",
				Err: fmt.Errorf("late row: %s is before the state's latest block_time %s minus the horizon %s",
					time.Unix(tm, 0).UTC().Format(time.RFC3339), time.Unix(st.doc.Latest, 0).UTC().Format(time.RFC3339),
					time.Duration(st.horizon)*time.Second)}
		}
	}
	return nil
}

func addStats(a, b datasets.LoadStats) datasets.LoadStats {
	return datasets.LoadStats{RowsRead: a.RowsRead + b.RowsRead, RowsLoaded: a.RowsLoaded + b.RowsLoaded,
		RowsRejected: a.RowsRejected + b.RowsRejected, RowsDuplicate: a.RowsDuplicate + b.RowsDuplicate}
}

// runState is Run on a state (see the comment at the top). Its Result
// covers the rows detected again (the new rows, the earlier rows they can
// change and their halo): Trades, Features, Detection and Verdicts are
// those rows' (Trades.Stats the new files' accounting), Metrics and Tests
// the whole history's.
func runState(ctx context.Context, opt Options, st *state) (*Result, error) {
	outs := NewOutputs(ctx, opt.Stdout)
	defer outs.Abort()
	// The new files alone, with the user's options (and the side tables
	// when the state holds no rows: that table is the whole input).
	first := len(st.doc.Segments) == 0
	nt := datasets.NewTrades()
	if len(st.in) > 0 {
		in := opt.Input
		in.Files = st.in
		if !first {
			in.Load = newLoad(opt.Input.Load)
		}
		var err error
		if nt, err = Load(ctx, in, outs); err != nil {
			return nil, err
		}
		if err := st.checkLate(nt); err != nil {
			return nil, err
		}
	}
	segs := slices.Clone(st.doc.Segments)
	if nt.Len() > 0 {
		name := fmt.Sprintf("seg-%06d.parquet", st.doc.Run+1)
		if err := st.writeSegment(name, nt); err != nil {
			return nil, err
		}
		segs = append(segs, name)
	}
	t := nt
	if !first {
		// Every segment, with the side tables: the rows of one run over
		// every file, in order.
		var err error
		t, err = Load(ctx, Input{Files: st.segmentFiles(segs), Load: segmentLoad(ctx, opt.Input.Load)}, nil)
		if err != nil {
			var oe *OptionError
			if ctx.Err() == nil && !errors.As(err, &oe) {
				return nil, stateErr("%s: reading the segments: %v (the state is damaged)", st.dir, err)
			}
			return nil, err
		}
	} else if len(st.in) == 0 { // the side tables of an empty input
		var err error
		if t, err = Load(ctx, Input{Files: []datasets.InputFile{}, Load: segmentLoad(ctx, opt.Input.Load)}, nil); err != nil {
			return nil, err
		}
	}
	n0, known := st.doc.Rows, len(st.doc.Segments)
	if t.Len() < n0 || (n0 > 0 && int(t.Source[n0-1]) >= known) || (t.Len() > n0 && int(t.Source[n0]) < known) {
		return nil, stateErr("%s: the segments hold other rows than the scores: the state is damaged", st.dir)
	}
	names := make([]string, 0, len(st.doc.Files)+len(st.fresh))
	for _, f := range st.doc.Files {
		names = append(names, f.Path)
	}
	for _, f := range st.fresh {
		names = append(names, f.Path)
	}
	stats := addStats(st.doc.Stats, nt.Stats)
	t.Files, t.Stats = names, stats
	if opt.Loaded != nil {
		opt.Loaded(t)
	}
	opt.stage("load")

	fs := features.Compute(t)
	opt.stage("features")
	mopt := opt.Metrics
	mopt.Files = names
	testsDone := make(chan *markettest.Report, 1)
	go func() {
		testsDone <- markettest.Run(fs, markettest.Options{Include: metrics.InWindow(fs, mopt)})
	}()
	// Detect again the rows from the new rows' earliest time minus H on,
	// with a halo of H before them; older rows keep their scores.
	var rows []int32
	from := int64(After)
	if t.Len() > n0 {
		from = slices.Min(t.Time[n0:])
		from, _ = Reach(from, After, st.horizon)
		halo, _ := Reach(from, After, st.horizon)
		for i, tm := range t.Time {
			if tm >= halo {
				rows = append(rows, int32(i))
			}
		}
	}
	dt, dfs := t, fs
	if len(rows) < t.Len() {
		dt = t.Subset(rows)
		dfs = features.Compute(dt)
	} else {
		rows = nil // every row
	}
	row := func(j int) int {
		if rows == nil {
			return j
		}
		return int(rows[j])
	}
	d, err := opt.Config.Detect(ctx, dt, dfs)
	if err != nil {
		<-testsDone
		return nil, err
	}
	opt.stage("detect")
	marks := slices.Clone(st.prev)
	marks = append(marks, make([]rowMark, t.Len()-n0)...)
	var flagRows []int32
	for j := range dt.Len() {
		i := row(j)
		if t.Time[i] < from {
			continue // halo
		}
		m := markOf(d.Scores, j)
		if i >= n0 || m != marks[i] {
			flagRows = append(flagRows, int32(j))
		}
		marks[i] = m
	}
	score := make([]float64, len(marks))
	for i, m := range marks {
		score[i] = m.score
	}
	verdicts := report.Verdicts(score, opt.Threshold)
	if opt.Flags != "" {
		ft, fsc := dt.Subset(flagRows), d.Scores.Subset(flagRows)
		path := opt.Flags
		fopt := report.Options{
			Threshold: opt.Threshold,
			Metadata:  metrics.FlagsMetadata(opt.provenance(), metrics.InputInfo{Files: names, LoadStats: stats}),
		}
		if err := outs.Add("--flags", path, func(w io.Writer) error {
			return report.WriteTo(w, report.FormatOf(path), ft, fsc, fopt)
		}); err != nil {
			<-testsDone
			return nil, err
		}
	}
	mopt.Provenance = opt.provenance()
	r := &Result{Trades: dt, Config: opt.Config, Detection: d, Features: dfs}
	r.Tests = <-testsDone
	mopt.Tests = r.Tests
	opt.stage("market_tests")
	r.Metrics = metrics.Compute(fs, verdicts, mopt)
	opt.stage("metrics")
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	r.Verdicts = report.Verdicts(d.Scores.Score, opt.Threshold)
	if dt != t {
		dt.Stats = nt.Stats
	}
	if err := opt.commitOutputs(outs, r); err != nil {
		return nil, err
	}
	if err := st.commit(t, segs, marks, nt.Stats); err != nil {
		return r, err
	}
	opt.stage("write")
	if !opt.KeepAll && len(opt.Extra) == 0 {
		r.Features = nil
	}
	if ctx.Err() != nil {
		return r, context.Cause(ctx)
	}
	return r, nil
}

// commit checks that the new files did not change since they were read,
// writes the scores and renames the new state.json into place.
func (st *state) commit(t *datasets.Trades, segs []string, marks []rowMark, fresh datasets.LoadStats) error {
	doc := st.doc
	doc.Version = st.version
	doc.Run++
	doc.Files = slices.Clone(doc.Files)
	for _, f := range st.fresh {
		sum, size, err := hashFile(f.Path)
		if err != nil || sum != f.SHA256 || size != f.Size {
			return stateErr("%s changed while it was analyzed: the state is left as it was", f.Path)
		}
		doc.Files = append(doc.Files, f)
	}
	b := make([]byte, 16*len(marks))
	for i, m := range marks {
		binary.LittleEndian.PutUint64(b[16*i:], math.Float64bits(m.score))
		binary.LittleEndian.PutUint64(b[16*i+8:], m.text)
	}
	doc.Scores = fmt.Sprintf("scores-%06d.bin", doc.Run)
	if err := datasets.WriteFileAtomic(filepath.Join(st.dir, doc.Scores), b); err != nil {
		return err
	}
	doc.Rows, doc.Segments, doc.Stats = len(marks), segs, addStats(doc.Stats, fresh)
	for _, tm := range t.Time[st.doc.Rows:] {
		if !doc.HasRows || tm > doc.Latest {
			doc.Latest, doc.HasRows = tm, true
		}
	}
	if err := st.writeDoc(&doc); err != nil {
		return err
	}
	st.doc = doc
	st.cleanup()
	return nil
}

// cleanup removes what a failed run left: segments and scores that
// state.json does not name.
func (st *state) cleanup() {
	keep := map[string]bool{st.doc.Scores: true}
	for _, s := range st.doc.Segments {
		keep[s] = true
	}
	es, _ := os.ReadDir(st.dir)
	for _, e := range es {
		n := e.Name()
		if (strings.HasPrefix(n, "scores-") || strings.HasPrefix(n, "seg-")) && !keep[n] {
			os.Remove(filepath.Join(st.dir, n))
		}
	}
}
