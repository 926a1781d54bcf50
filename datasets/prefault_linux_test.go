package datasets

import (
	"sync/atomic"
	"testing"
)

// TestPopulateKeepsContents: faulting a column's reserved pages in leaves
// what the merge wrote, and the rest zero; a stopped prefault does nothing.
func TestPopulateKeepsContents(t *testing.T) {
	col := make([]uint64, 0, 3<<20) // 24 MiB: several populate steps
	col = append(col, 1, 2, 3)
	full := col[:cap(col)]
	for i := 3; i < len(full)/2; i++ {
		full[i] = uint64(i) * 7 // written before and while the pages are populated
	}
	var stop atomic.Bool
	populate([][]byte{pageRange(col), pageRange(col[:len(full)/3])}, &stop)
	for i, v := range full {
		want := uint64(0)
		switch {
		case i < 3:
			want = uint64(i + 1)
		case i < len(full)/2:
			want = uint64(i) * 7
		}
		if v != want {
			t.Fatalf("element %d is %d after populate, want %d", i, v, want)
		}
	}
	if r := pageRange(col[:cap(col)]); r != nil {
		t.Errorf("a full slice has %d bytes to populate", len(r))
	}
	stop.Store(true)
	populate([][]byte{pageRange(col)}, &stop) // returns at once
}
