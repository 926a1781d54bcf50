// Package pipeline runs the detection path shared by analyze, bench and
// calibrate: features → detectors of a preset → scores.
package pipeline

import (
	"context"

	"github.com/washscan/washscan/detect"
)

// Outcome is the result of one pipeline run.
type Outcome struct {
	Result *detect.Result
	Scores *detect.Scores
}

// Run runs preset's detectors over in and scores every row with w (the
// preset's own weights when w is nil). params, checked once at start-up
// (package analysis resolves them), may hold settings for detectors the
// preset does not run; nil means every default.
func Run(ctx context.Context, in *detect.Input, preset *detect.Preset, params *detect.Params, w *detect.Weights) (*Outcome, error) {
	if params == nil {
		params = detect.NewParams()
	}
	if w == nil {
		w = &preset.Weights
	}
	res, err := detect.Run(ctx, in, preset.Detectors, params)
	if err != nil {
		return nil, err
	}
	// The detectors are done with the features' per-asset trades array
	// (16 bytes a trade): scoring and the stages after it (metrics,
	// writers) do not read it, so it is not held through them.
	in.Features.ReleaseTrades()
	return &Outcome{Result: res, Scores: detect.Score(in.Features.N, res, preset.Detectors, w)}, nil
}
