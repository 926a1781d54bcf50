package datasets_test

import (
	"fmt"

	"github.com/washscan/washscan/datasets"
)

func ExampleParseTime() {
	for _, s := range []string{"2022-06-30T12:34:56Z", "2022-06-30 12:34:56.000 UTC", "1656592496", "2022-06-30"} {
		t, _ := datasets.ParseTime(s, "")
		fmt.Println(datasets.FormatTime(t))
	}
	t, _ := datasets.ParseTime("06/30/22", "01/02/06")
	fmt.Println(datasets.FormatTime(t))
	// Output:
	// 2022-06-30T12:34:56Z
	// 2022-06-30T12:34:56Z
	// 2022-06-30T12:34:56Z
	// 2022-06-30T00:00:00Z
	// 2022-06-30T00:00:00Z
}
