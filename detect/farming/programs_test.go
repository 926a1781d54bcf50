package farming

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/graph/graphtest"
	"github.com/washscan/washscan/features"
)

// TestDefaultPrograms checks the built-in list: it parses, every entry has
// a source, and it holds the programs README "Reward programs" names.
func TestDefaultPrograms(t *testing.T) {
	ps := DefaultPrograms()
	has := map[string]bool{}
	for _, p := range ps {
		if p.Rewarded {
			has[p.Platform] = true
		}
		if p.Source == "" || p.Chain != "ethereum" {
			t.Errorf("program %+v", p)
		}
	}
	for _, name := range []string{"looksrare", "x2y2", "blur"} {
		if !has[name] {
			t.Errorf("no rewarded program for %s", name)
		}
	}
}

func TestParseProgramsErrors(t *testing.T) {
	head := "chain,platform,start,end,rewarded,source\n"
	for _, tc := range []struct{ in, col string }{
		{head + "ethereum,looksrare,2022-01-10,,maybe,x\n", "rewarded"},
		{head + "ethereum,looksrare,2022-01-10,2021-01-01,true,x\n", "end"},
		{head + "ethereum,looksrare,tomorrow,,true,x\n", "start"},
		{head + "ethereum,looksrare,2022-01-10,,true,\n", "source"},
		{head + ",looksrare,2022-01-10,,true,x\n", "platform"},
		{"chain,platform,start,end,paid,source\n", ""},
	} {
		_, err := ParsePrograms(strings.NewReader(tc.in), "p.csv")
		var re *datasets.RowError
		if !errors.As(err, &re) || re.Column != tc.col || re.File != "p.csv" {
			t.Errorf("%q: error %v, want a RowError on column %q", tc.in, err, tc.col)
		}
	}
	ps, err := ParsePrograms(strings.NewReader(head+"Ethereum,Blur,2022-10-19,,true,\"a, b\"\n"), "p.csv")
	if err != nil || len(ps) != 1 || ps[0].Platform != "blur" || ps[0].End != 0 || ps[0].Start != 1666137600 {
		t.Errorf("programs %+v, error %v", ps, err)
	}
}

// TestProgramsGate checks that Input.RewardPrograms replaces the built-in
// list: an empty list flags nothing, a program covering the rows flags them.
func TestProgramsGate(t *testing.T) {
	rows := pass([]string{"a", "b", "c"}, 1, 14, 0, "punks", true)
	fs := features.Compute(graphtest.Trades(rows))
	for _, tc := range []struct {
		progs []detect.RewardProgram
		want  int
	}{
		{nil, 0},
		// One hour of the program holds one row: too few tokens for a group.
		{[]detect.RewardProgram{{Chain: "ethereum", Platform: "punks", Start: base, End: base + 3600, Rewarded: true, Source: "t"}}, 0},
		{[]detect.RewardProgram{{Chain: "ethereum", Platform: "punks", Start: base, End: base + 14*3600, Rewarded: true, Source: "t"}}, 14},
		{[]detect.RewardProgram{{Chain: "ethereum", Platform: "punks", Rewarded: true, Source: "t"}}, 14},
		{[]detect.RewardProgram{{Chain: "ethereum", Platform: "punks", Rewarded: false, Source: "t"}}, 0},
	} {
		in := &detect.Input{Features: fs, RewardPrograms: &detect.RewardPrograms{List: tc.progs}}
		res, err := detect.Run(context.Background(), in, []*detect.Detector{Detector}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Findings[Detector.Name]); got != tc.want {
			t.Errorf("programs %+v: %d findings, want %d", tc.progs, got, tc.want)
		}
	}
}

// TestDenseGroup checks that the groups reward_farming leaves out (no
// program, no platform) are dense_group's, and only those.
func TestDenseGroup(t *testing.T) {
	for _, tc := range []struct {
		platform string
		want     int
	}{{"cryptopunks", 14}, {"", 14}, {"looksrare", 0}} {
		rows := pass([]string{"a", "b", "c"}, 1, 14, 0, tc.platform, true)
		_, fs := graphtest.Run(t, graphtest.Trades(rows), DenseGroup, nil)
		if len(fs) != tc.want {
			t.Errorf("platform %q: %d dense_group findings, want %d", tc.platform, len(fs), tc.want)
		}
		if len(fs) > 0 && !strings.Contains(fs[0].Evidence, "outside any reward program") {
			t.Errorf("evidence %q", fs[0].Evidence)
		}
	}
}

// FuzzParsePrograms checks that any reward programs file either fails
// with an error or yields programs that keep the format's rules.
func FuzzParsePrograms(f *testing.F) {
	f.Add(programsCSV)
	f.Add("chain,platform,start,end,rewarded,source\nethereum,blur,2022-10-19,,true,x\n")
	f.Add("chain,platform,start,end,rewarded,source\n\"a\nb\",x,,,false,y\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParsePrograms(strings.NewReader(in), "f.csv")
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Chain == "" || p.Platform == "" || p.Source == "" || (p.End != 0 && p.End <= p.Start) {
				t.Fatalf("accepted %+v from %q", p, in)
			}
		}
	})
}
