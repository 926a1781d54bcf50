package analysis

import (
	"fmt"
	"sort"
	"strings"
)

// The flag.Value types of the analysis flags, shared by the washscan
// command and washscan-beam (dist/beam) so that both parse a command line
// the same way.

// ListFlag collects a repeatable string flag (--trades).
type ListFlag []string

func (m *ListFlag) String() string { return strings.Join(*m, ",") }

// Set appends s.
func (m *ListFlag) Set(s string) error {
	*m = append(*m, s)
	return nil
}

// KVFlag collects repeatable key=value[,key=value...] pairs (--map, --set).
type KVFlag map[string]string

func (m KVFlag) String() string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k+"="+m[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// Set adds the pairs of s; a later value for a key wins.
func (m KVFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("want name=value, got %q", part)
		}
		if _, dup := m[k]; dup {
			return fmt.Errorf("%s given twice", k)
		}
		m[k] = strings.TrimSpace(v)
	}
	return nil
}

// ParamFlag collects --param settings: repeatable, each a comma list of
// detector.name=value, each checked by ParseParam.
type ParamFlag []string

func (p *ParamFlag) String() string { return strings.Join(*p, ",") }

// Set appends the settings of s.
func (p *ParamFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if _, _, err := ParseParam(part); err != nil {
			return err
		}
		*p = append(*p, part)
	}
	return nil
}
