// Command washscan finds wash trading and fake volume in NFT and token trade
// histories. This package only parses flags and wires the library packages
// together; see README.md for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/washscan/washscan/analysis"
)

// Exit codes, docs/contract.md §4.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitBadData = 65
	exitNoInput = 66
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// signalError is the cause of the context's cancellation by a signal: its
// message is what the user reads ("interrupted", "terminated").
type signalError struct {
	msg  string
	code int
}

func (e *signalError) Error() string { return e.msg }
func (e *signalError) ExitCode() int { return e.code }

var (
	errInterrupted = &signalError{"interrupted", exitSIGINT}
	errTerminated  = &signalError{"terminated", exitSIGTERM}
)

// signalContext returns a context cancelled, with errInterrupted or
// errTerminated as its cause, by the first SIGINT or SIGTERM. The signals
// stay caught until stop is called, so a second one does not kill a run that
// is renaming its outputs into place.
func signalContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-ch:
				if s == syscall.SIGTERM {
					cancel(errTerminated)
				} else {
					cancel(errInterrupted)
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, func() { signal.Stop(ch); close(done); cancel(nil) }
}

// env is what a command sees of the process.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// onLoad is datasets.LoadOptions.OnLoad: process settings while trades
	// load and after (analysisGC). Collecting at 10% growth during loads
	// (sessions 4–5) saved 5% of a 10M Parquet load's peak, below the run's
	// later peak, and took a load of 347 daily files from 2.8 to 7.3 s
	// (BENCHMARKS.md "Issue 16 after the session-6 merges"), so the load
	// keeps defaultGCPercent.
	onLoad func() (done func())
}

// command is one washscan sub-command. flags declares its flags on fs and
// returns the function that runs it once they are parsed.
type command struct {
	name    string
	usage   string // argument synopsis
	summary string // one line
	flags   func(fs *flag.FlagSet) func(e *env, args []string) error
}

// commands lists every sub-command, in the order help shows them.
var commands = []*command{
	analyzeCmd,
	benchCmd,
	calibrateCmd,
	synthCmd,
	ingestCmd,
	fundersCmd,
	reportCmd,
}

// usageError is a bad command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) ExitCode() int { return exitUsage }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// defaultGCPercent is the collector's target heap growth (GOGC) unless the
// environment sets one.
const defaultGCPercent = 50

// analysisGCPercent is GOGC once the trades are loaded, unless the
// environment sets one: detection, the metrics and the flags writer hold
// the loaded table (pointer-free columns, cheap to mark) plus their own
// results, so collecting at a smaller growth than the load's keeps the peak
// nearer what is live. A collection then costs little: on 3.9M trades with
// the flags Parquet the collector's marking took 0.22 CPU-s in 31 cycles at
// 30 and 0.40 CPU-s in 53 cycles at 15 (GODEBUG=gctrace=1), against a peak
// of 1.42-1.46 GB at 30 and 1.28-1.31 GB at 15; on 10M trades the peak fell
// from 3.01-3.09 to 2.71-2.87 GB at the same CPU time within the noise
// (BENCHMARKS.md "GOGC 15 (session 9)"). 10 saved a further 0.05 GB at 3.9M
// for twice the marking. The load keeps defaultGCPercent: its live heap
// starts small, where a low GOGC collects every few hundred KB.
const analysisGCPercent = 15

// analysisGC is env.onLoad when GOGC is not set: defaultGCPercent while
// trades load, analysisGCPercent once they are.
func analysisGC() (done func()) {
	debug.SetGCPercent(defaultGCPercent)
	return func() { debug.SetGCPercent(analysisGCPercent) }
}

func main() {
	ctx, stop := signalContext()
	defer stop()
	e := &env{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	// The tables washscan builds are mostly pointer-free columns, so a
	// collection costs little, while every page the heap grows by is a page
	// fault (about 1 s per GB on the development VM). Collecting at 50%
	// growth instead of 100% took a 10M-trade analysis from 6.4 to 5.0 GB
	// and 14.7 to 7.9 s of system time, and was no slower on 3.9M. GOGC, when
	// set, still rules.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
		e.onLoad = analysisGC
	}
	// WASHSCAN_CPUPROFILE=FILE writes a CPU profile of the whole command
	// (for performance work; not part of the command-line interface).
	if path := os.Getenv("WASHSCAN_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := run(e, os.Args[1:])
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
			f.Close()
		}
	}
	os.Exit(run(e, os.Args[1:]))
}

// run executes the command line args and returns the exit code.
func run(e *env, args []string) int {
	if len(args) == 0 {
		topUsage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		return help(e, args[1:])
	case "version", "--version", "-version":
		printVersion(e.stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "washscan: unknown command %q%s\nrun 'washscan help' for the commands\n", name,
			didYouMean(name, commandNames()))
		return exitUsage
	}
	fs := newFlagSet(c, io.Discard)
	runFn := c.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(e.stdout, c, fs)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "washscan %s: %v%s\nrun 'washscan help %s' for usage\n", c.name, err, flagHint(err, fs), c.name)
		return exitUsage
	}
	err := runFn(e, fs.Args())
	if err == nil {
		return exitOK
	}
	if cause := context.Cause(e.ctx); cause != nil && (errors.Is(err, context.Canceled) || errors.Is(err, cause)) {
		// Say why the run stopped ("interrupted"), not "context canceled"
		// or the step it stopped in.
		err = cause
	}
	code := exitCode(err)
	fmt.Fprintf(e.stderr, "washscan %s: %v\n", c.name, err)
	if code == exitUsage {
		fmt.Fprintf(e.stderr, "run 'washscan help %s' for usage\n", c.name)
	}
	return code
}

// exitCode maps an error to its docs/contract.md §4 exit code (analysis.ExitCode).
func exitCode(err error) int { return analysis.ExitCode(err) }

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(c *command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { commandUsage(out, c, fs) }
	return fs
}

func topUsage(w io.Writer) {
	fmt.Fprintf(w, "washscan %s: find wash trading and fake volume in NFT and token trade histories\n\n", version)
	fmt.Fprintln(w, "Usage: washscan <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help       show a command's flags: washscan help <command>")
	fmt.Fprintln(w, "  version    print washscan's version, commit and Go version")
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 runtime failure, 2 usage error, 65 bad input data, 66 input file unreadable, 130 interrupted, 143 terminated.")
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: washscan %s %s\n\n%s\n\nFlags:\n", c.name, c.usage, c.summary)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func help(e *env, args []string) int {
	if len(args) == 0 {
		topUsage(e.stdout)
		return exitOK
	}
	if args[0] == "version" {
		fmt.Fprintln(e.stdout, "Usage: washscan version\n\nprint washscan's release version, the module version and VCS commit it was built from, and the Go version")
		return exitOK
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(e.stderr, "washscan help: unknown command %q%s\n", args[0], didYouMean(args[0], commandNames()))
		return exitUsage
	}
	fs := newFlagSet(c, e.stdout)
	c.flags(fs)
	commandUsage(e.stdout, c, fs)
	return exitOK
}

// The repeatable flag values are the analysis package's, shared with
// washscan-beam (dist/beam).
type (
	multiFlag = analysis.ListFlag
	kvFlag    = analysis.KVFlag
)
