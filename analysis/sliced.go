package analysis

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/graph"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/features"
)

// Out-of-core runs (analyze --max-memory; README "Out of core"). When the
// input will not fit in the memory budget, RunSliced analyzes it slice by
// slice with the slice API: a first pass loads one file at a time (on every
// core) to learn each file's time span and row count and the global as_of;
// the time axis is then cut into slices so that the rows of the files
// overlapping a slice and its halos (the preset's horizon H on each side)
// fit the budget; each slice loads those files (LoadSlice), runs
// AnalyzeSlice, writes the flags of its own rows (report.Stream) and merges
// its metrics partial, a split one (metrics.NewSplitPartial): its wallets
// and nfts hold only what flagged rows add, since one without a flagged
// row is never listed, and a last pass over the files adds their totals
// (Partial.AddTotals). A whole partial would hold every wallet and nft of
// the input, about 500 bytes each, and grew by a gigabyte a slice on a
// 50M-trade year. The metrics equal an in-memory run's (but the input
// block); the flags hold the same rows with the same scores, grouped by
// slice (time) and in input order within one. Peak memory is about the
// largest slice with its halos plus the merged partial. Files should be
// time partitions (daily, weekly): a file spanning the whole range is
// loaded by every slice. The context stops every pass between files and
// while a file loads.

// BytesPerRow is the memory one trade takes through an analysis, for the
// --max-memory estimate and the slice size: slices of 4.2M and 4.7M rows
// of a 10M-trade year peaked at 580 and 595 bytes a row (flags Parquet,
// BENCHMARKS.md "Slices and 50M"), the 23.9M-row slices of a 50M year at
// 465 to 570 before the resident set crept up (700 at worst), an
// in-memory 10M run at about 460.
const BytesPerRow = 620

// fileBytesPerRow estimates the rows of a trade file from its size.
func fileBytesPerRow(path string) float64 {
	p := strings.ToLower(path)
	per := 330.0 // CSV, JSON Lines
	if strings.Contains(p, ".parquet") {
		per = 90
	}
	if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".zst") {
		per /= 5
	}
	return per
}

// EstimateMemory is the memory an in-memory analysis of files needs, from
// their sizes (BytesPerRow per estimated row); unreadable files count 0.
func EstimateMemory(files []datasets.InputFile) int64 {
	var total float64
	for _, f := range files {
		st, err := os.Stat(f.Path)
		if err != nil {
			continue
		}
		total += float64(st.Size()) / fileBytesPerRow(f.Path) * BytesPerRow
	}
	return int64(total)
}

// fileSpan is what the first pass learns of one file.
type fileSpan struct {
	datasets.InputFile
	lo, hi int64
	rows   int64
}

// SlicedRun is what RunSliced did, for messages and measurements.
type SlicedRun struct {
	Horizon int64
	Slices  [][2]int64
	MaxRows int // rows of the largest slice with its halos
}

// RunSliced is Run over opt's input cut into time slices whose tables hold
// at most maxRows rows each (see the comment above). The preset must have a
// finite horizon.
func RunSliced(ctx context.Context, opt Options, maxRows int) (*metrics.Report, *SlicedRun, error) {
	if err := checkSettings(&opt.Settings); err != nil {
		return nil, nil, err
	}
	h, err := opt.Config.Horizon()
	if err != nil {
		return nil, nil, err
	}
	if f := opt.Flags; f != "" && report.FormatOf(f) == "" {
		return nil, nil, optionErr("--flags", "%s: want a file ending in %s", f, strings.Join(report.Formats, ", "))
	}
	if len(opt.Input.Trades) == 0 || slices.Contains(opt.Input.Trades, "-") {
		return nil, nil, optionErr("--max-memory", "an out-of-core run reads --trades files (not the sample, not standard input)")
	}
	var named []Path
	if opt.Flags != "" {
		named = append(named, Path{Option: "--flags", Name: opt.Flags})
	}
	if opt.Out != "" {
		named = append(named, Path{Option: "--out", Name: opt.Out})
	}
	if err := opt.Input.CheckPaths(opt.Input.OutputPaths(named...)); err != nil {
		return nil, nil, err
	}
	files, err := datasets.ExpandInputs(opt.Input.Trades)
	if err != nil {
		return nil, nil, err
	}
	outs := NewOutputs(ctx, opt.Stdout)
	defer outs.Abort()

	// Pass 1: each file alone (its bad rows reported here, once).
	lopt := opt.Input.Load
	lopt.Funders, lopt.FundersFS, lopt.Allow, lopt.DenyFunders = "", nil, "", ""
	lopt.Context = ctx
	var rej *datasets.RejectsWriter
	if path := opt.Input.rejectsPath(); path != "" {
		w, err := outs.Create("--rejects", path)
		if err != nil {
			return nil, nil, err
		}
		rej = datasets.NewRejectsWriter(w)
	}
	var spans []fileSpan
	var stats datasets.LoadStats
	asOf, any := int64(0), false
	onReject := lopt.OnReject // called in input order, never concurrently
	if rej != nil {
		onReject = rej.Add
	}
	err = eachFile(ctx, files, lopt, onReject != nil, func(f datasets.InputFile, t *datasets.Trades, rejected []*datasets.RowError) error {
		for _, e := range rejected {
			onReject(e)
		}
		sp := fileSpan{InputFile: f, rows: int64(t.Len())}
		if t.Len() > 0 {
			sp.lo, sp.hi = slices.Min(t.Time), slices.Max(t.Time)
			if !any || sp.hi > asOf {
				asOf, any = sp.hi, true
			}
		}
		stats.RowsRead += t.Stats.RowsRead
		stats.RowsLoaded += t.Stats.RowsLoaded
		stats.RowsRejected += t.Stats.RowsRejected
		stats.RowsDuplicate += t.Stats.RowsDuplicate
		spans = append(spans, sp)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if rej != nil {
		if err := rej.Flush(); err != nil {
			return nil, nil, err
		}
	}
	s := opt.Settings
	if !s.Metrics.HasAsOf {
		s.Metrics.AsOf, s.Metrics.HasAsOf = asOf, true
	}
	cuts, maxSlice := cutSlices(spans, h, maxRows)
	run := &SlicedRun{Horizon: h, Slices: cuts, MaxRows: maxSlice}
	if opt.Notice != nil {
		what := "time slices"
		if len(cuts) == 1 {
			what = "time slice"
		}
		fmt.Fprintf(opt.Notice, "washscan: %d %s with halos of %s, the largest %d rows with its halos\n", len(cuts), what, graph.Human(h), maxSlice)
	}
	opt.stage("load")

	// Pass 2: the slices. Their loads skip bad rows silently (pass 1
	// reported them, or failed).
	lopt2 := opt.Input.Load
	lopt2.OnReject = func(*datasets.RowError) {}
	lopt2.Context = ctx
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Path
	}
	var sliceFiles []datasets.InputFile
	var merged *metrics.Partial
	var flags *datasets.AtomicFile
	var fw *bufio.Writer
	var fs *report.Stream
	if opt.Flags != "" {
		if flags, err = datasets.CreateAtomic(opt.Flags); err != nil {
			return nil, nil, err
		}
		defer flags.Abort()
		fw = bufio.NewWriterSize(flags, 1<<20)
		fopt := report.Options{
			Threshold: opt.Threshold,
			Dune:      s.Config.Preset.Name == registry.Dune.Name,
			Metadata:  metrics.FlagsMetadata(s.provenance(), metrics.InputInfo{Files: names, LoadStats: stats}),
		}
		if fs, err = report.NewStream(fw, report.FormatOf(opt.Flags), fopt); err != nil {
			return nil, nil, err
		}
		defer func() {
			if fs != nil {
				fs.Abort()
			}
		}()
	}
	for i, c := range cuts {
		if ctx.Err() != nil {
			return nil, nil, context.Cause(ctx)
		}
		sliceFiles = sliceFiles[:0]
		for _, sp := range spans {
			if sp.rows > 0 && sp.hi >= sat(c[0], -h) && sp.lo < sat(c[1], h) {
				sliceFiles = append(sliceFiles, sp.InputFile)
			}
		}
		if len(sliceFiles) == 0 {
			continue
		}
		sl, err := LoadSlice(ctx, sliceFiles, lopt2, c, h)
		if err != nil {
			return nil, nil, err
		}
		r, err := AnalyzeSlice(ctx, Slice{Trades: sl, From: c[0], To: c[1], SplitPartial: true}, s)
		if err != nil {
			return nil, nil, err
		}
		if fs != nil && len(r.Own) > 0 {
			if err := writeOwn(fs, sl, r); err != nil {
				return nil, nil, err
			}
		}
		if merged == nil {
			merged = r.Partial
		} else if err := merged.Merge(r.Partial); err != nil {
			return nil, nil, err
		}
		opt.stage(fmt.Sprintf("slice %d/%d: %d own rows, %d halo", i+1, len(cuts), len(r.Own), sl.Len()-len(r.Own)))
		sl, r = nil, nil
		if opt.AfterSlice != nil {
			opt.AfterSlice()
		}
	}
	if merged == nil {
		if merged, err = metrics.NewSplitPartial(s.Metrics); err != nil {
			return nil, nil, err
		}
	}
	opt.stage("detect")

	// Pass 3: the totals of the nfts and wallets with a flagged row, file
	// by file (the slices' partials hold only what flagged rows add).
	lopt3 := lopt2
	lopt3.Funders, lopt3.FundersFS, lopt3.DenyFunders = "", nil, ""
	err = eachFile(ctx, files, lopt3, false, func(_ datasets.InputFile, t *datasets.Trades, _ []*datasets.RowError) error {
		merged.AddTotals(features.Compute(t))
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	opt.stage("totals")
	rep, err := SliceReport(merged, s, names, &stats)
	if err != nil {
		return nil, nil, err
	}
	opt.stage("metrics")
	if opt.Out != "" {
		if err := outs.Add("--out", opt.Out, rep.WriteJSON); err != nil {
			return nil, nil, err
		}
	}
	if fs != nil {
		err := fs.Close()
		fs = nil
		if err != nil {
			return nil, nil, err
		}
		if err := fw.Flush(); err != nil {
			return nil, nil, err
		}
		if err := flags.Commit(); err != nil {
			return nil, nil, err
		}
	}
	if err := outs.Commit(); err != nil {
		return nil, nil, err
	}
	opt.stage("write")
	return rep, run, nil
}

// eachFile loads each file alone with opt, on up to GOMAXPROCS goroutines,
// and hands the tables to fn in file order, with the rows each load
// rejected when collect is set (opt.OnReject is then not called; else it
// may be called concurrently). A load's error, a cancelled ctx or fn's
// error stops it.
func eachFile(ctx context.Context, files []datasets.InputFile, opt datasets.LoadOptions, collect bool,
	fn func(f datasets.InputFile, t *datasets.Trades, rejected []*datasets.RowError) error) error {
	type loaded struct {
		t        *datasets.Trades
		rejected []*datasets.RowError
		err      error
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(files)))
	outs := make([]chan loaded, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range outs {
		outs[w] = make(chan loaded)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(outs[w])
			for k := w; k < len(files); k += workers {
				var l loaded
				o := opt
				if collect {
					o.OnReject = func(e *datasets.RowError) { l.rejected = append(l.rejected, e) }
				}
				l.t, l.err = datasets.LoadInputs(files[k:k+1], o)
				select {
				case outs[w] <- l:
				case <-stop:
					return
				}
				if l.err != nil {
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	for k, f := range files {
		l := <-outs[k%len(outs)]
		if l.err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return sideError(&opt, l.err)
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err := fn(f, l.t, l.rejected); err != nil {
			return err
		}
	}
	return nil
}

// writeOwn writes the flags of r's own rows of sl to fs: straight from sl
// when they are contiguous (time-ordered files), else from a copy.
func writeOwn(fs *report.Stream, sl *datasets.Trades, r *SliceResult) error {
	lo, hi := int(r.Own[0]), int(r.Own[len(r.Own)-1])+1
	if hi-lo == len(r.Own) {
		return fs.Write(sl, r.Scores, lo, hi)
	}
	return fs.Write(sl.Subset(r.Own), r.Scores.Subset(r.Own), 0, len(r.Own))
}

// sat is a + d, saturating at the int64 bounds (the open slice ends).
func sat(a, d int64) int64 {
	switch {
	case d > 0 && a > math.MaxInt64-d:
		return math.MaxInt64
	case d < 0 && a < math.MinInt64-d:
		return math.MinInt64
	}
	return a + d
}

// LoadSlice loads files (with the side tables of opt: funders, allow and
// deny lists) and keeps the rows of the slice c = [From, To) with halos of
// h on both sides, in input order: the table AnalyzeSlice takes. Give it
// every file that may hold such rows, in input order (the files of the
// whole input overlapping [From−h, To+h)). When the files hold few rows
// beyond the halos (at most an eighth, as time partitions cut across by a
// slice's edges do) it keeps them too rather than copy the table: rows
// farther than h from every own row change none of their verdicts. A bad
// row of a side file is an *OptionError, as for Load; with
// opt.SkipBadRows, opt.OnReject sees the rejected rows of these files.
func LoadSlice(ctx context.Context, files []datasets.InputFile, opt datasets.LoadOptions, c [2]int64, h int64) (*datasets.Trades, error) {
	if opt.Context == nil {
		opt.Context = ctx // a cancelled ctx stops the load
	}
	t, err := datasets.LoadInputs(files, opt)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, sideError(&opt, err)
	}
	lo, hi := Reach(c[0], c[1], h)
	out := 0
	for _, tm := range t.Time {
		if tm < lo || tm >= hi {
			out++
		}
	}
	if out <= t.Len()/8 {
		return t, nil
	}
	return TradesIn(t, lo, hi), nil
}

// Reach is the time range [lo, hi) = [from−h, to+h) whose trades the slice
// [from, to) with horizon h reads, saturating at the int64 bounds (the
// open slice ends).
func Reach(from, to, h int64) (lo, hi int64) { return sat(from, -h), sat(to, h) }

// TradesIn returns the trades of t with a time in [lo, hi), in order: t
// itself when that is all of them.
func TradesIn(t *datasets.Trades, lo, hi int64) *datasets.Trades {
	var rows []int32
	for i, tm := range t.Time {
		if tm >= lo && tm < hi {
			rows = append(rows, int32(i))
		}
	}
	if len(rows) == t.Len() {
		return t
	}
	return t.Subset(rows)
}

// cutSlices cuts the time span of the files into slices [from, to) (the
// first from math.MinInt64, the last to math.MaxInt64) of equal width, as
// few as keep the rows of the files overlapping each slice and its halos
// at most maxRows, where that is possible; it returns the cuts and the
// largest such row count.
//
// It doubles the number of slices until the largest fits. When no number
// of slices fits (the halos, 2H, or single files hold more than maxRows),
// more slices would multiply the rows read (every slice reads its halos)
// for little memory: it then keeps the doublings that each shrink the
// largest slice by at least a quarter, and the largest slice exceeds
// maxRows (the caller says so). Cost: O(k·files) per doubling, k ≤ 2^14.
func cutSlices(spans []fileSpan, h int64, maxRows int) ([][2]int64, int) {
	lo, hi, any := int64(0), int64(0), false
	var total int64
	for _, sp := range spans {
		if sp.rows == 0 {
			continue
		}
		if !any {
			lo, hi, any = sp.lo, sp.hi, true
		}
		lo, hi = min(lo, sp.lo), max(hi, sp.hi)
		total += sp.rows
	}
	whole := [][2]int64{{math.MinInt64, math.MaxInt64}}
	if !any || total <= int64(maxRows) {
		return whole, int(total)
	}
	// Double the slices while it helps: the halos bound what it can do.
	type cut struct {
		cuts  [][2]int64
		worst int64
	}
	cands := []cut{{whole, total}}
	for k := 2; k <= 1<<14; k *= 2 {
		width := (hi - lo + int64(k)) / int64(k)
		if width < 1 {
			break
		}
		cuts := make([][2]int64, k)
		for i := range cuts {
			cuts[i] = [2]int64{lo + int64(i)*width, lo + int64(i+1)*width}
		}
		cuts[0][0], cuts[k-1][1] = math.MinInt64, math.MaxInt64
		worst := int64(0)
		for _, c := range cuts {
			var n int64
			for _, sp := range spans {
				if sp.rows > 0 && sp.hi >= sat(c[0], -h) && sp.lo < sat(c[1], h) {
					n += sp.rows
				}
			}
			worst = max(worst, n)
		}
		if worst >= cands[len(cands)-1].worst {
			break // the halos (or one file) dominate: more slices only cost
		}
		cands = append(cands, cut{cuts, worst})
		if worst <= int64(maxRows) {
			return cuts, int(worst) // the fewest slices that fit
		}
	}
	// No cut fits: stop where a doubling no longer shrinks the largest
	// slice by a quarter.
	best := cands[0]
	for _, c := range cands[1:] {
		if c.worst > best.worst-best.worst/4 {
			break
		}
		best = c
	}
	return best.cuts, int(best.worst)
}
