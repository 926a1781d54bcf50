package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/washscan/washscan/datasets"
)

// printVersion prints the release version (the one the metrics carry as
// washscan.version, so outputs of one release compare byte for byte) and,
// from the build information, the module version, the VCS commit and the
// Go version.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "washscan %s\n", version)
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(w, "build information not available")
		return
	}
	fmt.Fprintf(w, "module   %s %s\n", bi.Main.Path, bi.Main.Version)
	commit, modified, when := "unknown", false, ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		case "vcs.time":
			when = s.Value
		}
	}
	if modified {
		commit += " (modified)"
	}
	if when != "" {
		commit += " " + when
	}
	fmt.Fprintf(w, "commit   %s\n", commit)
	fmt.Fprintf(w, "go       %s\n", bi.GoVersion)
}

func commandNames() []string {
	names := []string{"help", "version"}
	for _, c := range commands {
		names = append(names, c.name)
	}
	return names
}

// didYouMean returns ` (did you mean "x"?)` for the candidate nearest to s
// by edit distance, when it is near enough; "" otherwise.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := datasets.EditDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(s)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// flagHint suggests the nearest defined flag for an undefined one.
func flagHint(err error, fs *flag.FlagSet) string {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return ""
	}
	name = strings.TrimLeft(name, "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	h := didYouMean(name, names)
	if h == "" {
		return ""
	}
	// " (did you mean "x"?)" → " (did you mean --x?)"
	best := h[len(` (did you mean "`) : len(h)-len(`"?)`)]
	return " (did you mean --" + best + "?)"
}
