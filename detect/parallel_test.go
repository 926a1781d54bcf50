package detect_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/washscan/washscan/detect"
)

// TestParallelEach checks that ParallelEach hands every item to exactly one
// work call, and that it reports a context already cancelled.
func TestParallelEach(t *testing.T) {
	items := make([]int, 1000)
	for i := range items {
		items[i] = i
	}
	seen := make([]atomic.Int32, len(items))
	var workers atomic.Int32
	err := detect.ParallelEach(context.Background(), items, func() func(int) {
		workers.Add(1)
		return func(x int) { seen[x].Add(1) }
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if n := seen[i].Load(); n != 1 {
			t.Fatalf("item %d done %d times", i, n)
		}
	}
	if workers.Load() < 1 {
		t.Fatal("no worker made")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := detect.ParallelEach(ctx, items, func() func(int) { return func(int) {} }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
}
