package detect

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestShared checks that Input.Shared builds each key's value once, even
// under concurrent callers, and keeps keys apart.
func TestShared(t *testing.T) {
	type keyA struct{}
	type keyB struct{}
	in := &Input{}
	var builds atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v := in.Shared(keyA{}, func() any { builds.Add(1); return 7 }).(int); v != 7 {
				t.Errorf("value %d", v)
			}
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
	if v := in.Shared(keyB{}, func() any { return "b" }); v != "b" {
		t.Errorf("key B: %v", v)
	}
}
