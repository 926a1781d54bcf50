package sample

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
)

func TestLoad(t *testing.T) {
	tr, err := Load(datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := tr.Funders
	st := tr.Stats
	if st.RowsRejected != 0 || st.RowsDuplicate != 0 {
		t.Errorf("stats %+v: want no rejected or duplicate rows", st)
	}
	if want := synth.SampleConfig().Trades; st.RowsLoaded != want || int64(tr.Len()) != want {
		t.Errorf("loaded %d rows (Len %d), want %d", st.RowsLoaded, tr.Len(), want)
	}
	if len(tr.Files) != 1 || tr.Files[0] != Name {
		t.Errorf("Files = %q, want [%q]", tr.Files, Name)
	}
	var wash, organic, none int
	for _, l := range tr.Label {
		switch l {
		case datasets.LabelWash:
			wash++
		case datasets.LabelOrganic:
			organic++
		default:
			none++
		}
	}
	if wash == 0 || organic == 0 || none != 0 {
		t.Errorf("labels: %d wash, %d organic, %d unlabeled; want both labels on every row", wash, organic, none)
	}
	if share := float64(wash) / float64(tr.Len()); share < 0.05 || share > 0.15 {
		t.Errorf("wash share %.3f outside [0.05, 0.15]", share)
	}
	known := 0
	for w := range f.Len() {
		if f.Of(datasets.AddrID(w)) != datasets.NoAddr {
			known++
		}
	}
	if known < 100 {
		t.Errorf("only %d wallets have a funder", known)
	}
	stds := map[datasets.Standard]int{}
	for _, s := range tr.Standard {
		stds[s]++
	}
	if stds[datasets.ERC721] == 0 || stds[datasets.ERC20] == 0 {
		t.Errorf("standards %v: want erc721 and erc20 rows", stds)
	}
}

// TestEmbeddedIsCurrent regenerates the sample and compares it with the
// embedded files: run `go generate ./datasets/sample` when it fails.
func TestEmbeddedIsCurrent(t *testing.T) {
	dir := t.TempDir()
	tp, fp := filepath.Join(dir, TradesFile), filepath.Join(dir, FundersFile)
	if _, err := synth.WriteFiles(context.Background(), synth.SampleConfig(), tp, fp); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ embedded, fresh string }{{TradesFile, tp}, {FundersFile, fp}} {
		want := gunzip(t, mustRead(t, os.ReadFile, c.fresh))
		got := gunzip(t, mustRead(t, FS.ReadFile, c.embedded))
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from what synth.SampleConfig generates now: run go generate ./datasets/sample", c.embedded)
		}
	}
}

func mustRead(t *testing.T, read func(string) ([]byte, error), name string) []byte {
	t.Helper()
	b, err := read(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
