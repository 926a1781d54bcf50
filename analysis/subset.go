package analysis

import "github.com/washscan/washscan/detect"

// SubsetScores returns the scores of rows (ascending indices into sc), as
// Trades.Subset returns their trades: the flags of a slice's own rows
// (washscan-beam, dist/beam).
func SubsetScores(sc *detect.Scores, rows []int32) *detect.Scores { return subsetScores(sc, rows) }
