package detect

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Parallel runs items 0..n−1 on up to workers goroutines (0: GOMAXPROCS),
// each goroutine calling newWorker once for its work function (own
// buffers) and then taking the next item until none is left. It stops
// handing out items once ctx is done (checked every 64 items) or a call
// fails, and returns the first failure, else ctx's error. Which goroutine
// runs an item depends on scheduling: work must write its results by item.
// The one worker pool of the detectors.
func Parallel(ctx context.Context, n, workers int, newWorker func() func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		next  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := newWorker()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || stop.Load() || (i&63 == 0 && ctx.Err() != nil) {
					return
				}
				if err := work(i); err != nil {
					once.Do(func() { first = err })
					stop.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// ParallelEach runs work on every item of items through [Parallel] (on every
// core), each goroutine calling newWorker once for its work function; work
// cannot fail. It returns ctx's error if ctx ends first.
func ParallelEach[T any](ctx context.Context, items []T, newWorker func() func(T)) error {
	return Parallel(ctx, len(items), 0, func() func(int) error {
		work := newWorker()
		return func(i int) error {
			work(items[i])
			return nil
		}
	})
}
