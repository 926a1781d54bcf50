package washbeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/report"
)

// The pipeline (README "Distributed"):
//
//	Impulse ─ globalFn ──────────────────────────────┐ side input: the side files (funders, lists)
//	file indices ─ scanFn ─┬─ FileStat ─ planFn ─ SliceTask ─ Reshuffle ─ detectFn ─┬─ metrics partial ─ Combine(mergeMetricsFn) ─ writeFileFn
//	                       │                                                       ├─ FlagPart ─ Reshuffle ─ writePartFn (sharded Parquet)
//	                       └─ WorkerError ──────────────── Flatten ─ writeErrorFn ─┴─ WorkerError
//
// scanFn reads each trade file with washscan's loader (arrow-go for
// Parquet) on its own worker: its rows, time range and first bad row. planFn
// cuts the dataset into slice tasks, keyed by slice, from the scans (a side
// input). detectFn loads a slice's files, runs detection and scoring with
// the side files of the global pass, and emits its flags as part files and
// its metric partial; the partials combine into the metrics JSON.

func init() {
	for _, v := range []any{
		(*scanFn)(nil), (*globalFn)(nil), (*planFn)(nil), (*detectFn)(nil),
		(*writePartFn)(nil), (*writeFileFn)(nil), (*writeErrorFn)(nil), (*mergeMetricsFn)(nil),
		(*FileStat)(nil), (*SideFiles)(nil), (*SliceTask)(nil), (*FlagPart)(nil), (*WorkerError)(nil), (*metricsAcc)(nil),
	} {
		beam.RegisterType(reflect.TypeOf(v).Elem())
	}
}

// Staging layout: the workers write here, the launcher commits from here.
const (
	stagingMetrics = "metrics.json"
	stagingRejects = "rejects.csv"
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
	if len(idx) > 0 {
		stats, scanErrs = beam.ParDo2(s.Scope("scan"), &scanFn{Job: *j}, beam.CreateList(s, idx))
	} else { // the embedded sample market: nothing to scan
		stats = beam.CreateList(s, []FileStat{})
		scanErrs = beam.CreateList(s, []WorkerError{})
	}
	side := beam.ParDo(s.Scope("global"), &globalFn{Job: *j}, imp)
	tasks := beam.ParDo(s.Scope("plan"), &planFn{}, imp, beam.SideInput{Input: stats})
	tasks = beam.Reshuffle(s, tasks)
	partials, parts, detectErrs := beam.ParDo3(s.Scope("detect"), &detectFn{Job: *j}, tasks, beam.SideInput{Input: side})
	merged := beam.Combine(s.Scope("metrics"), &mergeMetricsFn{}, partials)
	beam.ParDo0(s.Scope("write metrics"), &writeFileFn{Path: filepath.Join(j.Staging, stagingMetrics)}, merged)
	beam.ParDo0(s.Scope("write flags"), &writePartFn{Dir: filepath.Join(j.Staging, stagingFlags)}, beam.Reshuffle(s, parts))
	errs := beam.Flatten(s, scanErrs, detectErrs)
	beam.ParDo0(s.Scope("write errors"), &writeErrorFn{Dir: filepath.Join(j.Staging, stagingErrors)}, errs)
}

// FileStat is what the scan of one trade file found.
type FileStat struct {
	Index            int
	Rows             int64 // loaded
	Rejected         int64
	MinTime, MaxTime int64 // block_time range of the loaded rows
	Failed           bool  // a bad row or an unreadable file stopped the load
}

// scanFn reads one trade file with washscan's loader.
type scanFn struct {
	Job Job
}

func (f *scanFn) ProcessElement(ctx context.Context, i int, emit func(FileStat), emitErr func(WorkerError)) {
	fs := f.Job.Files[i]
	opt := f.Job.loadOptions("", "", "")
	// A hive partition column applies like --set when the file lacks the
	// column, and --set beats it (datasets.ExpandInputs).
	if len(fs.Partition) > 0 {
		set := maps.Clone(fs.Partition)
		maps.Copy(set, f.Job.Set)
		opt.Set = set
	}
	st := FileStat{Index: i, MinTime: math.MaxInt64, MaxTime: math.MinInt64}
	t, err := datasets.Load([]string{fs.Path}, opt)
	if err != nil {
		st.Failed = true
		emit(st)
		emitErr(workerError("scan", i, err))
		return
	}
	st.Rows, st.Rejected = t.Stats.RowsLoaded, t.Stats.RowsRejected
	for _, v := range t.Time {
		st.MinTime = min(st.MinTime, v)
		st.MaxTime = max(st.MaxTime, v)
	}
	emit(st)
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

// SliceTask is one slice of the dataset to detect over: its key, the
// indices of the files it reads, and its time bounds.
type SliceTask struct {
	Key   int
	Files []int
	Rows  int64
}

// planFn cuts the dataset into slice tasks from the file scans.
//
// Until the analysis package scores a time slice with its halo exactly
// (issue #15 item 3), the plan is one slice holding every file: detection
// and scoring run on one worker, as in analyze.
type planFn struct{}

func (f *planFn) ProcessElement(_ []byte, stats func(*FileStat) bool, emit func(SliceTask)) {
	var all []FileStat
	var st FileStat
	for stats(&st) {
		all = append(all, st)
	}
	task := SliceTask{Key: 0, Files: make([]int, len(all))}
	for _, s := range all {
		task.Files[s.Index] = s.Index
		task.Rows += s.Rows
	}
	emit(task)
}

// FlagPart is one Parquet part file of the flags directory.
type FlagPart struct {
	Name string
	Data []byte
}

// detectFn runs detection and scoring over one slice task.
type detectFn struct {
	Job Job
}

func (f *detectFn) ProcessElement(ctx context.Context, task SliceTask, side func(*SideFiles) bool, emitPartial func([]byte), emitPart func(FlagPart), emitErr func(WorkerError)) error {
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

func (f *detectFn) detect(ctx context.Context, task SliceTask, sf *SideFiles, emitPartial func([]byte), emitPart func(FlagPart)) error {
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
	place := func(side SideFile, n int) (string, error) {
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
	var paths [3]string
	for n, side := range []SideFile{sf.Funders, sf.Allow, sf.Deny} {
		if paths[n], err = place(side, n); err != nil {
			return &WorkerError{Msg: err.Error(), Code: ExitFailure}
		}
	}
	in := analysis.Input{Trades: j.Trades, Load: j.loadOptions(paths[0], paths[1], paths[2])}
	if j.SkipBadRows {
		in.Rejects = filepath.Join(j.Staging, stagingRejects)
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
	r, err := analysis.Analyze(ctx, t, s)
	if err != nil {
		return err
	}
	r.Metrics.Washscan.Runner = j.Runner
	var buf bytes.Buffer
	if err := r.Metrics.WriteJSON(&buf); err != nil {
		return err
	}
	emitPartial(buf.Bytes())
	if j.Flags == "" {
		return nil
	}
	n, per := t.Len(), j.partRows()
	for part, lo := 0, 0; lo < n || part == 0; part, lo = part+1, lo+per {
		var pb bytes.Buffer
		if err := report.WriteParquetRows(&pb, t, r.Scores, s.Threshold, lo, min(n, lo+per)); err != nil {
			return err
		}
		emitPart(FlagPart{Name: partName(part), Data: pb.Bytes()})
	}
	return nil
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

// metricsAcc holds metric partials.
type metricsAcc struct {
	Parts [][]byte
}

// mergeMetricsFn combines the slices' metric partials into the metrics
// JSON. With one slice the partial is the metrics JSON itself.
type mergeMetricsFn struct{}

func (f *mergeMetricsFn) CreateAccumulator() metricsAcc { return metricsAcc{} }

func (f *mergeMetricsFn) AddInput(a metricsAcc, p []byte) metricsAcc {
	a.Parts = append(a.Parts, p)
	return a
}

func (f *mergeMetricsFn) MergeAccumulators(a, b metricsAcc) metricsAcc {
	a.Parts = append(a.Parts, b.Parts...)
	return a
}

func (f *mergeMetricsFn) ExtractOutput(a metricsAcc) ([]byte, error) {
	switch len(a.Parts) {
	case 0:
		return nil, nil // detection failed: the error says why
	case 1:
		return a.Parts[0], nil
	}
	return nil, fmt.Errorf("metrics: %d partials; this build merges one slice only", len(a.Parts))
}

// writeFileFn writes its element to Path, atomically; nil writes nothing.
type writeFileFn struct {
	Path string
}

func (f *writeFileFn) ProcessElement(data []byte) error {
	if data == nil {
		return nil
	}
	return datasets.WriteFileAtomic(f.Path, data)
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
