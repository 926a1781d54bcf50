package main

import (
	"strings"
	"testing"
)

func TestSuggestions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"analyse"}, []string{`unknown command "analyse" (did you mean "analyze"?)`, "washscan help"}},
		{[]string{"verison"}, []string{`(did you mean "version"?)`}},
		{[]string{"analyze", "--trade", "x.csv"}, []string{"flag provided but not defined: -trade (did you mean --trades?)",
			"run 'washscan help analyze' for usage"}},
		{[]string{"analyze", "--rnage", "7d"}, []string{"(did you mean --range?)"}},
		{[]string{"synth", "--zzzzzzzz"}, []string{"flag provided but not defined: -zzzzzzzz\nrun 'washscan help synth' for usage"}},
	} {
		code, _, stderr := runCmd(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d", c.args, code)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, stderr, w)
			}
		}
		// One line of error, one pointing to help: no usage dump.
		if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 1 {
			t.Errorf("%v: %d lines on stderr:\n%s", c.args, n+1, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "washscan "+version+"\n") || !strings.Contains(out, "go ") || !strings.Contains(out, "commit") {
		t.Errorf("version: exit %d\n%s", code, out)
	}
	_, help, _ := runCmd(t, "help")
	if !strings.Contains(help, "\n  version ") {
		t.Errorf("help does not list version:\n%s", help)
	}
	if code, _, _ := runCmd(t, "analyze", "-h"); code != 0 {
		t.Errorf("analyze -h: exit %d", code)
	}
}
