package pipeline_test

import (
	"context"
	"testing"

	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
)

func input() *detect.Input {
	return tradetest.Input(tradetest.Build([]tradetest.Row{
		{Day: 0, Token: "1", Seller: "A", Buyer: "A", Price: 1}, // self trade
		{Day: 1, Token: "2", Seller: "A", Buyer: "B", Price: 1},
		{Day: 2, Token: "3", Seller: "C", Buyer: "D", Price: 1},
	}), nil)
}

func TestRun(t *testing.T) {
	out, err := pipeline.Run(context.Background(), input(), registry.Default, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Scores.Score[0] < 0.5 || out.Scores.Reasons(0) != "self_trade" {
		t.Errorf("self trade: score %v reasons %q", out.Scores.Score[0], out.Scores.Reasons(0))
	}
	for i := 1; i < 3; i++ {
		if out.Scores.Score[i] != 0 || out.Scores.Reasons(i) != "" {
			t.Errorf("row %d: score %v reasons %q, want 0 and none", i, out.Scores.Score[i], out.Scores.Reasons(i))
		}
	}
	// Weights given explicitly replace the preset's.
	w := &detect.Weights{Bias: -10, Weights: map[string]float64{"self_trade": 1}}
	out, err = pipeline.Run(context.Background(), input(), registry.Default, nil, w)
	if err != nil {
		t.Fatal(err)
	}
	if s := out.Scores.Score[0]; s >= 0.5 || s <= 0 {
		t.Errorf("with low weights the self trade scores %v, want in (0, 0.5)", s)
	}
}
