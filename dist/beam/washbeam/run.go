package washbeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/washscan/washscan/analysis"
)

// Execute runs a pipeline on a runner: beamx.Run, or a test's own.
type Execute func(ctx context.Context, p *beam.Pipeline) error

// Run checks j, runs its pipeline with exec and commits the outputs: the
// flags directory, the rejects file, then the metrics JSON (stdout receives
// "-"). An error a worker found about the data is returned as a
// *WorkerError, whose message and exit code (ExitCode) are analyze's.
func Run(ctx context.Context, j Job, exec Execute, stdout io.Writer) error {
	if err := j.check(); err != nil {
		return err
	}
	ownStaging := j.Staging == ""
	if ownStaging {
		dir, err := os.MkdirTemp("", "washscan-beam-*")
		if err != nil {
			return err
		}
		j.Staging = dir
	}
	if ownStaging {
		defer os.RemoveAll(j.Staging)
	}
	staging, err := filepath.Abs(j.Staging)
	if err != nil {
		return err
	}
	j.Staging = staging
	p, s := beam.NewPipelineWithRoot()
	build(s, &j)
	if err := exec(ctx, p); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("pipeline: %w", err)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err := readErrors(filepath.Join(j.Staging, stagingErrors)); err != nil {
		return err
	}
	return commit(ctx, &j, stdout)
}

// readErrors returns the error to report among those the workers recorded.
func readErrors(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []WorkerError
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		var we WorkerError
		if err := json.Unmarshal(data, &we); err != nil {
			return fmt.Errorf("worker error %s: %w", e.Name(), err)
		}
		errs = append(errs, we)
	}
	if e := firstError(errs); e != nil {
		return e
	}
	return nil
}

// commit puts the outputs in place: the flags directory replaces any old
// one, then the rejects and metrics are committed together.
func commit(ctx context.Context, j *Job, stdout io.Writer) error {
	metricsPath := filepath.Join(j.Staging, stagingMetrics)
	if _, err := os.Stat(metricsPath); err != nil {
		return fmt.Errorf("pipeline finished without metrics: %w", err)
	}
	outs := analysis.NewOutputs(ctx, stdout)
	defer outs.Abort()
	if j.SkipBadRows {
		rej := j.Rejects
		if rej == "" {
			rej = analysis.DefaultRejects
		}
		if err := outs.Add("--rejects", rej, j.writeRejects); err != nil {
			return err
		}
	}
	if j.Out != "" {
		if err := outs.Add("--out", j.Out, copyFrom(metricsPath)); err != nil {
			return err
		}
	}
	if j.Flags != "" {
		if err := replaceDir(filepath.Join(j.Staging, stagingFlags), j.Flags); err != nil {
			return &analysis.OptionError{Option: "--flags", Err: err}
		}
	}
	return outs.Commit()
}

// writeRejects writes the rejects file: the one-slice run's as its load
// wrote it, or the scans' in file order under one header.
func (j *Job) writeRejects(w io.Writer) error {
	if !j.Sliced {
		return copyFrom(filepath.Join(j.Staging, stagingRejects))(w)
	}
	header := true
	for i := range j.Files {
		data, err := os.ReadFile(filepath.Join(j.Staging, stagingScanRej, fmt.Sprintf("%06d.csv", i)))
		if err != nil {
			return err
		}
		if !header {
			if k := bytes.IndexByte(data, '\n'); k >= 0 {
				data = data[k+1:]
			}
		}
		header = false
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

func copyFrom(path string) func(io.Writer) error {
	return func(w io.Writer) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	}
}

// replaceDir moves the part files of src into a new directory dst, which
// replaces any old one: the parts are copied into a temporary sibling of
// dst, which is renamed into place once complete.
func replaceDir(src, dst string) error {
	parent := filepath.Dir(dst)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	ents, err := os.ReadDir(src)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".parquet") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := moveFile(filepath.Join(src, n), filepath.Join(tmp, n)); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		old := tmp + ".old"
		if err := os.Rename(dst, old); err != nil {
			return err
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	ok = true
	return nil
}

// moveFile renames src to dst, copying when they are on different devices.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
