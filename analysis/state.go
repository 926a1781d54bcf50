package analysis

import (
	"cmp"
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
//     shape results, the preset's horizon H, the latest block_time, the row
//     accounting so far, every trade file read so far (path, size, SHA-256,
//     partition columns) in the order given across runs, and the segments;
//   - seg-BUCKET-RUN.parquet: the rows whose block_time falls in the
//     bucket BUCKET (stateBucket seconds from the Unix epoch), as loaded:
//     canonical columns, partition and --set columns filled in, duplicates
//     dropped, in input order; run RUN last wrote it (a run adding rows to
//     a bucket rewrites it, so a bucket is one file);
//   - marks-….bin: per row of a segment, the run that read it and its index
//     among that run's rows (input order), its score and a hash of its
//     reasons and evidence;
//   - lock: present while a run holds the state.
//
// A run loads its new files alone (with the user's --map, --set and
// --time-format, reporting bad and late rows by their files) and writes
// them as a pending file. It then loads the segments of the weeks it needs
// — every week for --range all; for a timed --range the weeks of its
// window and those from the new rows' earliest time minus 2H — and the
// pending file, with the side tables: the rows of one run over every file
// within those weeks, in input order (by run, then index within the run).
// The rows a new row can change lie from the new rows' earliest time minus
// H on, and their evidence within H before that: only those rows are
// detected again (AnalyzeSlice's cut: a row's score depends on rows within
// H of it only), every older row keeps its stored score. The metrics are
// computed over the loaded rows with those verdicts, so they equal the
// single run's; the flags are the new rows and the rescored rows whose
// score, reasons or evidence changed. New rows become segments, changed
// marks new marks files, and state.json is renamed into place last: an
// interrupted run leaves the state as it was.
//
// (A kept metrics partial of the older weeks, so that --range all would
// not read them, was tried: its encoded size grows with the distinct
// wallets and NFTs, about as fast as the rows, and decoding and encoding
// it each run cost more than reading the rows; BENCHMARKS.md.)

// StateFormat is the format number of state.json. Format 1 (a byte copy of
// every trade file, every run re-scoring the history) is migrated to
// format 2 on first use.
const StateFormat = 2

// stateBucket is the width of a segment's time bucket: four weeks (a
// bucket is one file; the loader's cost grows with the files it reads).
const stateBucket = 28 * 86400

const (
	stateFile = "state.json"
	lockFile  = "lock"
	filesDir  = "files" // format 1
)

type stateDoc struct {
	Format  int                `json:"format"`
	Version string             `json:"version"`
	Options map[string]string  `json:"options"`
	Horizon int64              `json:"horizon_seconds"`
	Latest  int64              `json:"latest_block_time"`
	HasRows bool               `json:"has_rows"`
	Rows    int                `json:"rows"`
	Stats   datasets.LoadStats `json:"stats"`
	Files   []stateFileDoc     `json:"files"`
	// Format 2.
	Bucket   int64    `json:"bucket_seconds,omitempty"`
	Segments []segDoc `json:"segments,omitempty"`
	// Format 1.
	Scores string `json:"scores,omitempty"`
	Run    int    `json:"run"`
}

type stateFileDoc struct {
	Path      string            `json:"path"`
	Size      int64             `json:"size"`
	SHA256    string            `json:"sha256"`
	Copy      string            `json:"copy,omitempty"` // format 1
	Partition map[string]string `json:"partition,omitempty"`
}

// segDoc is a segment: the rows of one bucket, in input order.
type segDoc struct {
	Name   string `json:"name"`
	Bucket int64  `json:"bucket"`
	Rows   int    `json:"rows"`
	Marks  string `json:"marks"`
}

// state is an open state directory during one run.
type state struct {
	dir     string
	doc     stateDoc
	horizon int64
	fresh   []stateFileDoc
	in      []datasets.InputFile // the new files, with their partitions
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
		st.doc = stateDoc{Format: StateFormat, Options: want, Horizon: h, Bucket: stateBucket}
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
	if st.doc.Format == StateFormat && st.doc.Bucket != stateBucket {
		return nil, stateErr("%s has segments of %d seconds, this washscan writes %d: start a new state", dir, st.doc.Bucket, stateBucket)
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

// markOf is row i's mark: its score and a hash of everything else its
// flags row shows — reasons, evidence, and each finding's detector and
// strength (evidence_json holds the strengths, which can change while the
// evidence text does not).
func markOf(sc *detect.Scores, i int) rowMark {
	var scratch []byte
	return markWith(sc, i, &scratch)
}

// markWith is markOf with scratch memory for the reasons and evidence,
// kept from call to call.
func markWith(sc *detect.Scores, i int, scratch *[]byte) rowMark {
	h := fnv.New64a()
	*scratch = sc.AppendReasons((*scratch)[:0], i)
	h.Write(*scratch)
	h.Write([]byte{0})
	*scratch = sc.AppendEvidence((*scratch)[:0], i)
	h.Write(*scratch)
	var b [8]byte
	sc.RowFindings(i, func(d *detect.Detector, strength float64, _ string) {
		h.Write([]byte{0})
		io.WriteString(h, d.Name)
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(strength))
		h.Write(b[:])
	})
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

// writeRows writes rows of t, in the order given, as the Parquet file name
// of the state.
func (st *state) writeRows(name string, t *datasets.Trades, rows []int32) error {
	w, err := datasets.CreateWriter(filepath.Join(st.dir, name))
	if err != nil {
		return err
	}
	for _, i := range rows {
		r := t.Row(int(i))
		if err := w.Write(&r); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// rowInfo is what the state knows of a loaded row: its segment (-1: new),
// its run and index among the run's rows, and its mark.
type rowInfo struct {
	seg  int
	run  int
	idx  uint32
	mark rowMark
	orig rowMark // the stored mark
}

// markSize is the bytes of a row in a marks file: its run and index
// within the run (uint32 each), its score and its text hash.
const markSize = 24

func (st *state) readMarks(sd segDoc, seg int, into []rowInfo) ([]rowInfo, error) {
	p := filepath.Join(st.dir, sd.Marks)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, &datasets.FileError{File: p, Err: unwrapPath(err)}
	}
	if len(b) != markSize*sd.Rows {
		return nil, stateErr("%s: %d bytes for %d rows: the state is damaged", p, len(b), sd.Rows)
	}
	for i := range sd.Rows {
		x := b[markSize*i:]
		m := rowMark{math.Float64frombits(binary.LittleEndian.Uint64(x[8:])), binary.LittleEndian.Uint64(x[16:])}
		into = append(into, rowInfo{seg: seg, run: int(binary.LittleEndian.Uint32(x)), idx: binary.LittleEndian.Uint32(x[4:]), mark: m, orig: m})
	}
	return into, nil
}

func (st *state) writeMarks(name string, info []rowInfo, rows []int32) error {
	b := make([]byte, markSize*len(rows))
	for j, i := range rows {
		x := b[markSize*j:]
		binary.LittleEndian.PutUint32(x, uint32(info[i].run))
		binary.LittleEndian.PutUint32(x[4:], info[i].idx)
		binary.LittleEndian.PutUint64(x[8:], math.Float64bits(info[i].mark.score))
		binary.LittleEndian.PutUint64(x[16:], info[i].mark.text)
	}
	return datasets.WriteFileAtomic(filepath.Join(st.dir, name), b)
}

// bucketOf is the segment bucket of a block_time.
func bucketOf(tm int64) int64 {
	b := tm / stateBucket
	if tm%stateBucket != 0 && tm < 0 {
		b--
	}
	return b
}

// readFormat1Scores reads the scores of a format-1 state, per row.
func (st *state) readFormat1Scores() ([]rowMark, error) {
	if st.doc.Scores == "" {
		return nil, nil
	}
	p := filepath.Join(st.dir, st.doc.Scores)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, &datasets.FileError{File: p, Err: unwrapPath(err)}
	}
	if len(b) != 16*st.doc.Rows {
		return nil, stateErr("%s: %d bytes for %d rows: the state is damaged", p, len(b), st.doc.Rows)
	}
	m := make([]rowMark, st.doc.Rows)
	for i := range m {
		m[i] = rowMark{math.Float64frombits(binary.LittleEndian.Uint64(b[16*i:])), binary.LittleEndian.Uint64(b[16*i+8:])}
	}
	return m, nil
}

// migrate turns a format-1 state (byte copies of the trade files and the
// scores of every row) into format 2: the copies, loaded with the recorded
// options, become the segments of the last run. It commits the state
// before the run goes on.
func (st *state) migrate(opt *Options) error {
	marks, err := st.readFormat1Scores()
	if err != nil {
		return err
	}
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
	info := make([]rowInfo, t.Len())
	for i := range info {
		info[i] = rowInfo{seg: -1, run: doc.Run, idx: uint32(i), mark: marks[i]}
	}
	doc.Format, doc.Stats, doc.Bucket, doc.Scores = StateFormat, t.Stats, stateBucket, ""
	doc.Files = slices.Clone(doc.Files)
	for i := range doc.Files {
		doc.Files[i].Copy = ""
	}
	st.doc.Segments = nil
	c := &stateCommit{st: st, doc: doc, t: t, info: info}
	if err := c.segments(doc.Run); err != nil {
		return err
	}
	if err := st.writeDoc(&c.doc); err != nil {
		return err
	}
	old := st.doc.Scores
	st.doc = c.doc
	os.RemoveAll(filepath.Join(st.dir, filesDir))
	if old != "" {
		os.Remove(filepath.Join(st.dir, old))
	}
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
			src, line := t.Origins.At(i)
			return &datasets.RowError{File: t.Files[src], Line: line, Column: "block_time",
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

// loadWeeks loads the segments of the buckets from lo on, then the pending
// file (if any), with the side tables, in input order (by run, then index
// within the run), and returns the table with what the state knows of
// each row (the pending rows: seg -1, run next, their index).
func (st *state) loadWeeks(ctx context.Context, opt datasets.LoadOptions, lo int64, pending string, next int) (*datasets.Trades, []rowInfo, error) {
	var files []datasets.InputFile
	var segs []int
	for k, sd := range st.doc.Segments {
		if sd.Bucket >= lo {
			files = append(files, datasets.InputFile{Path: filepath.Join(st.dir, sd.Name)})
			segs = append(segs, k)
		}
	}
	if pending != "" {
		files = append(files, datasets.InputFile{Path: filepath.Join(st.dir, pending)})
	}
	if files == nil {
		files = []datasets.InputFile{}
	}
	t, err := Load(ctx, Input{Files: files, Load: opt}, nil)
	if err != nil {
		var oe *OptionError
		if ctx.Err() == nil && !errors.As(err, &oe) {
			return nil, nil, stateErr("%s: reading the segments: %v (the state is damaged)", st.dir, err)
		}
		return nil, nil, err
	}
	var info []rowInfo
	for _, k := range segs {
		if info, err = st.readMarks(st.doc.Segments[k], k, info); err != nil {
			return nil, nil, err
		}
	}
	old := len(info)
	// The segments' rows were loaded once before: none is a duplicate now.
	if t.Len() < old || (old > 0 && int(t.Origins.Source(old-1)) >= len(segs)) || (t.Len() > old && int(t.Origins.Source(old)) < len(segs)) {
		return nil, nil, stateErr("%s: the segments hold other rows than their marks: the state is damaged", st.dir)
	}
	for i := old; i < t.Len(); i++ {
		info = append(info, rowInfo{seg: -1, run: next, idx: uint32(t.Origins.Line(i) - 1)})
	}
	// Input order: by run, then by index in the run (a run's rows are
	// split by week, so its weeks interleave when its files were not in
	// time order).
	less := func(a, b *rowInfo) int {
		if a.run != b.run {
			return a.run - b.run
		}
		return int(a.idx) - int(b.idx)
	}
	if !slices.IsSortedFunc(info, func(a, b rowInfo) int { return less(&a, &b) }) {
		perm := make([]int32, len(info))
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortStableFunc(perm, func(a, b int32) int { return less(&info[a], &info[b]) })
		sorted := make([]rowInfo, len(info))
		for j, i := range perm {
			sorted[j] = info[i]
		}
		stats, files := t.Stats, t.Files
		t, info = t.Subset(perm), sorted
		t.Stats, t.Files = stats, files
	}
	return t, info, nil
}

// runState is Run on a state (see the comment at the top). Its Result
// covers the rows loaded (the new rows, the earlier rows they can change
// and their halo, and the weeks the metrics read): Trades, Features,
// Detection and Verdicts are those rows' (Trades.Stats the new files'
// accounting; Detection empty when no row is new), Metrics and Tests the
// whole history's.
func runState(ctx context.Context, opt Options, st *state) (*Result, error) {
	outs := NewOutputs(ctx, opt.Stdout)
	defer outs.Abort()
	doc := &st.doc
	first := len(doc.Segments) == 0
	next := doc.Run + 1
	// The new files alone, with the user's options (and the side tables
	// when the state holds no rows: that table is then the whole input).
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
	latest, hasRows := doc.Latest, doc.HasRows
	newMin := int64(After)
	for _, tm := range nt.Time {
		newMin = min(newMin, tm)
		if !hasRows || tm > latest {
			latest, hasRows = tm, true
		}
	}
	mopt := opt.Metrics
	if !mopt.HasAsOf {
		mopt.AsOf, mopt.HasAsOf = latest, true
	}
	// The weeks to load: every week for --range all; else those of the
	// metrics window and from the new rows' earliest time minus 2H (the
	// rows they can change and those rows' evidence).
	lo := int64(math.MinInt64) // --range all: every week
	if r := mopt.Range.Seconds; r > 0 {
		lo = bucketOf(sat(mopt.AsOf, -2*r))
		if nt.Len() > 0 {
			from, _ := Reach(newMin, After, 2*st.horizon)
			lo = min(lo, bucketOf(from))
		}
	}
	var t *datasets.Trades
	var info []rowInfo
	if first {
		t = nt
		if len(st.in) == 0 { // the side tables of an empty input
			var err error
			if t, err = Load(ctx, Input{Files: []datasets.InputFile{}, Load: segmentLoad(ctx, opt.Input.Load)}, nil); err != nil {
				return nil, err
			}
		}
		info = make([]rowInfo, t.Len())
		for i := range info {
			info[i] = rowInfo{seg: -1, run: next, idx: uint32(i)}
		}
	} else {
		pending := ""
		if nt.Len() > 0 {
			pending = fmt.Sprintf("pending-%06d.parquet", next)
			if err := st.writeRows(pending, nt, iota(nt.Len())); err != nil {
				return nil, err
			}
			defer os.Remove(filepath.Join(st.dir, pending))
		}
		var err error
		if t, info, err = st.loadWeeks(ctx, segmentLoad(ctx, opt.Input.Load), lo, pending, next); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(doc.Files)+len(st.fresh))
	for _, f := range doc.Files {
		names = append(names, f.Path)
	}
	for _, f := range st.fresh {
		names = append(names, f.Path)
	}
	newStats := nt.Stats
	if !first { // duplicates of the state's rows, dropped by the second load
		n := countNew(info)
		newStats.RowsDuplicate += int64(nt.Len() - n)
		newStats.RowsLoaded = int64(n)
	}
	stats := addStats(doc.Stats, newStats)
	if opt.Loaded != nil {
		opt.Loaded(t)
	}
	opt.stage("load")

	fs := features.Compute(t)
	opt.stage("features")
	testsDone := make(chan *markettest.Report, 1)
	go func() {
		testsDone <- markettest.Run(fs, markettest.Options{Include: metrics.InWindow(fs, mopt)})
	}()
	// Detect again, when some rows are new, the rows from the new rows'
	// earliest time minus H on (they get their scores) and H before them
	// (their evidence); older rows keep their scores. Rows loaded for the
	// metrics only are left out when they are many.
	from, _ := Reach(newMin, After, st.horizon)
	halo, _ := Reach(from, After, st.horizon)
	var rows []int32 // of t, by row of dt; nil: every row
	if nt.Len() == 0 {
		rows = []int32{}
	} else {
		for i, tm := range t.Time {
			if tm >= halo {
				rows = append(rows, int32(i))
			}
		}
		if len(rows) > t.Len()*9/10 {
			rows = nil
		}
	}
	dt, dfs := t, fs
	if rows != nil {
		dt = t.Subset(rows)
		dfs = features.Compute(dt)
	}
	d, err := opt.Config.Detect(ctx, dt, dfs)
	if err != nil {
		<-testsDone
		return nil, err
	}
	opt.stage("detect")
	var flagRows []int32 // of dt
	var scratch []byte
	for j, tm := range dt.Time {
		if tm < from {
			continue
		}
		i := j
		if rows != nil {
			i = int(rows[j])
		}
		m := markWith(d.Scores, j, &scratch)
		if info[i].seg < 0 || m != info[i].mark {
			flagRows = append(flagRows, int32(j))
			info[i].mark = m
		}
	}
	score := make([]float64, len(info))
	for i := range info {
		score[i] = info[i].mark.score
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
	// The metrics: over the loaded weeks, which hold every row of the
	// window (and, for --range all, every row).
	mopt.Files, mopt.Provenance = names, opt.provenance()
	r := &Result{Trades: dt, Config: opt.Config, Detection: d, Features: dfs,
		Verdicts: report.Verdicts(d.Scores.Score, opt.Threshold)}
	r.Tests = <-testsDone
	mopt.Tests = r.Tests
	opt.stage("market_tests")
	t.Stats = stats
	r.Metrics = metrics.Compute(fs, verdicts, mopt)
	opt.stage("metrics")
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err := opt.commitOutputs(outs, r, false); err != nil {
		return nil, err
	}
	c := &stateCommit{st: st, doc: *doc, t: t, info: info}
	c.doc.Version = st.version
	c.doc.Run = next
	c.doc.Latest, c.doc.HasRows = latest, hasRows
	c.doc.Stats = stats
	c.doc.Files = append(slices.Clone(doc.Files), st.fresh...)
	for _, f := range st.fresh {
		sum, size, err := hashFile(f.Path)
		if err != nil || sum != f.SHA256 || size != f.Size {
			return r, stateErr("%s changed while it was analyzed: the state is left as it was", f.Path)
		}
	}
	if err := c.segments(next); err != nil {
		return r, err
	}
	if err := st.writeDoc(&c.doc); err != nil {
		return r, err
	}
	st.doc = c.doc
	st.cleanup()
	if dt != t {
		dt.Stats = nt.Stats
	}
	opt.stage("write")
	if ctx.Err() != nil {
		return r, context.Cause(ctx)
	}
	return r, nil
}

func countNew(info []rowInfo) int {
	n := 0
	for i := range info {
		if info[i].seg < 0 {
			n++
		}
	}
	return n
}

func iota(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = int32(i)
	}
	return r
}

// stateCommit writes what a run changed in the state: the segments of its
// rows and the marks that changed.
type stateCommit struct {
	st   *state
	doc  stateDoc
	t    *datasets.Trades
	info []rowInfo // per row of t
}

// segments writes, for every bucket with new rows of t (info seg −1), one
// segment of all its rows (its earlier segments, all loaded, are replaced:
// a bucket keeps one file), and new marks files for the other loaded
// segments whose rows' marks changed. run names the files.
func (c *stateCommit) segments(run int) error {
	st, t := c.st, c.t
	byBucket := map[int64][]int32{} // rows of t, in order
	fresh := map[int64]bool{}
	old := map[int][]int32{} // loaded segment → its rows in t
	for i := range c.info {
		b := bucketOf(t.Time[i])
		byBucket[b] = append(byBucket[b], int32(i))
		if k := c.info[i].seg; k >= 0 {
			old[k] = append(old[k], int32(i))
		} else {
			fresh[b] = true
		}
	}
	var segs []segDoc
	for k, sd := range c.doc.Segments {
		if fresh[sd.Bucket] {
			if old[k] == nil {
				return stateErr("%s: segment %s was not loaded: the state is damaged", st.dir, sd.Name)
			}
			continue // rewritten with the bucket's new rows
		}
		changed := false
		for _, i := range old[k] {
			changed = changed || c.info[i].mark != c.info[i].orig
		}
		if changed {
			sd.Marks = fmt.Sprintf("marks-%06d-%s.bin", run, strings.TrimSuffix(sd.Name, ".parquet"))
			if err := st.writeMarks(sd.Marks, c.info, old[k]); err != nil {
				return err
			}
		}
		segs = append(segs, sd)
	}
	for b := range fresh {
		rows := byBucket[b]
		sd := segDoc{Name: fmt.Sprintf("seg-%d-%06d.parquet", b, run), Bucket: b, Rows: len(rows)}
		sd.Marks = fmt.Sprintf("marks-%06d-%s.bin", run, strings.TrimSuffix(sd.Name, ".parquet"))
		if err := st.writeRows(sd.Name, t, rows); err != nil {
			return err
		}
		if err := st.writeMarks(sd.Marks, c.info, rows); err != nil {
			return err
		}
		segs = append(segs, sd)
	}
	slices.SortFunc(segs, func(a, b segDoc) int { return cmp.Compare(a.Bucket, b.Bucket) })
	c.doc.Segments = segs
	c.doc.Rows = 0
	for _, sd := range segs {
		c.doc.Rows += sd.Rows
	}
	return nil
}

// cleanup removes what state.json does not name: earlier segments' marks,
// closed partials, pending files and what a failed run left.
func (st *state) cleanup() {
	keep := map[string]bool{}
	for _, s := range st.doc.Segments {
		keep[s.Name], keep[s.Marks] = true, true
	}
	es, _ := os.ReadDir(st.dir)
	for _, e := range es {
		n := e.Name()
		for _, pre := range []string{"seg-", "marks-", "pending-", "scores-"} {
			if strings.HasPrefix(n, pre) && !keep[n] {
				os.Remove(filepath.Join(st.dir, n))
			}
		}
	}
}
