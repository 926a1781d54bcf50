package backforth_test

import (
	"fmt"

	"github.com/washscan/washscan/detect/backforth"
)

func ExampleGap() {
	fmt.Println(backforth.Gap(300))
	fmt.Println(backforth.Gap(3*86400 + 7))
	// Output:
	// 5m later
	// 3d later
}
