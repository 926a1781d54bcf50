package graph

import "fmt"

// Span is a window over a row list: positions [Lo, Hi) of the list, whose
// window starts at unix time Start.
type Span struct {
	Lo, Hi int
	Start  int64
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Sliding returns the non-empty windows [k·hop, k·hop+width) over rows,
// whose times time[rows[i]] must be non-decreasing (canonical order). A
// window whose rows are a subset of the previous window's is left out, so
// every returned span adds at least one row. hop ≤ 0 or hop > width means
// hop = width (tumbling windows). Any group of rows spanning at most
// width − hop seconds lies inside one returned window. Time O(len(rows) +
// windows); empty stretches are skipped, not stepped through.
func Sliding(rows []int32, time []int64, width, hop int64) []Span {
	return sliding(nil, rows, time, width, hop, false)
}

// AppendSliding appends the spans of Sliding to dst and returns the
// extended slice, for callers that reuse one buffer over many row lists.
func AppendSliding(dst []Span, rows []int32, time []int64, width, hop int64) []Span {
	return sliding(dst, rows, time, width, hop, false)
}

// SlidingAll is Sliding leaving out no non-empty window: also those whose
// rows all lie in a neighbouring window. A test that is not monotone in the
// rows of a window (a group that a larger window merges into one too large,
// or dilutes) needs them all.
func SlidingAll(rows []int32, time []int64, width, hop int64) []Span {
	return sliding(nil, rows, time, width, hop, true)
}

// AppendSlidingAll appends the spans of SlidingAll to dst and returns the
// extended slice.
func AppendSlidingAll(dst []Span, rows []int32, time []int64, width, hop int64) []Span {
	return sliding(dst, rows, time, width, hop, true)
}

func sliding(out []Span, rows []int32, time []int64, width, hop int64, all bool) []Span {
	n := len(rows)
	if n == 0 || width <= 0 {
		if n > 0 {
			return append(out, Span{0, n, time[rows[0]]})
		}
		return out
	}
	if hop <= 0 || hop > width {
		hop = width
	}
	// first is the first window that holds a row at time t: the one
	// starting at or before t (Sliding), or the earliest ending after t.
	first := func(t int64) int64 {
		if all {
			return floorDiv(t-width, hop) + 1
		}
		return floorDiv(t, hop)
	}
	lo, hi, prevHi := 0, 0, 0
	k := first(time[rows[0]])
	for lo < n {
		start := k * hop
		end := start + width
		for lo < n && time[rows[lo]] < start {
			lo++
		}
		if lo == n {
			break
		}
		if t := time[rows[lo]]; t >= end {
			k = first(t)
			continue
		}
		if hi < lo {
			hi = lo
		}
		for hi < n && time[rows[hi]] < end {
			hi++
		}
		if all || hi > prevHi {
			out = append(out, Span{lo, hi, start})
			prevHi = hi
		}
		k++
	}
	return out
}

// Human renders a duration in seconds the way evidence strings do: an
// exact number of weeks, days or hours as 1w, 1d, 12h; otherwise 45s, 12m,
// 5h, 2d (rounded down; hours up to two days, then days).
func Human(sec int64) string {
	switch {
	case sec > 0 && sec%(7*86400) == 0:
		return fmt.Sprintf("%dw", sec/(7*86400))
	case sec > 0 && sec%86400 == 0:
		return fmt.Sprintf("%dd", sec/86400)
	case sec < 60:
		return fmt.Sprintf("%ds", max(sec, 0))
	case sec < 3600:
		return fmt.Sprintf("%dm", sec/60)
	case sec < 2*86400:
		return fmt.Sprintf("%dh", sec/3600)
	}
	return fmt.Sprintf("%dd", sec/86400)
}
