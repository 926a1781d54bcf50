package hex0x

import "testing"

// TestWithoutAVX2 runs the checks of TestMatchesTable, TestDecode0x and
// TestAppendMatchesTable with the AVX2 path switched off, as on a processor
// without it.
func TestWithoutAVX2(t *testing.T) {
	defer func(v bool) { useAVX2 = v }(useAVX2)
	useAVX2 = false
	t.Run("MatchesTable", TestMatchesTable)
	t.Run("Decode0x", TestDecode0x)
	t.Run("AppendMatchesTable", TestAppendMatchesTable)
}
