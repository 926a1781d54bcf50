package washbeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
)

// The pipeline (dist/beam/README.md):
//
//	Impulse ─ globalFn ──────────────────────────────────────────────┐ side input: funders, allow and deny lists
//	file indices ─ scanFn ─┬─ FileStat ─ planFn ─ SliceTask ─ Reshuffle ─ detectFn ─┬─ Partial ─ Combine(mergeFn) ─ reportFn ─ metrics.json
//	                       │            (side input)                                ├─ FlagPart ─ Reshuffle ─ writePartFn (sharded)
//	                       └─ WorkerError ──────────────────────── Flatten ─ errors ─┴─ WorkerError
//
// scanFn reads each trade file alone with washscan's loader (arrow-go for
// Parquet), on its own worker: its time span, rows, row accounting, bad rows
// (and rejects). planFn takes the scans as a side input, finds the global
// as_of and cuts the time axis into slices keyed by slice, each listing the
// files that overlap it with its halos of the preset's horizon H. detectFn
// loads a slice's files with the global pass's side files, keeps the rows
// within its halos, scores them with analysis.AnalyzeSlice and emits the
// flags of the rows it owns as Parquet parts and its metrics.Partial; the
// combiner merges the partials (exactly, in any order) and reportFn turns
// the merged partial into the metrics JSON (analysis.SliceReport). A preset
// of unbounded reach (Job.Sliced false) runs as one slice over every row,
// with analysis.Analyze, and its partial is the metrics JSON itself.

func init() {
	for _, v := range []any{
		(*scanFn)(nil), (*globalFn)(nil), (*planFn)(nil), (*detectFn)(nil), (*reportFn)(nil),
		(*writePartFn)(nil), (*writeErrorFn)(nil), (*mergeFn)(nil),
		(*FileStat)(nil), (*SideFiles)(nil), (*SliceTask)(nil), (*FlagPart)(nil), (*WorkerError)(nil), (*Partial)(nil),
	} {
		beam.RegisterType(reflect.TypeOf(v).Elem())
	}
}

// Staging layout: the workers write here, the launcher commits from here.
const (
	stagingMetrics = "metrics.json"
	stagingRejects = "rejects.csv" // the one-slice run's, as analyze writes it
	stagingScanRej = "rejects"     // a sliced run's: the scans', one file each
	stagingFlags   = "flags"
	stagingErrors  = "errors"
)

// build adds j's pipeline to s.
func build(s beam.Scope, j *Job) {
	imp := beam.Impulse(s)
	idx := make([]int, len(j.Files))
	for i := range idx {
		idx[i] = i
	}
	var stats, scanErrs beam.PCollection
	// A one-slice run loads every file in its one slice, as analyze does,
	// and finds analyze's first error there: a scan would only read the
	// files twice.
	if len(idx) > 0 && j.Sliced {
		stats, scanErrs = beam.ParDo2(s.Scope("scan"), &scanFn{Job: *j}, beam.CreateList(s, idx))
	} else {
		stats = beam.CreateList(s, []FileStat{})
		scanErrs = beam.CreateList(s, []WorkerError{})
	}
	side := beam.ParDo(s.Scope("global"), &globalFn{Job: *j}, imp)
	tasks := beam.ParDo(s.Scope("plan"), &planFn{Job: *j}, imp, beam.SideInput{Input: stats})
	tasks = beam.Reshuffle(s, tasks)
	partials, parts, detectErrs := beam.ParDo3(s.Scope("detect"), &detectFn{Job: *j}, tasks, beam.SideInput{Input: side})
	merged := beam.Combine(s.Scope("metrics"), &mergeFn{}, partials)
	beam.ParDo0(s.Scope("report"), &reportFn{Job: *j}, merged, beam.SideInput{Input: stats})
	beam.ParDo0(s.Scope("write flags"), &writePartFn{Dir: filepath.Join(j.Staging, stagingFlags)}, beam.Reshuffle(s, parts))
	errs := beam.Flatten(s, scanErrs, detectErrs)
	beam.ParDo0(s.Scope("write errors"), &writeErrorFn{Dir: filepath.Join(j.Staging, stagingErrors)}, errs)
}

// FileStat is what the scan of one trade file found.
type FileStat struct {
	Index            int
	MinTime, MaxTime int64 // block_time span of the loaded rows
	Rows             int64 // loaded
	Stats            datasets.LoadStats
	Failed           bool // a bad row or an unreadable file stopped the load
}

// scanFn reads one trade file alone with washscan's loader.
type scanFn struct {
	Job Job
}

func (f *scanFn) ProcessElement(ctx context.Context, i int, emit func(FileStat), emitErr func(WorkerError)) error {
	j := &f.Job
	in := analysis.Input{Files: j.inputFiles([]int{i}), Load: j.loadOptions("", "", "")}
	if j.SkipBadRows {
		// A sliced run's rejects are the scans' (its slices skip bad rows
		// silently); the one-slice run's are its whole load's.
		dir := filepath.Join(j.Staging, stagingScanRej)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		in.Rejects = filepath.Join(dir, fmt.Sprintf("%06d.csv", i))
	}
	outs := analysis.NewOutputs(ctx, io.Discard)
	defer outs.Abort()
	st := FileStat{Index: i}
	t, err := analysis.Load(ctx, in, outs)
	if err == nil && j.Sliced {
		err = outs.Commit()
	}
	if err != nil {
		st.Failed = true
		emit(st)
		emitErr(workerError("scan", i, err))
		return nil
	}
	st.Rows, st.Stats = int64(t.Len()), t.Stats
	if t.Len() > 0 {
		st.MinTime, st.MaxTime = slices.Min(t.Time), slices.Max(t.Time)
	}
	emit(st)
	return nil
}

// SideFile is one side file of the global pass, as read by one worker for
// every slice.
type SideFile struct {
	Path string // as named on the command line; "" when not given
	Data []byte
	// Unreadable: the detection stage names Path itself, so its loader
	// reports the error analyze reports.
	Unreadable bool
}

// SideFiles are the global pass's side input: the funders and the allow
// and deny lists.
type SideFiles struct {
	Funders, Allow, Deny SideFile
}

// globalFn reads the side files once.
type globalFn struct {
	Job Job
}

func (f *globalFn) ProcessElement(_ []byte, emit func(SideFiles)) {
	read := func(path string) SideFile {
		sf := SideFile{Path: path}
		if path == "" {
			return sf
		}
		data, err := os.ReadFile(path)
		if err != nil {
			sf.Unreadable = true
			return sf
		}
		sf.Data = data
		return sf
	}
	emit(SideFiles{Funders: read(f.Job.Funders), Allow: read(f.Job.Allow), Deny: read(f.Job.DenyFunders)})
}

// SliceTask is one time slice to detect over: it owns the rows with From
// ≤ block_time < To and reads the files that overlap [From−H, To+H).
type SliceTask struct {
	Key      int
	From, To int64
	Files    []int
	AsOf     int64              // the global as_of
	Stats    datasets.LoadStats // the global row accounting, for the flags' metadata
}

// planFn cuts the dataset into slice tasks from the scans.
type planFn struct {
	Job Job
}

func (f *planFn) ProcessElement(_ []byte, stats func(*FileStat) bool, emit func(SliceTask)) error {
	all, failed := collect(stats)
	j := &f.Job
	if !j.Sliced {
		// One slice over every row: its load finds analyze's first error.
		emit(SliceTask{From: math.MinInt64, To: math.MaxInt64})
		return nil
	}
	if failed {
		return nil // the scans' errors are reported; nothing to detect
	}
	asOf, err := j.asOf(all)
	if err != nil {
		return err
	}
	for k, c := range cutSlices(all, j.sliceRows()) {
		task := SliceTask{Key: k, From: c[0], To: c[1], AsOf: asOf, Stats: sumStats(all)}
		lo, hi := analysis.Reach(c[0], c[1], j.Horizon)
		for _, st := range all {
			if st.Rows > 0 && st.MaxTime >= lo && st.MinTime < hi {
				task.Files = append(task.Files, st.Index)
			}
		}
		if len(task.Files) > 0 {
			emit(task)
		}
	}
	return nil
}

// sumStats is the row accounting of the scans together.
func sumStats(all []FileStat) datasets.LoadStats {
	var ls datasets.LoadStats
	for _, st := range all {
		ls.RowsRead += st.Stats.RowsRead
		ls.RowsLoaded += st.Stats.RowsLoaded
		ls.RowsRejected += st.Stats.RowsRejected
		ls.RowsDuplicate += st.Stats.RowsDuplicate
	}
	return ls
}

// fileNames are the trade files as named, for input.files.
func (j *Job) fileNames() []string {
	files := make([]string, len(j.Files))
	for i, fs := range j.Files {
		files[i] = fs.Path
	}
	return files
}

// collect reads the scans in file order; failed says whether one failed.
func collect(stats func(*FileStat) bool) (all []FileStat, failed bool) {
	var st FileStat
	for stats(&st) {
		all = append(all, st)
		failed = failed || st.Failed
	}
	slices.SortFunc(all, func(a, b FileStat) int { return a.Index - b.Index })
	return all, failed
}

// asOf is the global as_of: --as-of, else the latest block_time.
func (j *Job) asOf(all []FileStat) (int64, error) {
	s, err := j.settings()
	if err != nil {
		return 0, err
	}
	if s.Metrics.HasAsOf {
		return s.Metrics.AsOf, nil
	}
	asOf, any := int64(0), false
	for _, st := range all {
		if st.Rows > 0 && (!any || st.MaxTime > asOf) {
			asOf, any = st.MaxTime, true
		}
	}
	return asOf, nil
}

// cutSlices cuts the time span of the scanned rows into slices of equal
// width, about one per rows rows; the first is open below, the last above.
func cutSlices(all []FileStat, rows int64) [][2]int64 {
	var lo, hi, total int64
	any := false
	for _, st := range all {
		if st.Rows == 0 {
			continue
		}
		if !any {
			lo, hi, any = st.MinTime, st.MaxTime, true
		}
		lo, hi, total = min(lo, st.MinTime), max(hi, st.MaxTime), total+st.Rows
	}
	k := max(1, (total+rows-1)/rows)
	k = min(k, max(1, hi-lo+1)) // at least a second wide
	cuts := make([][2]int64, k)
	width := (hi - lo + k) / k
	for i := range cuts {
		cuts[i] = [2]int64{lo + int64(i)*width, lo + int64(i+1)*width}
	}
	cuts[0][0], cuts[k-1][1] = math.MinInt64, math.MaxInt64
	return cuts
}

// FlagPart is one Parquet part file of the flags directory.
type FlagPart struct {
	Name string
	Data []byte
}

// Partial is a slice's metrics: a metrics.Partial in its wire form, or,
// for a one-slice run, the metrics JSON itself.
type Partial struct {
	Bin  []byte
	JSON []byte
}

// detectFn runs detection and scoring over one slice task.
type detectFn struct {
	Job Job
}

func (f *detectFn) ProcessElement(ctx context.Context, task SliceTask, side func(*SideFiles) bool, emitPartial func(Partial), emitPart func(FlagPart), emitErr func(WorkerError)) error {
	var sf SideFiles
	side(&sf)
	err := f.detect(ctx, task, &sf, emitPartial, emitPart)
	if err != nil {
		var we *WorkerError
		if errors.As(err, &we) {
			return err // not a finding about the data: fail the pipeline
		}
		emitErr(workerError("detect", 0, err))
	}
	return nil
}

func (f *detectFn) detect(ctx context.Context, task SliceTask, sf *SideFiles, emitPartial func(Partial), emitPart func(FlagPart)) error {
	j := &f.Job
	s, err := j.settings()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "washscan-beam-side-*")
	if err != nil {
		return &WorkerError{Msg: err.Error(), Code: ExitFailure}
	}
	defer os.RemoveAll(dir)
	names := map[string]string{} // materialized path -> as named
	var paths [3]string
	for n, side := range []SideFile{sf.Funders, sf.Allow, sf.Deny} {
		if paths[n], err = side.place(dir, n, names); err != nil {
			return &WorkerError{Msg: err.Error(), Code: ExitFailure}
		}
	}
	in := analysis.Input{Trades: j.Trades, Load: j.loadOptions(paths[0], paths[1], paths[2])}
	if j.Sliced {
		in.Files = j.inputFiles(task.Files)
	}
	if j.SkipBadRows {
		// The one-slice run's rejects are analyze's; a slice's repeat its
		// scans' and are dropped.
		in.Rejects = filepath.Join(dir, stagingRejects)
		if !j.Sliced {
			in.Rejects = filepath.Join(j.Staging, stagingRejects)
		}
	}
	outs := analysis.NewOutputs(ctx, io.Discard)
	defer outs.Abort()
	t, err := analysis.Load(ctx, in, outs)
	if err != nil {
		renameFiles(err, names)
		return err
	}
	if err := outs.Commit(); err != nil { // the rejects
		return err
	}
	var (
		own  *datasets.Trades
		sc   *detect.Scores
		meta map[string]string
	)
	if j.Sliced {
		lo, hi := analysis.Reach(task.From, task.To, j.Horizon)
		t = analysis.TradesIn(t, lo, hi)
		s.Metrics.AsOf, s.Metrics.HasAsOf = task.AsOf, true
		r, err := analysis.AnalyzeSlice(ctx, analysis.Slice{Trades: t, From: task.From, To: task.To}, s)
		if err != nil {
			return err
		}
		bin, err := r.Partial.MarshalBinary()
		if err != nil {
			return err
		}
		emitPartial(Partial{Bin: bin})
		own, sc = t.Subset(r.Own), r.Scores.Subset(r.Own)
		if j.Flags != "" {
			prov, err := s.Provenance()
			if err != nil {
				return err
			}
			prov.Runner = j.Runner
			meta = metrics.FlagsMetadata(prov, metrics.InputInfo{Files: j.fileNames(), LoadStats: task.Stats})
		}
	} else {
		r, err := analysis.Analyze(ctx, t, s)
		if err != nil {
			return err
		}
		r.Metrics.Washscan.Runner = j.Runner
		var buf bytes.Buffer
		if err := r.Metrics.WriteJSON(&buf); err != nil {
			return err
		}
		emitPartial(Partial{JSON: buf.Bytes()})
		own, sc = t, r.Scores
		meta = metrics.FlagsMetadata(r.Metrics.Washscan, r.Metrics.Input)
	}
	if j.Flags == "" {
		return nil
	}
	// Parts named by slice, then by position: in name order they hold the
	// slices in time order, each slice's rows in input order. The first
	// slice writes a part even when empty, so the directory has a schema.
	n, per := own.Len(), j.partRows()
	// Every part carries the run's key-value metadata, as analyze's flags
	// Parquet does: the metrics' washscan block (with the runner) and input
	// block.
	fopt := report.Options{Threshold: s.Threshold, Dune: s.Config != nil && s.Config.Preset.Name == registry.Dune.Name, Metadata: meta}
	for part, lo := 0, 0; lo < n || (part == 0 && task.Key == 0); part, lo = part+1, lo+per {
		var pb bytes.Buffer
		if err := report.WriteParquetRows(&pb, own, sc, fopt, lo, min(n, lo+per)); err != nil {
			return err
		}
		emitPart(FlagPart{Name: partName(task.Key, part), Data: pb.Bytes()})
	}
	return nil
}

// place writes a side file's bytes into dir for the loader, recording its
// name as given in names; an unreadable or absent one keeps its own path.
func (side SideFile) place(dir string, n int, names map[string]string) (string, error) {
	if side.Path == "" || side.Unreadable {
		return side.Path, nil
	}
	p := filepath.Join(dir, fmt.Sprint(n), filepath.Base(side.Path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	names[p] = side.Path
	return p, os.WriteFile(p, side.Data, 0o644)
}

// renameFiles puts back the side files' names as given in the errors of
// err's chain (the loader saw their materialized copies).
func renameFiles(err error, names map[string]string) {
	for e := err; e != nil; {
		switch x := e.(type) {
		case *datasets.RowError:
			if n, ok := names[x.File]; ok {
				x.File = n
			}
		case *datasets.FileError:
			if n, ok := names[x.File]; ok {
				x.File = n
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				renameFiles(c, names)
			}
			e = nil
		default:
			e = nil
		}
	}
}

// mergeFn combines the slices' metrics partials (metrics.Partial.Merge:
// exact, in any order and grouping). A one-slice run's JSON passes through.
type mergeFn struct{}

func (f *mergeFn) CreateAccumulator() Partial { return Partial{} }

func (f *mergeFn) AddInput(a, p Partial) (Partial, error) { return f.MergeAccumulators(a, p) }

func (f *mergeFn) MergeAccumulators(a, b Partial) (Partial, error) {
	switch {
	case a.JSON != nil || b.JSON == nil && b.Bin == nil:
		return a, nil
	case b.JSON != nil || a.Bin == nil:
		return b, nil
	}
	var p, q metrics.Partial
	if err := p.UnmarshalBinary(a.Bin); err != nil {
		return Partial{}, err
	}
	if err := q.UnmarshalBinary(b.Bin); err != nil {
		return Partial{}, err
	}
	if err := p.Merge(&q); err != nil {
		return Partial{}, err
	}
	bin, err := p.MarshalBinary()
	return Partial{Bin: bin}, err
}

func (f *mergeFn) ExtractOutput(a Partial) Partial { return a }

// reportFn writes the metrics JSON of the merged partial into the staging
// directory.
type reportFn struct {
	Job Job
}

func (f *reportFn) ProcessElement(p Partial, stats func(*FileStat) bool) error {
	j := &f.Job
	path := filepath.Join(j.Staging, stagingMetrics)
	if p.JSON != nil {
		return datasets.WriteFileAtomic(path, p.JSON)
	}
	all, failed := collect(stats)
	if failed || !j.Sliced {
		return nil // the errors say why
	}
	s, err := j.settings()
	if err != nil {
		return err
	}
	if s.Metrics.AsOf, err = j.asOf(all); err != nil {
		return err
	}
	s.Metrics.HasAsOf = true
	merged, err := metrics.NewPartial(s.Metrics)
	if err != nil {
		return err
	}
	if p.Bin != nil {
		if err := merged.UnmarshalBinary(p.Bin); err != nil {
			return err
		}
	}
	ls := sumStats(all)
	rep, err := analysis.SliceReport(merged, s, j.fileNames(), &ls)
	if err != nil {
		return err
	}
	rep.Washscan.Runner = j.Runner
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		return err
	}
	return datasets.WriteFileAtomic(path, buf.Bytes())
}

// writePartFn writes flags part files into Dir.
type writePartFn struct {
	Dir string
}

func (f *writePartFn) ProcessElement(p FlagPart) error {
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return err
	}
	return datasets.WriteFileAtomic(filepath.Join(f.Dir, p.Name), p.Data)
}

// writeErrorFn records a worker's error for the launcher.
type writeErrorFn struct {
	Dir string
}

func (f *writeErrorFn) ProcessElement(e WorkerError) error {
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return datasets.WriteFileAtomic(filepath.Join(f.Dir, fmt.Sprintf("%s-%06d.json", e.Stage, e.Order)), data)
}
