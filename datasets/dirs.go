package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// InputFile is one trade file to load and the constant columns that the hive
// partition directories above it supply (README "Input").
type InputFile struct {
	Path string
	// Partition maps a canonical column name to the value a key=value
	// directory segment gives it; the deepest segment wins. Nil when none.
	Partition map[string]string
}

// hiveDefault is Hive's name for a null partition value; it means empty.
const hiveDefault = "__HIVE_DEFAULT_PARTITION__"

// ExpandInputs turns the --trades arguments into the files to read, in order.
// A path that is not a directory stands for itself ("-", a file, or a path
// whose open will fail with a *FileError). A directory stands for every
// .csv, .parquet, .jsonl or .ndjson file beneath it, optionally followed by
// .gz or .zst, in the order filepath.WalkDir visits them (names sorted within
// each directory). Files and directories whose names start with "_" or "." are
// skipped; symbolic links to files are followed, to directories not. A
// directory holding no such file is a *FileError naming it.
//
// A directory segment below the named directory of the form key=value (value
// URL-decoded, __HIVE_DEFAULT_PARTITION__ meaning empty) supplies column key
// for the rows of the files beneath it when key is a canonical column or a
// Dune alias; other keys are ignored. The loader applies it like --set, and
// only when the file lacks the column; --set beats it.
func ExpandInputs(paths []string) ([]InputFile, error) {
	var out []InputFile
	for _, p := range paths {
		if p == "-" {
			out = append(out, InputFile{Path: p})
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			out = append(out, InputFile{Path: p}) // the open reports the error
			continue
		}
		files, err := walkInputDir(p)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// walkInputDir lists the trade files beneath dir.
func walkInputDir(dir string) ([]InputFile, error) {
	root := dir
	if lst, err := os.Lstat(dir); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		// The named directory itself may be a link: a trailing separator
		// makes WalkDir descend into its target.
		root = dir + string(filepath.Separator)
	}
	var out []InputFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fileErr(path, err)
		}
		if path == root {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !isTradeFileName(name) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(path)
			if err != nil {
				return fileErr(path, err)
			}
			if st.IsDir() {
				return nil // links to directories are not followed
			}
		} else if !d.Type().IsRegular() {
			return nil // devices, pipes, sockets
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return fileErr(path, err)
		}
		part, err := partitionColumns(filepath.Dir(rel))
		if err != nil {
			return &FileError{File: path, Err: err}
		}
		out = append(out, InputFile{Path: path, Partition: part})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &FileError{File: dir, Err: errors.New("directory holds no .csv, .parquet, .jsonl or .ndjson file (optionally .gz or .zst)")}
	}
	return out, nil
}

// isTradeFileName reports whether a file in a directory is read as trades.
func isTradeFileName(name string) bool {
	l := strings.ToLower(name)
	if s, ok := strings.CutSuffix(l, ".gz"); ok {
		l = s
	} else if s, ok := strings.CutSuffix(l, ".zst"); ok {
		l = s
	}
	for _, ext := range []string{".csv", ".parquet", ".jsonl", ".ndjson"} {
		if strings.HasSuffix(l, ext) && len(l) > len(ext) {
			return true
		}
	}
	return false
}

// partitionColumns reads the key=value segments of a relative directory path.
func partitionColumns(rel string) (map[string]string, error) {
	var m map[string]string
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		col := partitionKey(k)
		if col == "" {
			continue
		}
		val, err := url.PathUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("partition directory %q: %w", seg, err)
		}
		if val == hiveDefault {
			val = ""
		}
		if m == nil {
			m = map[string]string{}
		}
		m[col] = val // deeper segments come later and win
	}
	return m, nil
}

// partitionKey is the canonical column a partition key names, or "".
func partitionKey(k string) string {
	h := normHeader(k)
	if _, ok := columnIndex[h]; ok {
		return h
	}
	return duneAliases[h]
}
