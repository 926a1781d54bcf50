package detect

import "testing"

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		sec  int64
		want string
	}{{604800, "7d"}, {5400, "90m"}, {7200, "2h"}, {0, "0s"}, {61, "61s"}} {
		got := FormatDuration(c.sec)
		if got != c.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", c.sec, got, c.want)
		}
		if back, err := ParseDuration(got); err != nil || back != c.sec {
			t.Errorf("ParseDuration(%q) = %d, %v", got, back, err)
		}
	}
}
