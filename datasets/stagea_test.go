package datasets

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// TestStageABlocksDuplicates loads rows with exact duplicates next to their
// original (inside one lookup block of addRowsA), far from it (other blocks
// and chunks), and new assets repeated within a block, in CSV and Parquet,
// and checks the table against the plain rule: each identity kept once, at
// its first row, asset ids in order of first appearance.
func TestStageABlocksDuplicates(t *testing.T) {
	base := testRows(3000)
	rng := rand.New(rand.NewPCG(21, 22))
	var rows []Row
	var firsts []int // index in base of each row kept, in order
	seen := map[int]bool{}
	for len(rows) < 6000 {
		var i int
		switch rng.IntN(4) {
		case 0: // repeat the previous row (same block)
			if len(rows) > 0 {
				rows = append(rows, rows[len(rows)-1])
				continue
			}
			i = rng.IntN(len(base))
		case 1: // repeat a row from far back
			i = rng.IntN(len(base))
		default: // the next unseen row
			i = len(seen)
			for seen[i] && i < len(base)-1 {
				i++
			}
		}
		if !seen[i] {
			seen[i] = true
			firsts = append(firsts, i)
		}
		rows = append(rows, base[i])
	}
	dir := t.TempDir()
	for _, name := range []string{"d.csv", "d.parquet"} {
		path := filepath.Join(dir, name)
		writeRows(t, path, rows)
		old := chunkSize
		chunkSize = 4096 // many chunks
		tr, err := Load([]string{path}, LoadOptions{})
		chunkSize = old
		if err != nil {
			t.Fatal(err)
		}
		if tr.Len() != len(firsts) || tr.Stats.RowsDuplicate != int64(len(rows)-len(firsts)) {
			t.Fatalf("%s: %d rows, %d duplicates; want %d, %d", name, tr.Len(), tr.Stats.RowsDuplicate, len(firsts), len(rows)-len(firsts))
		}
		type asset struct {
			c  Address
			id string
		}
		ids := map[asset]AssetID{}
		for k, i := range firsts {
			want := &base[i]
			if tr.TxHash[k] != want.TxHash || tr.LogIndex[k] != want.LogIndex {
				t.Fatalf("%s: row %d is not base row %d", name, k, i)
			}
			a := asset{want.Contract, want.TokenID}
			id, ok := ids[a]
			if !ok {
				id = AssetID(len(ids))
				ids[a] = id
			}
			if tr.Asset[k] != id || tr.Assets.TokenID[id] != want.TokenID {
				t.Fatalf("%s: row %d asset %d (%q), want %d (%q)", name, k, tr.Asset[k], tr.Assets.TokenID[tr.Asset[k]], id, want.TokenID)
			}
		}
	}
}
