package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Outputs is the set of files one run writes, committed together
// (docs/contract.md §4): every output is first encoded in full to a
// temporary file, so an encoding failure commits nothing; then regular files
// are renamed into place one after another, in the order they were added,
// and non-regular outputs ("-" for standard output, /dev/stdout, devices,
// FIFOs) are streamed last, in place, never replaced. Commit does not look at
// the context once it starts renaming, so a signal that arrives then waits
// until every output is in place. Abort, or a failure before Commit, removes
// the temporaries and leaves the old files as they were.
//
// The paths should have been checked with [CheckPaths] before any work.
type Outputs struct {
	ctx    context.Context
	stdout io.Writer
	mu     sync.Mutex
	items  []*output
	wg     sync.WaitGroup
	closed bool
	last   chan struct{} // closed when the last encoder added ends
}

type output struct {
	option, path string
	regular      bool     // renamed into place; else streamed into path
	tmp          *os.File // the temporary file
	err          error    // the encoder's error
}

// NewOutputs returns an empty set. Encoding stops with the context's cause
// when ctx is cancelled; stdout receives the output named "-".
func NewOutputs(ctx context.Context, stdout io.Writer) *Outputs {
	if stdout == nil {
		stdout = os.Stdout
	}
	return &Outputs{ctx: ctx, stdout: stdout}
}

// Add starts encoding the output path (named by the flag option, for
// messages) with encode into a new temporary file, in the background: the
// encoders run one after another in the order they were added (each may
// use every core; one at a time keeps the memory of two from adding up),
// while the caller goes on. encode's writer fails with the context's cause
// once the context is cancelled. The encoder's error is returned by Commit.
func (o *Outputs) Add(option, path string, encode func(io.Writer) error) error {
	return o.add(option, path, encode, true)
}

// AddBeside is Add for a small output (the metrics JSON): its encoder
// starts at once, beside the encoders of Add, neither waiting for them nor
// delaying them, so it runs on a core their pipelines leave idle instead of
// after them. It is still renamed into place in the order it was added.
func (o *Outputs) AddBeside(option, path string, encode func(io.Writer) error) error {
	return o.add(option, path, encode, false)
}

func (o *Outputs) add(option, path string, encode func(io.Writer) error, chain bool) error {
	it, err := o.create(option, path)
	if err != nil {
		return err
	}
	var prev, done chan struct{}
	if chain {
		o.mu.Lock()
		prev, done = o.last, make(chan struct{})
		o.last = done
		o.mu.Unlock()
	}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		if done != nil {
			defer close(done)
		}
		if prev != nil {
			<-prev
		}
		fw := newFileWriter(o.ctx, it.tmp)
		err := encode(fw)
		if err == nil {
			err = fw.finish()
		}
		if err != nil {
			if c := context.Cause(o.ctx); c != nil && o.ctx.Err() != nil {
				err = c
			}
			it.err = fmt.Errorf("write %s %s: %w", option, path, err)
		}
	}()
	return nil
}

// Create returns a writer to a new temporary file for path, for an output
// the caller writes as its work goes (the rejects of a load). The writer
// fails with the context's cause once the context is cancelled; a write
// error is returned by Commit.
func (o *Outputs) Create(option, path string) (io.Writer, error) {
	it, err := o.create(option, path)
	if err != nil {
		return nil, err
	}
	return &errWriter{w: ctxWriter{o.ctx, it.tmp}, it: it}, nil
}

type errWriter struct {
	w  io.Writer
	it *output
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.it.err == nil {
		e.it.err = fmt.Errorf("write %s %s: %w", e.it.option, e.it.path, err)
	}
	return n, err
}

func (o *Outputs) create(option, path string) (*output, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, fmt.Errorf("%s %s: output set already committed or aborted", option, path)
	}
	it := &output{option: option, path: path, regular: path != "-"}
	if it.regular {
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
			it.regular = false
		}
	}
	var err error
	if it.regular {
		dir, base := filepath.Split(path)
		if dir == "" {
			dir = "."
		}
		it.tmp, err = os.CreateTemp(dir, "."+base+".tmp-*")
	} else {
		it.tmp, err = os.CreateTemp("", "washscan-out-*")
	}
	if err != nil {
		return nil, &OptionError{Option: option, Err: fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))}
	}
	o.items = append(o.items, it)
	return it, nil
}

// unwrapPath drops the temporary file's name an *os.PathError carries, so
// messages name only the user's path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Commit waits for every encoder; if any failed, or the context was
// cancelled, it removes the temporaries and returns the error (the cause,
// for a cancellation). Otherwise it renames the regular outputs into place,
// then streams the others, ignoring the context from the first rename on.
func (o *Outputs) Commit() error {
	o.wg.Wait()
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	var errs []error
	if o.ctx.Err() != nil { // the encoders' errors are the cancellation
		errs = append(errs, context.Cause(o.ctx))
	}
	for _, it := range o.items {
		if it.err != nil && len(errs) == 0 {
			errs = append(errs, it.err)
		}
	}
	if len(errs) == 0 {
		for _, it := range o.items { // finish the files before the first rename
			if err := it.finish(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		o.remove()
		return errors.Join(errs...)
	}
	// From here on every output is complete: nothing stops the renames.
	if testHookRenaming != nil {
		testHookRenaming()
	}
	for _, it := range o.items {
		if it.regular {
			if err := os.Rename(it.tmp.Name(), it.path); err != nil {
				errs = append(errs, fmt.Errorf("write %s %s: %w", it.option, it.path, unwrapPath(err)))
				os.Remove(it.tmp.Name())
			}
		}
	}
	for _, it := range o.items {
		if !it.regular {
			if err := o.stream(it); err != nil {
				errs = append(errs, err)
			}
			os.Remove(it.tmp.Name())
		}
	}
	return errors.Join(errs...)
}

// finish syncs and closes a regular output's temporary file and gives it
// the mode of a new file; a streamed output's is rewound.
func (it *output) finish() error {
	fail := func(err error) error {
		return fmt.Errorf("write %s %s: %w", it.option, it.path, unwrapPath(err))
	}
	if !it.regular {
		_, err := it.tmp.Seek(0, io.SeekStart)
		if err != nil {
			return fail(err)
		}
		return nil
	}
	if err := it.tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := it.tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Chmod(it.tmp.Name(), 0o644); err != nil {
		return fail(err)
	}
	return nil
}

// stream copies a non-regular output's temporary file into its destination.
func (o *Outputs) stream(it *output) error {
	defer it.tmp.Close()
	var w io.Writer = o.stdout
	if it.path != "-" {
		f, err := os.OpenFile(it.path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s %s: %w", it.option, it.path, unwrapPath(err))
		}
		defer f.Close()
		w = f
	}
	if _, err := io.Copy(w, it.tmp); err != nil {
		return fmt.Errorf("write %s %s: %w", it.option, it.path, unwrapPath(err))
	}
	return nil
}

// Abort waits for the encoders and removes every temporary file; the old
// files stay. It is a no-op after Commit.
func (o *Outputs) Abort() {
	o.wg.Wait()
	o.mu.Lock()
	done := o.closed
	o.closed = true
	o.mu.Unlock()
	if !done {
		o.remove()
	}
}

func (o *Outputs) remove() {
	for _, it := range o.items {
		it.tmp.Close()
		os.Remove(it.tmp.Name())
	}
}

// testHookRenaming, when set by a test, runs as the renames start.
var testHookRenaming func()

// ctxWriter fails once its context is cancelled.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.w.Write(p)
}

// Path is one output path with the flag that names it.
type Path struct {
	Option, Name string
	// Dir marks an output directory (a --state DIR): it may exist as a
	// directory, or be created in an existing one.
	Dir bool
}

// CheckPaths checks, before any work, that outputs can be written and hurt
// nothing (docs/contract.md §4): each output's directory exists and takes new
// files, and no output is a directory, the same file as an input or as
// another output (os.SameFile: links of both kinds count), or inside an
// input directory. stdin, when it is a file, is the input "-". The error is
// an *OptionError naming the output.
func CheckPaths(inputs []string, stdin io.Reader, outputs []Path) error {
	type in struct {
		name string
		st   os.FileInfo
	}
	var ins []in
	for _, name := range inputs {
		var st os.FileInfo
		var err error
		if name == "-" {
			f, ok := stdin.(*os.File)
			if !ok {
				continue
			}
			st, err = f.Stat()
		} else {
			st, err = os.Stat(name)
		}
		if err == nil {
			ins = append(ins, in{name, st})
		}
	}
	type out struct {
		Path
		st  os.FileInfo // nil when the file does not exist yet
		abs string
	}
	var outs []out
	for _, p := range outputs {
		o := out{Path: p}
		if p.Name == "-" {
			if st, err := os.Stdout.Stat(); err == nil {
				o.st = st
			}
			o.abs = "-"
		} else {
			if p.Name == "" {
				return optionErr(p.Option, "empty file name")
			}
			st, err := os.Stat(p.Name)
			switch {
			case err == nil && st.IsDir() != p.Dir:
				if p.Dir {
					return optionErr(p.Option, "%s is not a directory", p.Name)
				}
				return optionErr(p.Option, "%s is a directory", p.Name)
			case err == nil:
				o.st = st
			case !errors.Is(err, os.ErrNotExist):
				return optionErr(p.Option, "cannot write %s: %v", p.Name, unwrapPath(err))
			}
			switch {
			case p.Dir && o.st != nil: // files are made inside it
				if err := checkDir(Path{Option: p.Option, Name: filepath.Join(p.Name, "x")}); err != nil {
					return err
				}
			case o.st == nil || o.st.Mode().IsRegular():
				if err := checkDir(p); err != nil {
					return err
				}
			}
			o.abs = absPath(p.Name)
		}
		for _, i := range ins {
			if o.st != nil && os.SameFile(o.st, i.st) {
				return optionErr(p.Option, "%s is the input %s", p.Name, i.name)
			}
			if i.st.IsDir() && o.abs != "-" && within(o.abs, absPath(i.name)) {
				return optionErr(p.Option, "%s is inside the input directory %s", p.Name, i.name)
			}
		}
		for _, q := range outs {
			same := o.abs == q.abs
			if o.st != nil && q.st != nil && os.SameFile(o.st, q.st) {
				same = true
			}
			if same {
				return optionErr(p.Option, "%s is also the output of %s", p.Name, q.Option)
			}
		}
		outs = append(outs, o)
	}
	return nil
}

// checkDir checks that the directory of a regular output exists and takes
// new files (by creating and removing a probe file: permission bits say
// nothing to root or about a read-only file system).
func checkDir(p Path) error {
	dir := filepath.Dir(p.Name)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return optionErr(p.Option, "cannot write %s: directory %s does not exist", p.Name, dir)
	case err != nil:
		return optionErr(p.Option, "cannot write %s: %v", p.Name, unwrapPath(err))
	case !st.IsDir():
		return optionErr(p.Option, "cannot write %s: %s is not a directory", p.Name, dir)
	}
	f, err := os.CreateTemp(dir, ".washscan-probe-*")
	if err != nil {
		return optionErr(p.Option, "cannot write %s: directory %s: %v", p.Name, dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// absPath is name made absolute with its directory's symbolic links
// resolved, so two spellings of one path compare equal.
func absPath(name string) string {
	a, err := filepath.Abs(name)
	if err != nil {
		return filepath.Clean(name)
	}
	dir, base := filepath.Split(a)
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		if r, err := filepath.EvalSymlinks(a); err == nil {
			return r
		}
		return filepath.Join(d, base)
	}
	return a
}

// within reports whether path lies beneath dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
