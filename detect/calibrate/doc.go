// Package calibrate fits a preset's scoring weights on labeled trades.
//
// Scoring (detect.Score) is a logistic model over the rows with at least one
// finding: score = σ(b + Σ_d w_d·s_d), with s_d the strength of detector d's
// finding on the row (0 when d did not report it). A row without findings
// scores 0 whatever the weights, so it cannot inform them: the fit uses the
// labeled rows (is_wash not empty) that have at least one finding. Wash rows
// that no detector reports stay false negatives under any weights; they are
// counted in the in-sample recall that Fit reports but not in the fit.
//
// The fit minimises the mean logistic loss plus an L2 penalty that shrinks
// the weights (not the bias) toward the prior weights — the preset's own —
// rather than toward 0:
//
//	L(b, w) = (1/n)·Σ_i [log(1 + e^{z_i}) − y_i·z_i] + (λ/2)·‖w − w₀‖²,
//	z_i = b + Σ_d w_d·x_{id},
//
// so a detector that never fires on the training data keeps its prior weight
// instead of dropping to 0, and perfectly separable data (common on synthetic
// markets) still gives finite weights. The gradient is
// ∂L/∂b = (1/n)·Σ(σ(z_i) − y_i), ∂L/∂w_d = (1/n)·Σ(σ(z_i) − y_i)·x_{id} + λ·(w_d − w₀_d);
// gonum's L-BFGS minimises L. Weights are kept ≥ 0 — a finding is evidence
// of wash and never lowers a score — by an active set: a weight that comes out
// negative is pinned at 0 and the others refitted (at most D refits). Time O(n·D) per iteration for n rows and D
// detectors.
package calibrate
