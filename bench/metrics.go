package bench

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"

	"github.com/washscan/washscan/detect"
)

// Classification is the quality of a score as a binary classifier of labels:
// the confusion counts and rates at Threshold (a row is predicted positive
// when its score is ≥ Threshold) and the ranking areas.
type Classification struct {
	detect.Confusion
	// PRAUC is the average precision (see AveragePrecision); NaN without positives.
	PRAUC float64 `json:"pr_auc"`
	// ROCAUC is the area under the ROC curve (see ROCAUC); NaN unless both classes occur.
	ROCAUC float64 `json:"roc_auc"`
}

// Classify scores labels (true = positive) with scores at threshold:
// counts, precision, recall, F1, average precision and ROC-AUC.
// Time O(n log n).
func Classify(scores []float64, labels []bool, threshold float64) Classification {
	if len(scores) != len(labels) {
		panic("bench: scores and labels differ in length")
	}
	c := Classification{Confusion: detect.Confusion{Threshold: threshold}}
	for i, s := range scores {
		c.Add(s, labels[i])
	}
	c.Finish()
	c.PRAUC = AveragePrecision(scores, labels)
	c.ROCAUC = ROCAUC(scores, labels)
	return c
}

// PRPoint is one point of a precision–recall curve: classifying score ≥
// Threshold as positive gives Precision and Recall.
type PRPoint struct {
	Threshold float64 `json:"threshold"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// PRCurve returns the precision–recall curve of scores against labels, one
// point per distinct score, thresholds descending (recall non-decreasing).
// Rows with equal scores enter together. It returns nil when there are no
// positives. Time O(n log n).
func PRCurve(scores []float64, labels []bool) []PRPoint {
	idx := descending(scores)
	npos := 0
	for _, l := range labels {
		if l {
			npos++
		}
	}
	if npos == 0 {
		return nil
	}
	var out []PRPoint
	tp, fp := 0, 0
	for k := 0; k < len(idx); {
		s := scores[idx[k]]
		for ; k < len(idx) && scores[idx[k]] == s; k++ {
			if labels[idx[k]] {
				tp++
			} else {
				fp++
			}
		}
		out = append(out, PRPoint{Threshold: s, Precision: float64(tp) / float64(tp+fp), Recall: float64(tp) / float64(npos)})
	}
	return out
}

// AveragePrecision is the area under the precision–recall curve as average
// precision (SPEC §5), the step-wise sum over the distinct thresholds t_k of
// the scores, descending:
//
//	AP = Σ_k (R_k − R_{k−1}) · P_k,  R_0 = 0,
//
// where P_k and R_k are the precision and recall of "score ≥ t_k". Tied
// scores form one step. Rows no detector flagged (score 0) form the last
// step, so a classifier that misses a positive is credited only the base
// rate for it. It returns NaN when there are no positives. Time O(n log n).
func AveragePrecision(scores []float64, labels []bool) float64 {
	curve := PRCurve(scores, labels)
	if curve == nil {
		return math.NaN()
	}
	ap, prev := 0.0, 0.0
	for _, p := range curve {
		ap += (p.Recall - prev) * p.Precision
		prev = p.Recall
	}
	return ap
}

// ROCAUC is the area under the receiver operating characteristic curve,
// computed with gonum's stat.ROC over every distinct score and the
// trapezoidal rule (integrate.Trapezoidal). With ties counted as one half it
// equals the Mann–Whitney statistic, see MannWhitneyAUC. It returns NaN
// unless both classes occur. Time O(n log n).
func ROCAUC(scores []float64, labels []bool) float64 {
	npos, nneg := count(labels)
	if npos == 0 || nneg == 0 {
		return math.NaN()
	}
	y := append([]float64(nil), scores...)
	cl := append([]bool(nil), labels...)
	stat.SortWeightedLabeled(y, cl, nil)
	tpr, fpr, _ := stat.ROC(nil, y, cl, nil)
	return integrate.Trapezoidal(fpr, tpr)
}

// MannWhitneyAUC is the ROC-AUC as the probability that a random positive
// scores above a random negative, ties counting one half:
//
//	AUC = (Σ_{i positive} rank_i − n₊(n₊+1)/2) / (n₊ · n₋),
//
// with ranks 1…n ascending and tied scores given their average rank. It
// returns NaN unless both classes occur. Time O(n log n).
func MannWhitneyAUC(scores []float64, labels []bool) float64 {
	npos, nneg := count(labels)
	if npos == 0 || nneg == 0 {
		return math.NaN()
	}
	r := Ranks(scores)
	sum := 0.0
	for i, l := range labels {
		if l {
			sum += r[i]
		}
	}
	p, n := float64(npos), float64(nneg)
	return (sum - p*(p+1)/2) / (p * n)
}

func count(labels []bool) (pos, neg int) {
	for _, l := range labels {
		if l {
			pos++
		} else {
			neg++
		}
	}
	return pos, neg
}

// Ranks returns the 1-based ascending ranks of x, tied values sharing their
// average rank (fractional ranking). Time O(n log n).
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for k := 0; k < len(idx); {
		j := k
		for j < len(idx) && x[idx[j]] == x[idx[k]] {
			j++
		}
		avg := float64(k+j+1) / 2 // mean of ranks k+1 … j
		for m := k; m < j; m++ {
			r[idx[m]] = avg
		}
		k = j
	}
	return r
}

// Spearman is Spearman's rank correlation of x and y: the Pearson correlation
// of their fractional ranks (see Ranks). NaN when either is constant or
// there are fewer than two values. Time O(n log n).
func Spearman(x, y []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	return Pearson(Ranks(x), Ranks(y))
}

// Pearson is the Pearson correlation of x and y (gonum stat.Correlation).
// NaN when either is constant or there are fewer than two values. Time O(n).
func Pearson(x, y []float64) float64 {
	if len(x) < 2 || constant(x) || constant(y) {
		return math.NaN()
	}
	return stat.Correlation(x, y, nil)
}

func constant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// descending returns the indices of scores ordered by score descending,
// ties in index order.
func descending(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}
