package metrics_test

import (
	"fmt"

	"github.com/washscan/washscan/detect/metrics"
)

func ExampleParseRange() {
	for _, s := range []string{"7d", "all", "1d"} {
		r, err := metrics.ParseRange(s)
		fmt.Println(r.Name, r.Seconds, err)
	}
	// Output:
	// 7d 604800 <nil>
	// all 0 <nil>
	//  0 bad range "1d" (want 24h, 7d, 30d, 90d or all)
}
