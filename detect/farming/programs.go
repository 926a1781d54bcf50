package farming

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

// programsCSV is the built-in list of marketplace trading-reward programs,
// one source per entry (README "Reward programs").
//
//go:embed programs.csv
var programsCSV string

// DefaultPrograms returns the built-in reward programs.
func DefaultPrograms() []detect.RewardProgram {
	ps, err := ParsePrograms(strings.NewReader(programsCSV), "programs.csv")
	if err != nil {
		panic("farming: built-in programs.csv: " + err.Error()) // a build error, checked by the tests
	}
	return ps
}

// ReadPrograms reads a reward programs CSV file (see ParsePrograms); an
// unreadable file is a datasets.FileError.
func ReadPrograms(path string) ([]detect.RewardProgram, error) {
	return datasets.ParseFile(path, ParsePrograms)
}

var programColumns = []string{"chain", "platform", "start", "end", "rewarded", "source"}

// ParsePrograms reads reward programs from CSV with the header
// chain,platform,start,end,rewarded,source: chain and platform as Dune
// spells them (compared in lower case), start and end dates or times (end
// exclusive; empty start: since ever, empty end: ongoing), rewarded true or
// false, and a source saying where the dates come from (required). Errors
// are datasets.RowError values naming the file, line and column.
func ParsePrograms(r io.Reader, name string) ([]detect.RewardProgram, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(programColumns)
	head, err := cr.Read()
	if err != nil {
		return nil, &datasets.RowError{File: name, Line: 1, Err: fmt.Errorf("reward programs header: %w", err)}
	}
	for i, c := range programColumns {
		if strings.ToLower(strings.TrimSpace(head[i])) != c {
			return nil, &datasets.RowError{File: name, Line: 1, Err: fmt.Errorf("reward programs header: want %s", strings.Join(programColumns, ","))}
		}
	}
	var out []detect.RewardProgram
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, &datasets.RowError{File: name, Line: int64(line), Err: err}
		}
		line, _ := cr.FieldPos(0)
		bad := func(col string, err error) error {
			return &datasets.RowError{File: name, Line: int64(line), Column: col, Err: err}
		}
		p := detect.RewardProgram{
			Chain:    strings.ToLower(strings.TrimSpace(rec[0])),
			Platform: strings.ToLower(strings.TrimSpace(rec[1])),
			Source:   strings.TrimSpace(rec[5]),
		}
		if p.Chain == "" || p.Platform == "" {
			return nil, bad("platform", errors.New("chain and platform are required"))
		}
		for i, dst := range []*int64{&p.Start, &p.End} {
			if s := strings.TrimSpace(rec[2+i]); s != "" {
				t, err := datasets.ParseTime(s, "")
				if err != nil {
					return nil, bad(programColumns[2+i], err)
				}
				*dst = t
			}
		}
		if p.End != 0 && p.End <= p.Start {
			return nil, bad("end", fmt.Errorf("end %s is not after start %s", rec[3], rec[2]))
		}
		switch strings.ToLower(strings.TrimSpace(rec[4])) {
		case "true":
			p.Rewarded = true
		case "false":
		default:
			return nil, bad("rewarded", fmt.Errorf("want true or false, got %q", rec[4]))
		}
		if p.Source == "" {
			return nil, bad("source", errors.New("every program needs a source"))
		}
		out = append(out, p)
	}
}

// rewarded tells, for the rows of a table, whether their marketplace paid
// trading rewards at their time: per platform id, the rewarded periods with
// their chain. Start −2⁶³ stands for since ever (an empty start).
type rewarded [][]period

type period struct {
	chain      uint32
	start, end int64
}

func newRewarded(t *datasets.Trades, ps []detect.RewardProgram) rewarded {
	m := make(rewarded, t.Platforms.Len())
	for _, p := range ps {
		if !p.Rewarded {
			continue
		}
		c, ok1 := t.Chains.Lookup(p.Chain)
		pl, ok2 := t.Platforms.Lookup(p.Platform)
		if !ok1 || !ok2 {
			continue
		}
		end := p.End
		if end == 0 {
			end = 1<<63 - 1
		}
		start := p.Start
		if start == 0 {
			start = -1 << 63
		}
		m[pl] = append(m[pl], period{c, start, end})
	}
	return m
}

// at reports whether row r traded inside a rewarded program: a slice
// lookup by platform, no hashing, as it runs once per NFT row.
func (m rewarded) at(t *datasets.Trades, r int32) bool {
	p := t.Platform[r]
	if int(p) >= len(m) {
		return false
	}
	for _, iv := range m[p] {
		if tm := t.Time[r]; iv.chain == t.Chain[r] && tm >= iv.start && tm < iv.end {
			return true
		}
	}
	return false
}
