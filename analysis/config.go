package analysis

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/farming"
	"github.com/washscan/washscan/detect/registry"
)

// OptionError is an option that cannot be used: a bad flag value, a side file
// that was read but is not valid, an output path that would hurt. The command
// line maps it to exit 2 (docs/contract.md §4).
type OptionError struct {
	Option string // the flag, e.g. "--param"
	Err    error
}

func (e *OptionError) Error() string {
	if e.Option == "" {
		return e.Err.Error()
	}
	return e.Option + ": " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

func optionErr(option string, format string, a ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, a...)}
}

// sideFileError classifies an error reading the side file path given by
// option: a file that cannot be read is a *datasets.FileError naming it
// (exit 66), one that was read but is not valid an *OptionError (exit 2).
func sideFileError(option, path string, err error) error {
	var fe *datasets.FileError
	if errors.As(err, &fe) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &datasets.FileError{File: path, Err: pe.Err}
	}
	return &OptionError{Option: option, Err: err}
}

// ConfigSpec names a detection configuration as the command line gives it.
type ConfigSpec struct {
	// Preset is the preset's name (--preset); "" is the default preset.
	Preset string
	// Config is a JSON file of detector parameters (--config).
	Config string
	// Params are "detector.name=value" settings (--param), applied after
	// Config, in order.
	Params []string
	// Weights is a scoring weights file (--weights, calibrate's --prior); ""
	// keeps the preset's own weights.
	Weights string
	// WeightsOption is the flag that named Weights, for messages; default
	// "--weights".
	WeightsOption string
	// WeightsPreset, for ResolveAll, is the one preset Weights is for; ""
	// means every preset.
	WeightsPreset string
	// RewardPrograms are CSV files of marketplace trading-reward programs
	// (--reward-programs) added to the built-in list, or to none under
	// NoDefaultRewardPrograms (--no-default-reward-programs).
	RewardPrograms          []string
	NoDefaultRewardPrograms bool
}

// Config is a resolved detection configuration: everything that decides the
// scores, checked once.
type Config struct {
	Preset  *detect.Preset
	Params  *detect.Params
	Weights *detect.Weights // never nil: the preset's own unless a file was given
	// RewardPrograms are the trading-reward programs reward_farming trusts;
	// nil is the built-in list (detect/farming).
	RewardPrograms *detect.RewardPrograms
}

// Resolve checks the detector registry and resolves spec: the preset, the
// parameters (every name known to the preset's detectors, every value valid)
// and the weights (every weight naming a detector the preset runs). An
// unreadable --config or --weights file is a *datasets.FileError; every
// other problem an *OptionError.
func Resolve(spec ConfigSpec) (*Config, error) {
	cs, err := ResolveAll([]string{spec.Preset}, spec)
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// ResolveAll is Resolve for several presets run over one dataset (bench):
// each parameter must be known to one of them at least, and each preset gets
// those of its own detectors. spec.Weights applies to spec.WeightsPreset
// only when that is set, else to every preset.
func ResolveAll(presets []string, spec ConfigSpec) ([]*Config, error) {
	if err := registry.Validate(); err != nil {
		return nil, fmt.Errorf("detector registry: %w", err)
	}
	params := detect.NewParams()
	if spec.Config != "" {
		if err := params.LoadConfig(spec.Config); err != nil {
			return nil, sideFileError("--config", spec.Config, err)
		}
	}
	for _, kv := range spec.Params {
		k, v, err := ParseParam(kv)
		if err != nil {
			return nil, &OptionError{Option: "--param", Err: err}
		}
		params.Set(k, v)
	}
	var programs *detect.RewardPrograms
	if spec.NoDefaultRewardPrograms || len(spec.RewardPrograms) > 0 {
		programs = &detect.RewardPrograms{}
		if !spec.NoDefaultRewardPrograms {
			programs.List = farming.DefaultPrograms()
		}
		for _, path := range spec.RewardPrograms {
			ps, err := farming.ReadPrograms(path)
			if err != nil {
				return nil, sideFileError("--reward-programs", path, err)
			}
			programs.List = append(programs.List, ps...)
		}
	}
	var cs []*Config
	var all []*detect.Detector
	for _, name := range presets {
		if name == "" {
			name = registry.Default.Name
		}
		p, err := registry.Preset(name)
		if err != nil {
			return nil, &OptionError{Option: "--preset", Err: err}
		}
		cs = append(cs, &Config{Preset: p, Params: params, Weights: &p.Weights, RewardPrograms: programs})
		all = append(all, p.Detectors...)
	}
	if err := params.Check(all); err != nil {
		opt := "--param"
		if spec.Config != "" {
			opt = "--param/--config"
		}
		return nil, &OptionError{Option: opt, Err: err}
	}
	if spec.Weights != "" {
		wopt := spec.WeightsOption
		if wopt == "" {
			wopt = "--weights"
		}
		w, err := detect.ReadWeights(spec.Weights)
		if err != nil {
			return nil, sideFileError(wopt, spec.Weights, err)
		}
		used := false
		for _, c := range cs {
			if spec.WeightsPreset != "" && c.Preset.Name != spec.WeightsPreset {
				continue
			}
			if err := checkWeights(w, c.Preset); err != nil {
				return nil, &OptionError{Option: wopt, Err: fmt.Errorf("%s: %w", spec.Weights, err)}
			}
			c.Weights, used = w, true
		}
		if !used {
			return nil, optionErr(wopt, "%s: weights for preset %s, which this run does not use", spec.Weights, spec.WeightsPreset)
		}
	}
	return cs, nil
}

// checkWeights checks that every weight of w names a detector p runs.
func checkWeights(w *detect.Weights, p *detect.Preset) error {
	names := make([]string, 0, len(w.Weights))
	for n := range w.Weights {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !slices.ContainsFunc(p.Detectors, func(d *detect.Detector) bool { return d.Name == n }) {
			return fmt.Errorf("weight for %q, which preset %s does not run", n, p.Name)
		}
	}
	return nil
}

// ParseParam splits one "detector.name=value" setting.
func ParseParam(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || !strings.Contains(k, ".") || strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") {
		return "", "", fmt.Errorf("want detector.name=value, got %q", s)
	}
	return k, strings.TrimSpace(v), nil
}

// PresetConfig is p with every parameter at its default and its own
// weights, for presets built in code (tests, benchmarks); command-line
// settings go through Resolve.
func PresetConfig(p *detect.Preset) *Config {
	return &Config{Preset: p, Params: detect.NewParams(), Weights: &p.Weights}
}

// WeightsSource is what the output's washscan.weights says of c's weights:
// "builtin" or the weights file.
func (c *Config) WeightsSource() string {
	if c.Weights.Source == "" {
		return "builtin"
	}
	return c.Weights.Source
}
