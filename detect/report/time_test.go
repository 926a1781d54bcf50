package report

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []int64{0, -1, 1, 86399, 86400, -86400, 951782400, 1656592496, -62135596800, 253402300799, -62135596801, 253402300800}
	for range 100000 {
		cases = append(cases, r.Int64N(253402300799+62135596800)-62135596800)
	}
	for _, u := range cases {
		want := time.Unix(u, 0).UTC().Format("2006-01-02T15:04:05Z")
		if got := string(appendTime(nil, u)); got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", u, got, want)
		}
	}
}
