package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// hiveTree writes a partitioned directory of one-row CSV files, with skipped
// names and links to a file and a directory outside it, and returns its root.
func hiveTree(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "trades")
	n := 0
	// row writes a one-row CSV whose header is cols (plus the required ones).
	row := func(rel string, extra map[string]string) {
		t.Helper()
		n++
		cols := []string{"block_time", "tx_hash", "contract", "token_id", "seller", "buyer", "price"}
		vals := []string{
			"2024-01-01T00:00:00Z",
			fmt.Sprintf("0x%064x", n),
			"0x00000000000000000000000000000000000000c1",
			fmt.Sprint(n),
			"0x00000000000000000000000000000000000000a1",
			"0x00000000000000000000000000000000000000b1",
			"1",
		}
		for _, k := range sortedKeys(extra) {
			cols, vals = append(cols, k), append(vals, extra[k])
		}
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		body := strings.Join(cols, ",") + "\n" + strings.Join(vals, ",") + "\n"
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	row("a.csv", nil)
	row("blockchain=base/chain=arbitrum/d.csv", nil)                   // deepest wins
	row("chain=polygon/c.csv", map[string]string{"chain": "ethereum"}) // the file's column wins
	row("chain=polygon/platform=opensea/b.csv", nil)
	row("chain=__HIVE_DEFAULT_PARTITION__/g.csv", map[string]string{"platform": "blur"})
	row("project=my%20market/year=2024/e.csv", nil) // alias; year ignored
	row("_tmp/skipped.csv", nil)
	row(".git/skipped.csv", nil)
	row("_SUCCESS.csv", nil)
	row(".hidden.csv", nil)
	row("notes.txt", nil)
	row("z.json", nil) // .json is not read from a directory
	// A link to a file is read; a link to a directory is not.
	out := filepath.Join(base, "outside")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	saved := root
	root = out
	row("linked.csv", nil)
	row("sub/in_linked_dir.csv", nil)
	root = saved
	if err := os.MkdirAll(filepath.Join(root, "chain=zora"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(out, "linked.csv"), filepath.Join(root, "chain=zora", "l.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(out, "sub"), filepath.Join(root, "dirlink")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestExpandInputsHive(t *testing.T) {
	root := hiveTree(t)
	got, err := ExpandInputs([]string{root, "-"})
	if err != nil {
		t.Fatal(err)
	}
	j := func(rel string) string { return filepath.Join(root, rel) }
	want := []InputFile{
		{Path: j("a.csv")},
		{Path: j("blockchain=base/chain=arbitrum/d.csv"), Partition: map[string]string{"chain": "arbitrum"}},
		{Path: j("chain=__HIVE_DEFAULT_PARTITION__/g.csv"), Partition: map[string]string{"chain": ""}},
		{Path: j("chain=polygon/c.csv"), Partition: map[string]string{"chain": "polygon"}},
		{Path: j("chain=polygon/platform=opensea/b.csv"), Partition: map[string]string{"chain": "polygon", "platform": "opensea"}},
		{Path: j("chain=zora/l.csv"), Partition: map[string]string{"chain": "zora"}},
		{Path: j("project=my%20market/year=2024/e.csv"), Partition: map[string]string{"platform": "my market"}},
		{Path: "-"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandInputs:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestLoadHiveDirectory(t *testing.T) {
	root := hiveTree(t)
	tr, err := Load([]string{root}, LoadOptions{Set: map[string]string{"platform": "x2y2"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < tr.Len(); i++ {
		rel, _ := filepath.Rel(root, tr.Files[tr.Origins.Source(i)])
		got = append(got, fmt.Sprintf("%s chain=%s platform=%s", filepath.ToSlash(rel),
			tr.Chains.Value(tr.Chain[i]), tr.Platforms.Value(tr.Platform[i])))
	}
	// --set platform beats every partition; the file's own columns beat both.
	want := []string{
		"a.csv chain=ethereum platform=x2y2",
		"blockchain=base/chain=arbitrum/d.csv chain=arbitrum platform=x2y2",
		"chain=__HIVE_DEFAULT_PARTITION__/g.csv chain=ethereum platform=blur",
		"chain=polygon/c.csv chain=ethereum platform=x2y2",
		"chain=polygon/platform=opensea/b.csv chain=polygon platform=x2y2",
		"chain=zora/l.csv chain=zora platform=x2y2",
		"project=my%20market/year=2024/e.csv chain=ethereum platform=x2y2",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\ngot  %q\nwant %q", got, want)
	}
	if len(tr.Files) != len(want) {
		t.Errorf("Files = %q, want the %d files read", tr.Files, len(want))
	}

	// Without --set the partition supplies platform where the file lacks it;
	// segments of the named directory itself are not below it.
	for _, c := range []struct {
		dir, want string
	}{{root, "my market"}, {filepath.Join(root, "project=my%20market"), ""}} {
		tr, err = Load([]string{c.dir}, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < tr.Len(); i++ {
			if strings.HasSuffix(tr.Files[tr.Origins.Source(i)], "e.csv") {
				if p := tr.Platforms.Value(tr.Platform[i]); p != c.want {
					t.Errorf("Load(%s): platform of e.csv = %q, want %q", c.dir, p, c.want)
				}
			}
		}
	}
}

func TestExpandInputsEmptyDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"_x.csv", "readme.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load([]string{dir}, LoadOptions{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != dir {
		t.Fatalf("Load(empty dir) = %v, want a *FileError naming %s", err, dir)
	}
}

func TestExpandInputsBadEscape(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "chain=%zz", "a.csv")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ExpandInputs([]string{dir})
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != p {
		t.Fatalf("ExpandInputs(bad escape) = %v, want a *FileError naming %s", err, p)
	}
}
