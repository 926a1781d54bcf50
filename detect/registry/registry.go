// Package registry holds the explicit lists of washscan's detectors: every
// detector, and the presets that choose among them. There is no init-time
// registration; adding a detector means adding it here. [Validate] checks the
// lists and is called at start-up by every command that runs detectors.
package registry

import (
	"fmt"
	"sort"

	"github.com/washscan/washscan/detect"
)

// All lists every detector washscan ships, flagging ones and shared
// computations alike, in the order reasons are written.
var All = []*detect.Detector{}

// Default is washscan's own preset.
var Default = &detect.Preset{
	Name:      "default",
	Doc:       "washscan's own detectors and weights",
	Detectors: []*detect.Detector{},
	Weights:   detect.Weights{Bias: 0, Weights: map[string]float64{}, Source: "builtin"},
}

// Presets lists the presets --preset accepts.
var Presets = []*detect.Preset{Default}

// Preset returns the preset called name.
func Preset(name string) (*detect.Preset, error) {
	for _, p := range Presets {
		if p.Name == name {
			return p, nil
		}
	}
	names := make([]string, len(Presets))
	for i, p := range Presets {
		names[i] = p.Name
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown preset %q (have %v)", name, names)
}

// Lookup returns the detector called name from All.
func Lookup(name string) *detect.Detector {
	for _, d := range All {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Validate checks All and every preset: the detectors validate, every
// preset detector is in All, and every weight names a preset detector.
func Validate() error {
	if err := detect.Validate(All); err != nil {
		return err
	}
	for _, p := range Presets {
		in := map[string]bool{}
		for _, d := range p.Detectors {
			if Lookup(d.Name) != d {
				return fmt.Errorf("preset %s: detector %s is not in registry.All", p.Name, d.Name)
			}
			in[d.Name] = true
		}
		for name := range p.Weights.Weights {
			if !in[name] {
				return fmt.Errorf("preset %s: weight for %s, which the preset does not run", p.Name, name)
			}
		}
	}
	return nil
}
