package analysis

import (
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
)

// Incremental runs (analyze --state DIR; README "Incremental runs",
// docs/contract.md §7). The state directory holds:
//
//   - state.json: the format number, washscan's version, the options that
//     shape results, the preset's horizon, the latest block_time, the row
//     count, and every trade file read so far (path, size, SHA-256, its copy
//     and its partition columns), in the order given across runs;
//   - files/: a byte copy of each of those files;
//   - scores-N.bin: the score, reasons and evidence (hashed) of every row
//     of the last run, in row order;
//   - lock: present while a run holds the state.
//
// A run loads the copies, then the new files, in order — the very rows of
// one run over every file — so its metrics and scores equal that run's
// exactly; the flags it writes are the new rows and the earlier rows whose
// score, reasons or evidence changed. The state is replaced by renaming
// state.json last: an interrupted run leaves it as it was. (The state
// keeps every row, not only those within the horizon: each run re-scores
// the history. What it guarantees is the contract's; bounding its size to
// the rows within H is future work.)

// StateFormat is the format number of state.json.
const StateFormat = 1

const (
	stateFile = "state.json"
	lockFile  = "lock"
	filesDir  = "files"
)

type stateDoc struct {
	Format  int               `json:"format"`
	Version string            `json:"version"`
	Options map[string]string `json:"options"`
	Horizon int64             `json:"horizon_seconds"`
	Latest  int64             `json:"latest_block_time"`
	HasRows bool              `json:"has_rows"`
	Rows    int               `json:"rows"`
	Files   []stateFileDoc    `json:"files"`
	Scores  string            `json:"scores"`
	Run     int               `json:"run"`
}

type stateFileDoc struct {
	Path      string            `json:"path"`
	Size      int64             `json:"size"`
	SHA256    string            `json:"sha256"`
	Copy      string            `json:"copy"`
	Partition map[string]string `json:"partition,omitempty"`
}

// state is an open state directory during one run.
type state struct {
	dir     string
	doc     stateDoc
	horizon int64
	known   int // files of the state (the first of Input.Files)
	fresh   []stateFileDoc
	prev    []rowMark // by row of the previous run
	locked  bool
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
	if err := os.MkdirAll(filepath.Join(dir, filesDir), 0o755); err != nil {
		return nil, &datasets.FileError{File: dir, Err: unwrapPath(err)}
	}
	st := &state{dir: dir, horizon: h}
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
	if st.doc.Format != StateFormat {
		return nil, stateErr("%s has state format %d, this washscan writes %d", dir, st.doc.Format, StateFormat)
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
	// The files: the state's copies, then the new ones.
	files, err := datasets.ExpandInputs(opt.Input.Trades)
	if err != nil {
		return nil, err
	}
	byPath := map[string]*stateFileDoc{}
	var in []datasets.InputFile
	for i := range st.doc.Files {
		f := &st.doc.Files[i]
		byPath[f.Path] = f
		in = append(in, datasets.InputFile{Path: filepath.Join(dir, filesDir, f.Copy), Partition: f.Partition})
	}
	st.known = len(in)
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
		in = append(in, f)
	}
	if in == nil {
		in = []datasets.InputFile{}
	}
	opt.Input.Files = in
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

// checkLoaded refuses late rows of the new files (block_time before the
// state's latest minus the horizon) and names the files by their paths.
func (st *state) checkLoaded(t *datasets.Trades) error {
	for i := 0; i < st.known && i < len(t.Files); i++ {
		t.Files[i] = st.doc.Files[i].Path
	}
	if !st.doc.HasRows {
		return nil
	}
	limit := st.doc.Latest - st.horizon
	for i, tm := range t.Time {
		if tm >= limit {
			continue
		}
		if src, line := t.Origins.At(i); int(src) >= st.known {
			return &datasets.RowError{File: t.Files[src], Line: line, Column: "block_time",
				Err: fmt.Errorf("late row: %s is before the state's latest block_time %s minus the horizon %s",
					time.Unix(tm, 0).UTC().Format(time.RFC3339), time.Unix(st.doc.Latest, 0).UTC().Format(time.RFC3339),
					time.Duration(st.horizon)*time.Second)}
		}
	}
	return nil
}

// changed lists the rows to write as flags: those after the state's rows
// and those whose mark changed.
func (st *state) changed(sc *detect.Scores) []int32 {
	var rows []int32
	for i := range sc.Score {
		if i >= len(st.prev) || markOf(sc, i) != st.prev[i] {
			rows = append(rows, int32(i))
		}
	}
	return rows
}

// commit copies the new files into the state (checking that they did not
// change since they were read), writes the scores and renames the new
// state.json into place.
func (st *state) commit(t *datasets.Trades, sc *detect.Scores, version string) error {
	doc := st.doc
	doc.Version = version
	doc.Run++
	doc.Files = slices.Clone(doc.Files)
	for i, f := range st.fresh {
		f.Copy = fmt.Sprintf("%06d-%03d%s", doc.Run, i, fileSuffix(f.Path))
		if err := copyChecked(f, filepath.Join(st.dir, filesDir, f.Copy)); err != nil {
			return err
		}
		doc.Files = append(doc.Files, f)
	}
	b := make([]byte, 16*len(sc.Score))
	for i := range sc.Score {
		m := markOf(sc, i)
		binary.LittleEndian.PutUint64(b[16*i:], math.Float64bits(m.score))
		binary.LittleEndian.PutUint64(b[16*i+8:], m.text)
	}
	doc.Scores = fmt.Sprintf("scores-%06d.bin", doc.Run)
	if err := datasets.WriteFileAtomic(filepath.Join(st.dir, doc.Scores), b); err != nil {
		return err
	}
	doc.Rows = len(sc.Score)
	for _, tm := range t.Time {
		if !doc.HasRows || tm > doc.Latest {
			doc.Latest, doc.HasRows = tm, true
		}
	}
	js, err := json.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return err
	}
	if err := datasets.WriteFileAtomic(filepath.Join(st.dir, stateFile), append(js, '\n')); err != nil {
		return err
	}
	if st.doc.Scores != "" && st.doc.Scores != doc.Scores {
		os.Remove(filepath.Join(st.dir, st.doc.Scores))
	}
	st.doc = doc
	st.cleanup()
	return nil
}

// cleanup removes files a failed run left in files/ and old scores.
func (st *state) cleanup() {
	keep := map[string]bool{}
	for _, f := range st.doc.Files {
		keep[f.Copy] = true
	}
	es, _ := os.ReadDir(filepath.Join(st.dir, filesDir))
	for _, e := range es {
		if !keep[e.Name()] {
			os.Remove(filepath.Join(st.dir, filesDir, e.Name()))
		}
	}
	es, _ = os.ReadDir(st.dir)
	for _, e := range es {
		if n := e.Name(); strings.HasPrefix(n, "scores-") && n != st.doc.Scores {
			os.Remove(filepath.Join(st.dir, n))
		}
	}
}

// fileSuffix is the format part of a trade file's name (".csv.gz").
func fileSuffix(path string) string {
	base := strings.ToLower(filepath.Base(path))
	for _, ext := range []string{".csv", ".parquet", ".jsonl", ".ndjson"} {
		if i := strings.LastIndex(base, ext); i >= 0 {
			return base[i:]
		}
	}
	return filepath.Ext(base)
}

// copyChecked copies f's file to dst atomically, failing when its content
// is no longer what was read.
func copyChecked(f stateFileDoc, dst string) error {
	in, err := os.Open(f.Path)
	if err != nil {
		return &datasets.FileError{File: f.Path, Err: unwrapPath(err)}
	}
	defer in.Close()
	a, err := datasets.CreateAtomic(dst)
	if err != nil {
		return err
	}
	defer a.Abort()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(a, h), in)
	if err != nil {
		return fmt.Errorf("state: copy %s: %w", f.Path, err)
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return stateErr("%s changed while it was analyzed: the state is left as it was", f.Path)
	}
	return a.Commit()
}
