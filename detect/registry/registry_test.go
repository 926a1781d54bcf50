package registry

import (
	"math"
	"strings"
	"testing"

	"github.com/washscan/washscan/detect"
)

func TestValidate(t *testing.T) {
	if err := Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPresets(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Presets {
		if seen[p.Name] {
			t.Errorf("preset %s listed twice", p.Name)
		}
		seen[p.Name] = true
		if len(p.Detectors) == 0 || strings.TrimSpace(p.Doc) == "" {
			t.Errorf("preset %s: no detectors or no doc", p.Name)
		}
		for _, d := range p.Detectors {
			w, ok := p.Weights.Weights[d.Name]
			if !ok || w <= 0 || math.IsNaN(w) {
				t.Errorf("preset %s: detector %s has no positive weight (%v)", p.Name, d.Name, w)
			}
		}
		got, err := Preset(p.Name)
		if err != nil || got != p {
			t.Errorf("Preset(%q) = %v, %v", p.Name, got, err)
		}
	}
	if _, err := Preset("nope"); err == nil || !strings.Contains(err.Error(), "default") {
		t.Errorf("Preset(nope) error = %v, want one listing the presets", err)
	}
	for _, name := range []string{"default", "dune"} {
		if !seen[name] {
			t.Errorf("preset %s missing", name)
		}
	}
}

// Every flagging detector of the dune preset flags a row on its own at the
// default threshold; the default preset's self_trade does too.
func TestSingleFindingVerdicts(t *testing.T) {
	dune, _ := Preset("dune")
	for _, d := range dune.Detectors {
		if s := detect.Sigmoid(dune.Weights.Bias + dune.Weights.Weights[d.Name]); s < 0.5 {
			t.Errorf("dune %s alone scores %.3f < 0.5", d.Name, s)
		}
	}
	if s := detect.Sigmoid(Default.Weights.Bias + Default.Weights.Weights["self_trade"]); s < 0.5 {
		t.Errorf("default self_trade alone scores %.3f < 0.5", s)
	}
}

func TestLookup(t *testing.T) {
	for _, d := range All {
		if Lookup(d.Name) != d {
			t.Errorf("Lookup(%s) does not return it", d.Name)
		}
	}
	if Lookup("nope") != nil {
		t.Error("Lookup(nope) found something")
	}
}
