// Package bench measures washscan's detectors against labeled trade
// histories (docs/contract.md §5): it runs every preset through the same pipeline as
// `washscan analyze` (features → detectors → scores) and compares the scores
// with the is_wash labels at three levels.
//
// Trade level: every row with a label (rows with an empty is_wash are left
// out) is one sample; a row is predicted wash when its score is ≥ the
// threshold (default 0.5).
//
// Wallet level: every known wallet that is seller or buyer of a labeled row is
// one sample; it is wash when it is seller or buyer of a wash-labeled row, and
// its score is the largest score among its labeled rows.
//
// Collection level: every contract with a labeled sale (price > 0) is one
// sample; its truth is its share of wash-labeled sales among its labeled
// sales, its prediction the suspect-sales ratio (flagged labeled sales over
// labeled sales, flagged meaning score ≥ threshold). The report gives the mean
// absolute error, root mean square error and Pearson and Spearman
// correlations of prediction against truth, and a classification: a
// collection is wash when its true share is ≥ the collection cut-off (default
// 0.10, see DefaultCollectionCut) and predicted wash when its suspect-sales
// ratio is ≥ the same cut-off.
//
// Runs: each preset's combined score ("preset:NAME"), the union of a preset's
// flagging detectors with each row scored by its strongest finding
// ("union:NAME"), and each flagging detector alone ("detector:NAME", score =
// its finding's strength, 0 where it reported nothing).
//
// Every metric is computed by the plain functions of this package
// (Classify, AveragePrecision, ROCAUC, MannWhitneyAUC, PRCurve, Spearman,
// Pearson), which can be used on their own.
package bench
