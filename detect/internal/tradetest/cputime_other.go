//go:build !unix

package tradetest

import "time"

// CPUTime is not measured outside Unix: always 0.
func CPUTime() time.Duration { return 0 }
