// Package washbeam is washscan's analysis as an Apache Beam pipeline: the
// library behind the washscan-beam command (README "Distributed").
//
// A [Job] is everything one run needs, in a form that travels inside the
// pipeline's DoFns (their exported fields are serialized as JSON). [Run]
// checks it as washscan analyze checks its command line, builds the
// pipeline, runs it on the runner its Beam flags name (Prism, in process,
// by default), and commits the outputs the workers left in the staging
// directory: the metrics JSON, the flags directory of Parquet part files,
// the rejects file. Errors found on workers travel back as data, so a bad
// row gives analyze's message and exit code.
package washbeam

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/washscan/washscan/analysis"
	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
)

// Job is one washscan-beam run: analyze's input, detection and output
// options, as the command line gives them.
type Job struct {
	// Input.
	Trades      []string          // --trades: files, globs expanded by the shell, or directories
	Map         map[string]string // --map
	Set         map[string]string // --set
	TimeFormat  string            // --time-format
	SkipBadRows bool              // --skip-bad-rows
	Rejects     string            // --rejects
	Funders     string            // --funders
	Allow       string            // --allow
	DenyFunders string            // --deny-funders

	// Detection.
	Preset    string   // --preset
	Config    string   // --config
	Params    []string // --param
	Weights   string   // --weights
	Threshold float64  // --threshold
	Range     string   // --range
	AsOf      string   // --as-of, as given
	Top       int      // --top

	// Output.
	Out   string // --out: metrics JSON, "-" for standard output, "" none
	Flags string // --flags: directory of Parquet part files, "" none

	// Run.
	Version  string // washscan.version
	Runner   string // washscan.runner in the metrics ("prism", "flink", ...)
	Staging  string // directory the workers write to; Run makes one when ""
	PartRows int    // rows per flags part file; 0 means DefaultPartRows
	// SliceRows is the number of rows a time slice should own; the
	// dataset is cut into about rows/SliceRows slices of equal time width.
	// 0 means DefaultSliceRows.
	SliceRows int64

	// Files are the trade files the --trades arguments stand for, with
	// their hive partition columns; Run fills them in.
	Files []FileSpec
	// Sliced: the preset has a finite horizon H (Horizon, seconds), so
	// the dataset is cut into time slices with halos of H; otherwise
	// detection runs as one slice over every row. Run fills them in.
	Sliced  bool
	Horizon int64
}

// DefaultSliceRows is the number of rows a time slice owns by default.
const DefaultSliceRows = 1 << 20

// sliceRows is the slice size.
func (j *Job) sliceRows() int64 {
	if j.SliceRows > 0 {
		return j.SliceRows
	}
	return DefaultSliceRows
}

// inputFiles are the files of j named by indices, for the loader.
func (j *Job) inputFiles(idx []int) []datasets.InputFile {
	out := make([]datasets.InputFile, len(idx))
	for k, i := range idx {
		out[k] = datasets.InputFile{Path: j.Files[i].Path, Partition: j.Files[i].Partition}
	}
	return out
}

// FileSpec is one trade file of a job.
type FileSpec struct {
	Index     int               // position in the load order
	Path      string            // as ExpandInputs lists it
	Partition map[string]string // hive partition columns
}

// DefaultPartRows is the number of rows per flags part file.
const DefaultPartRows = 1 << 18

// loadOptions are the loader options of j, side files named by paths
// (those of j unless the caller materialized the side input elsewhere).
func (j *Job) loadOptions(funders, allow, deny string) datasets.LoadOptions {
	return datasets.LoadOptions{
		Map:         j.Map,
		Set:         j.Set,
		TimeFormat:  j.TimeFormat,
		SkipBadRows: j.SkipBadRows,
		Funders:     funders,
		Allow:       allow,
		DenyFunders: deny,
	}
}

// configSpec is the resolver's input.
func (j *Job) configSpec() analysis.ConfigSpec {
	return analysis.ConfigSpec{Preset: j.Preset, Config: j.Config, Params: j.Params, Weights: j.Weights, WeightsOption: "--weights"}
}

// settings resolves the detection settings of j, as analyze does.
func (j *Job) settings() (analysis.Settings, error) {
	r, err := metrics.ParseRange(j.Range)
	if err != nil {
		return analysis.Settings{}, &analysis.OptionError{Option: "--range", Err: err}
	}
	s := analysis.Settings{
		Threshold: j.Threshold,
		Metrics:   metrics.Options{Range: r, Top: j.Top},
		Version:   j.Version,
	}
	if j.AsOf != "" {
		t, err := datasets.ParseTime(j.AsOf, j.TimeFormat)
		if err != nil {
			return analysis.Settings{}, &analysis.OptionError{Err: fmt.Errorf("--as-of %q: %w", j.AsOf, err)}
		}
		s.Metrics.AsOf, s.Metrics.HasAsOf = t, true
	}
	if s.Config, err = analysis.Resolve(j.configSpec()); err != nil {
		return analysis.Settings{}, err
	}
	if err := s.Check(); err != nil {
		return analysis.Settings{}, err
	}
	return s, nil
}

// partRows is the flags part size.
func (j *Job) partRows() int {
	if j.PartRows > 0 {
		return j.PartRows
	}
	return DefaultPartRows
}

// check checks j before any work: the settings, the inputs and the output
// paths, as analyze does (docs/contract.md §4), and fills in j.Files.
func (j *Job) check() error {
	s, err := j.settings()
	if err != nil {
		return err
	}
	// A preset of unbounded reach runs as one slice (analysis.Config.Horizon).
	j.Horizon, err = s.Config.Horizon()
	j.Sliced = err == nil
	for _, p := range j.Trades {
		if p == "-" {
			return &analysis.OptionError{Option: "--trades", Err: errors.New("-: washscan-beam's workers cannot read standard input; name files or directories")}
		}
	}
	if j.Flags != "" {
		if ext := strings.ToLower(filepath.Ext(j.Flags)); ext == ".csv" || ext == ".parquet" {
			return &analysis.OptionError{Option: "--flags", Err: fmt.Errorf("%s: washscan-beam writes a directory of Parquet part files; name a directory", j.Flags)}
		}
	}
	in := analysis.Input{Trades: j.Trades, Load: j.loadOptions(j.Funders, j.Allow, j.DenyFunders), Rejects: j.Rejects}
	var named []analysis.Path
	if j.Flags != "" {
		// The directory is replaced as a whole: check a part file's path
		// inside it when it exists, else the directory's own.
		p := j.Flags
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, partName(0, 0))
		}
		named = append(named, analysis.Path{Option: "--flags", Name: p})
	}
	if j.Out != "" {
		named = append(named, analysis.Path{Option: "--out", Name: j.Out})
	}
	if err := in.CheckPaths(in.OutputPaths(named...)); err != nil {
		return err
	}
	files, err := datasets.ExpandInputs(j.Trades)
	if err != nil {
		return err
	}
	if len(files) == 0 { // the embedded sample market
		j.Sliced = false
	}
	j.Files = make([]FileSpec, len(files))
	for i, f := range files {
		j.Files[i] = FileSpec{Index: i, Path: f.Path, Partition: f.Partition}
	}
	return nil
}

// partName is the name of part n of a slice's flags: the names sort in
// slice (time) order, then row order.
func partName(slice, n int) string { return fmt.Sprintf("part-%05d-%05d.parquet", slice, n) }
