package calibrate_test

import (
	"fmt"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/calibrate"
)

func ExampleFit() {
	// Two detectors over 200 labeled rows: "loop" fires on the 80 wash rows
	// and on 5 organic ones; "funder" fires on 40 wash rows and on 60
	// organic ones (friends who trade).
	loop := &detect.Detector{Name: "loop"}
	funder := &detect.Detector{Name: "funder"}
	order := []*detect.Detector{loop, funder}
	res := &detect.Result{Findings: map[string][]detect.Finding{}}
	labels := make([]datasets.Label, 200)
	for i := range labels {
		if i < 80 {
			labels[i] = datasets.LabelWash
		}
		if i < 85 {
			res.Findings["loop"] = append(res.Findings["loop"], detect.Finding{Row: int32(i), Strength: 1})
		}
		if (i >= 40 && i < 80) || (i >= 100 && i < 160) {
			res.Findings["funder"] = append(res.Findings["funder"], detect.Finding{Row: int32(i), Strength: 0.6})
		}
	}
	prior := &detect.Weights{Weights: map[string]float64{"loop": 1, "funder": 1}}
	fit, err := calibrate.Fit(len(labels), res, order, labels, calibrate.Options{Prior: prior})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loop weight > funder weight: %v\n", fit.Weights.Weights["loop"] > fit.Weights.Weights["funder"])
	fmt.Printf("F1 with the prior %.3f, fitted %.3f\n", fit.Before.F1, fit.After.F1)
	// Output:
	// loop weight > funder weight: true
	// F1 with the prior 0.711, fitted 0.970
}
