package datasets

import (
	"fmt"
	"strings"
)

// header resolves the column names of a file (README "Input": one name, one
// column): idx[k] is the position of canonical column k, or -1. It fails on
// a canonical column named twice at the same rank (naming both positions),
// on a missing required column (listing the file's columns and suggesting
// the likely one), and, when the load has one file, on a --map source column
// the file lacks (a usage error; with several files that is checked once
// all are read, by checkMapSeen).
func (b *builder) header(cfg *loadConfig, names []string, file string, parquet bool) ([numCols]int, error) {
	idx, dup := cfg.resolveStrict(names)
	line := int64(1)
	if parquet {
		line = 0 // a schema, not a line: the message names the file alone
	}
	if dup != nil {
		return idx, &RowError{File: file, Line: line, Parquet: parquet, Column: CanonicalColumns[dup.col],
			Err: fmt.Errorf("%w: %s and %s both name column %s (keep one, or choose with --map)", ErrBadValue,
				colPos(names, dup.first, parquet), colPos(names, dup.second, parquet), CanonicalColumns[dup.col])}
	}
	for _, n := range names {
		if _, ok := cfg.mapRev[normHeader(n)]; ok {
			cfg.mapSeen[normHeader(n)] = true
		}
	}
	if cfg.nfiles == 1 {
		if err := cfg.checkMapSeen(names); err != nil {
			return idx, err
		}
	}
	b.noLogIndex = idx[colLogIndex] < 0 && !cfg.hasSet[colLogIndex]
	if col, ok := cfg.checkHeader(&idx); !ok {
		hint := fmt.Sprintf("use --map %s=THEIRS or --set %s=VALUE", col, col)
		if s := suggestColumn(col, names); s != "" {
			hint = fmt.Sprintf("did you mean --map %s=%s?", col, s)
		}
		what := "header"
		if parquet {
			what = "file"
		}
		return idx, &RowError{File: file, Line: line, Parquet: parquet, Column: col,
			Err: fmt.Errorf("%w: the %s has no %s column (its columns: %s); %s", ErrMissing, what, col, listColumns(names), hint)}
	}
	return idx, nil
}

// colPos names column i of a header: "column 3 (Price)".
func colPos(names []string, i int, parquet bool) string {
	return fmt.Sprintf("column %d (%q)", i+1, clip(names[i]))
}

// listColumns lists a header's names for a message, at most 40 of them.
func listColumns(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	var sb strings.Builder
	for i, n := range names {
		if i == 40 {
			fmt.Fprintf(&sb, ", … %d more", len(names)-40)
			break
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(clip(n))
	}
	return sb.String()
}

// checkMapSeen reports a --map source column that no file read so far had,
// as a usage error listing names (the last file's columns).
func (c *loadConfig) checkMapSeen(names []string) error {
	for _, k := range sortedKeys(c.mapSrc) {
		if !c.mapSeen[normHeader(c.mapSrc[k])] {
			where := "the file has no column"
			if c.nfiles > 1 {
				where = "no input file has a column"
			}
			return fmt.Errorf("--map %s=%s: %w: %s %q (its columns: %s)", k, c.mapSrc[k], ErrBadOption, where, c.mapSrc[k], listColumns(names))
		}
	}
	return nil
}

// suggestColumn returns the column of names most likely meant as canonical
// column col: one whose normalized name contains col or a known alias of it
// as a word (buyer_address, nft_buyer, evt_tx_hash), else one within edit
// distance 2 (byer, pirce); "" when none or when the choice is not clear.
func suggestColumn(col string, names []string) string {
	var best string
	bestScore := 0
	clear := true
	for _, n := range names {
		h := normHeader(n)
		score := 0
		switch {
		case containsWord(h, col):
			score = 3
		case editDistance(h, col, 2) <= 2:
			score = 2
		}
		if score == 0 {
			continue
		}
		switch {
		case score > bestScore:
			best, bestScore, clear = n, score, true
		case score == bestScore:
			clear = false
		}
	}
	if !clear {
		return ""
	}
	return best
}

// containsWord reports whether w occurs in h between word boundaries
// (start, end, or a non-letter).
func containsWord(h, w string) bool {
	for i := 0; ; {
		j := strings.Index(h[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isLetter(h[j-1])
		after := j+len(w) == len(h) || !isLetter(h[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// editDistance is the Levenshtein distance of a and b, or max+1 when it
// exceeds max (names are short; O(len(a)·len(b))).
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max || len(a) > 64 || len(b) > 64 {
		return max + 1
	}
	return min(EditDistance(a, b), max+1)
}

// EditDistance is the Levenshtein distance between a and b (bytes), in
// O(len(a)·len(b)) time: meant for short names such as column headers and
// command-line flags.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// dupColumn is a canonical column named twice at the same rank.
type dupColumn struct{ col, first, second int }

// resolveStrict is resolve, and reports the first canonical column that two
// names give at the same rank (the same name twice after trimming and
// lower-casing, two aliases of one column, or two --map sources).
func (c *loadConfig) resolveStrict(names []string) (idx [numCols]int, dup *dupColumn) {
	prio := [numCols]int{}
	for i := range idx {
		idx[i] = -1
	}
	for pos, raw := range names {
		ci, p := c.rank(normHeader(raw))
		if ci < 0 {
			continue
		}
		switch {
		case p > prio[ci]:
			idx[ci], prio[ci] = pos, p
		case p == prio[ci] && dup == nil:
			dup = &dupColumn{ci, idx[ci], pos}
		}
	}
	return idx, dup
}

// rank returns the canonical column a normalized name gives and its rank:
// 3 for a --map source, 2 for the canonical name, 1 for a Dune alias.
func (c *loadConfig) rank(h string) (int, int) {
	if m, ok := c.mapRev[h]; ok {
		return m, 3
	}
	if m, ok := columnIndex[h]; ok {
		return m, 2
	}
	if a, ok := duneAliases[h]; ok {
		return columnIndex[a], 1
	}
	return -1, 0
}
