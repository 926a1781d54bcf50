package calibrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
)

// DefaultLambda is the default L2 penalty λ.
const DefaultLambda = 0.01

// ErrNoRows is returned when no labeled row has a finding.
var ErrNoRows = errors.New("no labeled row has a finding: nothing to fit")

// Options control Fit.
type Options struct {
	// Lambda is the L2 penalty λ (0 means DefaultLambda; negative means none).
	Lambda float64
	// Prior are the weights shrunk toward (nil: all 0, bias 0).
	Prior *detect.Weights
	// Threshold is the score at or above which a row is flagged, for the
	// in-sample metrics (0 means 0.5).
	Threshold float64
}

// Result is a fit.
type Result struct {
	Weights *detect.Weights
	// Rows and Wash count the labeled rows with findings that entered the fit.
	Rows, Wash int
	// Loss is the penalised loss at the optimum.
	Loss float64
	// Before and After are the in-sample metrics over every labeled row with
	// the prior weights and the fitted ones.
	Before, After detect.Confusion
}

// Evaluate returns the confusion of scores against labels at threshold, over
// the rows with a label. Time O(n).
func Evaluate(scores []float64, labels []datasets.Label, threshold float64) detect.Confusion {
	c := detect.Confusion{Threshold: threshold}
	for i, l := range labels {
		if l != datasets.LabelNone {
			c.Add(scores[i], l == datasets.LabelWash)
		}
	}
	c.Finish()
	return c
}

// Fit fits the bias and the weights of the detectors in order on the
// findings res of a run over n rows labeled labels. Detectors in order
// without findings keep their prior weight.
func Fit(n int, res *detect.Result, order []*detect.Detector, labels []datasets.Label, opt Options) (*Result, error) {
	if len(labels) != n {
		return nil, fmt.Errorf("calibrate: %d labels for %d rows", len(labels), n)
	}
	lambda := opt.Lambda
	switch {
	case lambda == 0:
		lambda = DefaultLambda
	case lambda < 0:
		lambda = 0
	}
	thr := opt.Threshold
	if thr == 0 {
		thr = 0.5
	}
	prior := opt.Prior
	if prior == nil {
		prior = &detect.Weights{Weights: map[string]float64{}}
	}
	d := len(order)
	w0 := make([]float64, d)
	for j, det := range order {
		w0[j] = prior.Weights[det.Name]
	}

	rows, xAll := detect.FeatureMatrix(res, order)
	var x [][]float64
	var y []float64
	for k, r := range rows {
		switch labels[r] {
		case datasets.LabelWash:
			y = append(y, 1)
		case datasets.LabelOrganic:
			y = append(y, 0)
		default:
			continue
		}
		x = append(x, xAll[k])
	}
	out := &Result{Rows: len(x)}
	for _, v := range y {
		out.Wash += int(v)
	}
	out.Before = Evaluate(detect.Score(n, res, order, prior).Score, labels, thr)
	if len(x) == 0 {
		return nil, ErrNoRows
	}

	nf := float64(len(x))
	// Parameters: θ = (b, w_1..w_d). Weights in pinned are held at 0.
	pinned := make([]bool, d)
	loss := func(theta, grad []float64) float64 {
		for j, p := range pinned {
			if p {
				theta[1+j] = 0
			}
		}
		var l float64
		if grad != nil {
			clear(grad)
		}
		for i, xi := range x {
			z := theta[0]
			for j, v := range xi {
				z += theta[1+j] * v
			}
			// log(1+e^z) − y·z, computed stably.
			var lz float64
			if z > 0 {
				lz = z + math.Log1p(math.Exp(-z))
			} else {
				lz = math.Log1p(math.Exp(z))
			}
			l += lz - y[i]*z
			if grad != nil {
				g := detect.Sigmoid(z) - y[i]
				grad[0] += g
				for j, v := range xi {
					grad[1+j] += g * v
				}
			}
		}
		l /= nf
		if grad != nil {
			for j := range grad {
				grad[j] /= nf
			}
		}
		for j := 0; j < d; j++ {
			if pinned[j] {
				if grad != nil {
					grad[1+j] = 0
				}
				continue
			}
			dw := theta[1+j] - w0[j]
			l += lambda / 2 * dw * dw
			if grad != nil {
				grad[1+j] += lambda * dw
			}
		}
		return l
	}
	p := optimize.Problem{
		Func: func(th []float64) float64 { return loss(th, nil) },
		Grad: func(grad, th []float64) { loss(th, grad) },
	}
	init := make([]float64, d+1)
	init[0] = prior.Bias
	for j := range w0 {
		init[1+j] = max(0, w0[j])
	}
	// Active set: a weight that comes out negative is pinned at 0 and the
	// rest refitted, so a finding never lowers a score. At most d refits.
	var r *optimize.Result
	for {
		res, err := optimize.Minimize(p, slices.Clone(init), &optimize.Settings{GradientThreshold: 1e-9, MajorIterations: 2000}, &optimize.LBFGS{})
		if err != nil && res == nil {
			return nil, fmt.Errorf("calibrate: %w", err)
		}
		// A stop on iteration limits still gives a usable point; anything
		// not finite does not.
		for _, v := range res.X {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("calibrate: fit diverged (%v)", res.Status)
			}
		}
		r = res
		worst := -1
		for j := 0; j < d; j++ {
			if !pinned[j] && r.X[1+j] < 0 && (worst < 0 || r.X[1+j] < r.X[1+worst]) {
				worst = j
			}
		}
		if worst < 0 {
			break
		}
		pinned[worst] = true
		copy(init, r.X)
		init[1+worst] = 0
	}
	for j, p := range pinned {
		if p {
			r.X[1+j] = 0
		}
	}
	w := &detect.Weights{Bias: round6(r.X[0]), Weights: map[string]float64{}, Source: "calibrated"}
	for j, det := range order {
		w.Weights[det.Name] = round6(r.X[1+j])
	}
	out.Weights = w
	out.Loss = r.F
	out.After = Evaluate(detect.Score(n, res, order, w).Score, labels, thr)
	return out, nil
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// Marshal returns the weights file form of w ({"bias": b, "weights": {...}}),
// indented, keys sorted, with a final newline; detect.ReadWeights reads it.
func Marshal(w *detect.Weights) ([]byte, error) {
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteFile writes w to path atomically.
func WriteFile(path string, w *detect.Weights) error {
	b, err := Marshal(w)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return datasets.WriteFileAtomic(path, b)
}
