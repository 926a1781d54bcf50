package main

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/farming"
)

// loadFlags are the input flags shared by analyze, bench and calibrate.
type loadFlags struct {
	trades      multiFlag
	funders     string
	mapCols     kvFlag
	setCols     kvFlag
	timeFormat  string
	allow       string
	denyFunders string
	skipBad     bool
	rejects     string
	// reward programs (detect/farming): files added to the built-in list,
	// or replacing it under noDefaultPrograms.
	programs          multiFlag
	noDefaultPrograms bool
}

func (l *loadFlags) register(fs *flag.FlagSet) {
	l.mapCols = kvFlag{}
	l.setCols = kvFlag{}
	fs.Var(&l.trades, "trades", "trades `FILE` (CSV, Parquet, JSON Lines; .gz/.zst; - for CSV on stdin); repeat for one dataset of several files")
	fs.StringVar(&l.funders, "funders", "", "first-funder CSV `FILE` (wallet,funder[,block_time])")
	fs.Var(l.mapCols, "map", "rename columns: `canonical=theirs[,...]` (repeatable)")
	fs.Var(l.setCols, "set", "constant for a missing column: `column=value[,...]` (repeatable)")
	fs.StringVar(&l.timeFormat, "time-format", "", "Go time `LAYOUT` for block_time values the built-in forms do not read (e.g. 01/02/06)")
	fs.StringVar(&l.allow, "allow", "", "`FILE` of addresses treated as unknown (escrows, aggregators, marketplace vaults)")
	fs.StringVar(&l.denyFunders, "deny-funders", "", "`FILE` of funders that never link wallets (exchanges, bridges, mixers)")
	fs.BoolVar(&l.skipBad, "skip-bad-rows", false, "keep going past bad rows, writing them to --rejects")
	fs.StringVar(&l.rejects, "rejects", "rejects.csv", "`FILE` for rows rejected under --skip-bad-rows")
	fs.Var(&l.programs, "reward-programs", "CSV `FILE` of marketplace trading-reward programs (chain,platform,start,end,rewarded,source) added to the built-in list (repeatable)")
	fs.BoolVar(&l.noDefaultPrograms, "no-default-reward-programs", false, "start from an empty reward program list instead of the built-in one")
}

// input is a loaded dataset with its side tables.
type input struct {
	trades      *datasets.Trades
	funders     *datasets.Funders
	denyFunders map[datasets.AddrID]bool
	programs    *detect.RewardPrograms // nil: the built-in list
}

// load reads the files named by the flags. With no --trades it returns
// ok=false and loads nothing, so the caller can choose a default.
func (l *loadFlags) load(e *env) (in *input, ok bool, err error) {
	if len(l.trades) == 0 {
		return nil, false, nil
	}
	opt := datasets.LoadOptions{
		Map:         l.mapCols,
		Set:         l.setCols,
		TimeFormat:  l.timeFormat,
		SkipBadRows: l.skipBad,
		Stdin:       e.stdin,
	}
	if f, isFile := e.stderr.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
		opt.Progress = e.stderr
	}
	var rej *datasets.RejectsFile
	if l.skipBad {
		rej, err = datasets.CreateRejects(l.rejects)
		if err != nil {
			return nil, false, err
		}
		defer rej.Abort()
		opt.OnReject = rej.Add
	}
	t, err := datasets.Load(l.trades, opt)
	if err != nil {
		return nil, false, err
	}
	if rej != nil {
		if err := rej.Commit(); err != nil {
			return nil, false, err
		}
		if t.Stats.RowsRejected > 0 {
			fmt.Fprintf(e.stderr, "washscan: %d bad rows skipped, listed in %s\n", t.Stats.RowsRejected, l.rejects)
		}
	}
	in, err = l.sideTables(t)
	return in, true, err
}

// sideTables loads --allow, --funders and --deny-funders against t.
func (l *loadFlags) sideTables(t *datasets.Trades) (*input, error) {
	in := &input{trades: t, denyFunders: map[datasets.AddrID]bool{}}
	if l.noDefaultPrograms || len(l.programs) > 0 {
		in.programs = &detect.RewardPrograms{}
		if !l.noDefaultPrograms {
			in.programs.List = farming.DefaultPrograms()
		}
		for _, path := range l.programs {
			ps, err := farming.ReadPrograms(path)
			if err != nil {
				return nil, err
			}
			in.programs.List = append(in.programs.List, ps...)
		}
	}
	// Funders first: LoadFunders interns funder addresses that no trade
	// names, and an allow-listed funder must be unknown too (SPEC §1.3:
	// never a wallet, node or link).
	if l.funders != "" {
		f, err := datasets.LoadFunders(l.funders, t)
		if err != nil {
			return nil, err
		}
		in.funders = f
	}
	if l.allow != "" {
		list, err := datasets.ReadAddressList(l.allow)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if id, ok := t.Addrs.Lookup(a); ok {
				t.Addrs.MarkUnknown(id)
			}
		}
	}
	if l.denyFunders != "" {
		list, err := datasets.ReadAddressList(l.denyFunders)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if id, ok := t.Addrs.Lookup(a); ok {
				in.denyFunders[id] = true
			}
		}
	}
	return in, nil
}
