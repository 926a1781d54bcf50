package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testdata/market.csv is a hand-made 16-row market (CryptoPunks, BAYC and
// USDC contract addresses, invented wallets): two back-and-forths, a
// ping-pong, two self-trades, an ERC-20 round trip, mint/burn transfers
// with the zero address, rows without platform or price_usd, and a
// non-native currency. It is not read from /work/shared.
const fixture = "testdata/market.csv"

// runCmd runs washscan with args and returns the exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code := run(e, args)
	return code, out.String(), errb.String()
}

// goldenArgs pin the verdicts to this package's detectors: testdata/weights.json
// weighs only self_trade (σ(−3+7.6) ≈ 0.99) and back_and_forth (σ(−3+4.4) ≈
// 0.80), so detectors and weights added elsewhere do not move the goldens.
var goldenArgs = []string{"--weights", "testdata/weights.json"}

// mask replaces the value of each "key": {…} object in a JSON document with
// "(masked)": washscan.params (every detector's parameters) and tests (the
// market-level tests) belong to other packages and are checked there.
func mask(doc string, keys ...string) string {
	for _, k := range keys {
		i := strings.Index(doc, `"`+k+`": {`)
		if i < 0 {
			continue
		}
		start := i + len(k) + 4
		depth := 0
		for j := start; j < len(doc); j++ {
			switch doc[j] {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth == 0 {
				doc = doc[:start] + `"(masked)"` + doc[j+1:]
				break
			}
		}
	}
	return doc
}

// maskFlags keeps the trade columns and is_wash of a flags CSV, and of the
// reasons and evidence only this package's detectors.
func maskFlags(t *testing.T, data []byte) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for i, rec := range recs {
		out := append([]string{}, rec[:16]...)
		if i == 0 {
			out = append(out, "reasons", "evidence")
		} else {
			var rs, ev []string
			for _, r := range strings.Split(rec[18], "|") {
				if r == "self_trade" || r == "back_and_forth" {
					rs = append(rs, r)
				}
			}
			for _, e := range strings.Split(rec[19], "; ") {
				if strings.HasPrefix(e, "self_trade: ") || strings.HasPrefix(e, "back_and_forth: ") {
					ev = append(ev, e)
				}
			}
			out = append(out, strings.Join(rs, "|"), strings.Join(ev, "; "))
		}
		w.Write(out)
	}
	w.Flush()
	return b.Bytes()
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/washscan -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (if the change is intended, run go test ./cmd/washscan -update)\ngot:\n%s", name, got)
	}
}

func TestAnalyzeGolden(t *testing.T) {
	for _, rng := range []string{"24h", "7d", "30d", "90d", "all"} {
		t.Run(rng, func(t *testing.T) {
			code, out, stderr := runCmd(t, append([]string{"analyze", "--trades", fixture, "--range", rng}, goldenArgs...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var doc struct {
				TimeRange string `json:"time_range"`
				AsOf      string `json:"as_of"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if doc.TimeRange != rng || doc.AsOf != "2022-06-30T00:00:00Z" {
				t.Errorf("time_range %q as_of %q", doc.TimeRange, doc.AsOf)
			}
			if !strings.Contains(out, `"back_and_forth.window": "30d"`) {
				t.Error("washscan.params lacks back_and_forth.window")
			}
			golden(t, "analyze_"+rng+".json", []byte(mask(out, "params", "tests")))
		})
	}
}

func TestAnalyzeFlagsGolden(t *testing.T) {
	dir := t.TempDir()
	flagsPath := filepath.Join(dir, "flags.csv")
	outPath := filepath.Join(dir, "metrics.json")
	code, out, stderr := runCmd(t, append([]string{"analyze", "--trades", fixture, "--range", "30d", "--flags", flagsPath, "--out", outPath}, goldenArgs...)...)
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, out, stderr)
	}
	flags, err := os.ReadFile(flagsPath)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "analyze_30d_flags.csv", maskFlags(t, flags))
	metrics, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	_, stdoutRun, _ := runCmd(t, append([]string{"analyze", "--trades", fixture, "--range", "30d"}, goldenArgs...)...)
	if string(metrics) != stdoutRun {
		t.Error("--out FILE and standard output differ")
	}
	// Every loaded row once, in input order.
	recs, err := csv.NewReader(bytes.NewReader(flags)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := os.ReadFile(fixture)
	inRecs, _ := csv.NewReader(bytes.NewReader(in)).ReadAll()
	if len(recs) != len(inRecs) {
		t.Fatalf("%d flag rows for %d input rows", len(recs)-1, len(inRecs)-1)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i][3] != inRecs[i][3] {
			t.Errorf("row %d: tx %s, want %s", i, recs[i][3], inRecs[i][3])
		}
	}
}

// convert writes the fixture rows to path in the format its extension names,
// through the datasets writer.
func convert(t *testing.T, path string) {
	t.Helper()
	in, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(in)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	w, err := datasets.CreateWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, rec := range recs[1:] {
		get := func(c string) string { return rec[col[c]] }
		var r datasets.Row
		r.Chain = get("chain")
		r.BlockTime, err = datasets.ParseTime(get("block_time"), "")
		must(err)
		var bn, li int64
		must(json.Unmarshal([]byte(get("block_number")), &bn))
		must(json.Unmarshal([]byte(get("log_index")), &li))
		r.BlockNumber, r.LogIndex = uint64(bn), uint32(li)
		r.TxHash, err = datasets.ParseHash(get("tx_hash"))
		must(err)
		r.Contract, err = datasets.ParseAddress(get("contract"))
		must(err)
		r.TokenID = get("token_id")
		r.Standard, _ = datasets.ParseStandard(get("token_standard"))
		r.Seller, err = datasets.ParseAddress(get("seller"))
		must(err)
		r.Buyer, err = datasets.ParseAddress(get("buyer"))
		must(err)
		r.Amount, r.Price, r.Currency, r.PriceUSD, r.Platform = get("amount"), get("price"), get("currency"), get("price_usd"), get("platform")
		r.Label = datasets.LabelNone
		must(w.Write(&r))
	}
	must(w.Close())
}

// TestAnalyzeFormats: the same rows as CSV, JSON Lines, Parquet and gzip'd
// CSV give byte-identical metrics (but for the file name in input.files).
func TestAnalyzeFormats(t *testing.T) {
	dir := t.TempDir()
	_, want, _ := runCmd(t, "analyze", "--trades", fixture, "--range", "30d", "--top", "0")
	for _, name := range []string{"market.jsonl", "market.parquet", "market.csv.gz", "market.csv.zst"} {
		path := filepath.Join(dir, name)
		convert(t, path)
		code, got, stderr := runCmd(t, "analyze", "--trades", path, "--range", "30d", "--top", "0")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		got = strings.Replace(got, path, fixture, 1)
		if got != want {
			t.Errorf("%s: output differs from the CSV's:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

func TestAnalyzeDeterministic(t *testing.T) {
	dir := t.TempDir()
	var outs [2][]byte
	var flags [2][]byte
	for i := range outs {
		o, f := filepath.Join(dir, "m"+string(rune('0'+i))+".json"), filepath.Join(dir, "f"+string(rune('0'+i))+".parquet")
		if code, _, stderr := runCmd(t, "analyze", "--trades", fixture, "--out", o, "--flags", f, "--range", "7d"); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		outs[i], _ = os.ReadFile(o)
		flags[i], _ = os.ReadFile(f)
	}
	if !bytes.Equal(outs[0], outs[1]) || len(outs[0]) == 0 {
		t.Error("two runs gave different metrics")
	}
	if !bytes.Equal(flags[0], flags[1]) || len(flags[0]) == 0 {
		t.Error("two runs gave different Parquet flags")
	}
}

// badCopy writes the fixture to dir/name with line n (1-based) replaced.
func badCopy(t *testing.T, dir, name string, n int, line string) string {
	t.Helper()
	in, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(in), "\n")
	if line == "" {
		lines = append(lines[:n], lines[n-1:]...) // duplicate line n
	} else {
		lines[n-1] = line
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const badLine = "ethereum,2022-05-03T10:00:00Z,14700000,0xNOTHEX,4,0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb,1,erc721,0x2222222222222222222222222222222222222222,0x1111111111111111111111111111111111111111,1,12,WETH,33000,looksrare"

func TestAnalyzeBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := badCopy(t, dir, "bad.csv", 3, badLine)
	out, flagsPath, rejects := filepath.Join(dir, "out.json"), filepath.Join(dir, "flags.csv"), filepath.Join(dir, "rejects.csv")

	code, _, stderr := runCmd(t, "analyze", "--trades", bad, "--out", out, "--flags", flagsPath)
	if code != exitBadData || !strings.Contains(stderr, bad+":3:") || !strings.Contains(stderr, "tx_hash") {
		t.Errorf("bad row: exit %d, stderr %q; want 65 naming %s:3 and the column", code, stderr, bad)
	}
	for _, p := range []string{out, flagsPath} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s written on failure", p)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left behind: %v", ents)
	}

	code, _, stderr = runCmd(t, "analyze", "--trades", bad, "--out", out, "--skip-bad-rows", "--rejects", rejects)
	if code != exitOK {
		t.Fatalf("--skip-bad-rows: exit %d: %s", code, stderr)
	}
	var doc struct {
		Input struct {
			Files                                             []string
			RowsRead, RowsLoaded, RowsRejected, RowsDuplicate int64
		} `json:"input"`
	}
	data, _ := os.ReadFile(out)
	var raw map[string]json.RawMessage
	json.Unmarshal(data, &raw)
	var in map[string]any
	json.Unmarshal(raw["input"], &in)
	if in["rows_read"] != 16.0 || in["rows_loaded"] != 15.0 || in["rows_rejected"] != 1.0 || in["rows_duplicate"] != 0.0 {
		t.Errorf("input block %v", in)
	}
	_ = doc
	rej, err := os.ReadFile(rejects)
	if err != nil || !strings.Contains(string(rej), "0xNOTHEX") || strings.Count(string(rej), "\n") < 2 {
		t.Errorf("rejects file %q, %v", rej, err)
	}

	dup := badCopy(t, dir, "dup.csv", 5, "")
	code, stdout, stderr := runCmd(t, "analyze", "--trades", dup)
	if code != exitOK {
		t.Fatalf("duplicate row: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"rows_read": 17`) || !strings.Contains(stdout, `"rows_duplicate": 1`) || !strings.Contains(stdout, `"rows_loaded": 16`) {
		t.Errorf("duplicate not accounted:\n%s", stdout[:min(len(stdout), 2000)])
	}
}

func TestAnalyzeExitCodes(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"back_and_forth.window": "1d"}`), 0o644)
	badCfg := filepath.Join(dir, "badconfig.json")
	os.WriteFile(badCfg, []byte(`{"nope.window": "1d"}`), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing file", []string{"--trades", filepath.Join(dir, "nope.csv")}, exitNoInput, "nope.csv"},
		{"directory", []string{"--trades", dir}, exitNoInput, dir},
		{"bad range", []string{"--trades", fixture, "--range", "1d"}, exitUsage, "range"},
		{"bad threshold", []string{"--trades", fixture, "--threshold", "1.5"}, exitUsage, "threshold"},
		{"negative threshold", []string{"--trades", fixture, "--threshold", "-0.1"}, exitUsage, "threshold"},
		{"bad top", []string{"--trades", fixture, "--top", "-1"}, exitUsage, "top"},
		{"unknown preset", []string{"--trades", fixture, "--preset", "nope"}, exitUsage, "nope"},
		{"unknown param", []string{"--trades", fixture, "--param", "nope.window=1d"}, exitUsage, "nope.window"},
		{"bad param value", []string{"--trades", fixture, "--param", "back_and_forth.window=soon"}, exitUsage, "back_and_forth.window"},
		{"malformed param", []string{"--trades", fixture, "--param", "window"}, exitUsage, ""},
		{"unknown param in config", []string{"--trades", fixture, "--config", badCfg}, exitUsage, "nope.window"},
		{"missing config", []string{"--trades", fixture, "--config", filepath.Join(dir, "none.json")}, exitNoInput, "none.json"},
		{"missing weights", []string{"--trades", fixture, "--weights", filepath.Join(dir, "w.json")}, exitNoInput, "w.json"},
		{"bad as-of", []string{"--trades", fixture, "--as-of", "yesterday"}, exitUsage, "as-of"},
		{"bad flags ext", []string{"--trades", fixture, "--flags", filepath.Join(dir, "f.txt")}, exitUsage, "flags"},
		{"stray argument", []string{"--trades", fixture, "extra"}, exitUsage, "extra"},
		{"config ok", []string{"--trades", fixture, "--config", cfg, "--out", filepath.Join(dir, "o.json")}, exitOK, ""},
		{"state with dune", []string{"--trades", fixture, "--preset", "dune", "--state", filepath.Join(dir, "st")}, exitUsage, "--preset dune cannot run incrementally"},
		{"state without trades", []string{"--state", filepath.Join(dir, "st")}, exitUsage, "--state"},
		{"bad max-memory", []string{"--trades", fixture, "--max-memory", "lots"}, exitUsage, "max-memory"},
		{"max-memory, preset not sliceable", []string{"--trades", fixture, "--preset", "dune", "--max-memory", "1K", "--out", filepath.Join(dir, "mm.json")}, exitOK, "cannot be sliced"},
		{"max-memory, default preset sliced", []string{"--trades", fixture, "--max-memory", "1K", "--out", filepath.Join(dir, "mm2.json")}, exitOK, "time slice with halos of 60d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, append([]string{"analyze"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}

func TestAnalyzeOptions(t *testing.T) {
	dir := t.TempDir()
	_, base, _ := runCmd(t, "analyze", "--trades", fixture)
	tests := []struct {
		name string
		args []string
		want []string // substrings of the output
	}{
		{"param echoed", []string{"--param", "back_and_forth.window=1h"}, []string{`"back_and_forth.window": "1h"`}},
		{"as-of", []string{"--as-of", "2022-06-01", "--range", "30d"}, []string{`"as_of": "2022-06-01T00:00:00Z"`, `"time_range": "30d"`}},
		{"as-of unix", []string{"--as-of", "1654041600"}, []string{`"as_of": "2022-06-01T00:00:00Z"`}},
		{"threshold 0 flags all", []string{"--threshold", "0"}, []string{`"washtrade_suspect_sales_ratio": 1,`, `"threshold": 0,`}},
		{"weights file", []string{"--weights", writeFile(t, dir, "w.json", `{"bias": -3, "weights": {"self_trade": 8}}`)}, []string{`"weights": "` + filepath.Join(dir, "w.json") + `"`}},
		{"top 1", []string{"--top", "1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, append([]string{"analyze", "--trades", fixture}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if out == base {
				t.Error("output same as with default options")
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %s", w)
				}
			}
			var doc struct {
				Wallets []json.RawMessage `json:"wallets"`
				NFTs    []json.RawMessage `json:"nfts"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if tc.name == "top 1" && (len(doc.Wallets) != 1 || len(doc.NFTs) != 1) {
				t.Errorf("--top 1: %d wallets, %d nfts", len(doc.Wallets), len(doc.NFTs))
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAnalyzeStdin(t *testing.T) {
	in, _ := os.ReadFile(fixture)
	var out, errb bytes.Buffer
	e := &env{ctx: context.Background(), stdin: bytes.NewReader(in), stdout: &out, stderr: &errb}
	if code := run(e, []string{"analyze", "--trades", "-"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	_, want, _ := runCmd(t, "analyze", "--trades", fixture)
	if got := strings.Replace(out.String(), `"-"`, `"`+fixture+`"`, 1); got != want {
		t.Error("CSV on standard input gives other metrics than the file")
	}
}

func TestAnalyzeHelp(t *testing.T) {
	code, out, _ := runCmd(t, "help", "analyze")
	if code != exitOK {
		t.Fatal(code)
	}
	for _, f := range []string{"-trades", "-range", "-as-of", "-out", "-flags", "-preset", "-threshold", "-weights", "-top", "-param", "-config",
		"-map", "-set", "-time-format", "-allow", "-deny-funders", "-skip-bad-rows", "-rejects", "-funders"} {
		if !strings.Contains(out, f) {
			t.Errorf("help lacks %s", f)
		}
	}
}

// TestAnalyzeSample runs on the embedded sample market (no --trades).
func TestAnalyzeSample(t *testing.T) {
	code, out, stderr := runCmd(t, "analyze", "--range", "30d")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Input struct {
			Files    []string `json:"files"`
			RowsRead int64    `json:"rows_read"`
		} `json:"input"`
		Market struct {
			Suspect int64 `json:"washtrade_suspect_sales"`
			Total   int64 `json:"total_sales"`
		} `json:"market"`
		Tests map[string]any `json:"tests"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Input.Files) != 1 || !strings.Contains(doc.Input.Files[0], "sample") || doc.Input.RowsRead == 0 {
		t.Errorf("input block %+v", doc.Input)
	}
	if doc.Market.Suspect == 0 || doc.Market.Suspect >= doc.Market.Total {
		t.Errorf("sample market: %d of %d sales flagged", doc.Market.Suspect, doc.Market.Total)
	}
	if doc.Tests["market"] == nil {
		t.Errorf("no market-level tests in %v", doc.Tests)
	}
	if _, again, _ := runCmd(t, "analyze", "--range", "30d"); again != out {
		t.Error("two runs on the sample differ")
	}
}

// TestRewardProgramFlags checks --reward-programs and
// --no-default-reward-programs end to end: a farming group on a platform
// flags only while a program is in the list, and a bad file is bad input.
func TestRewardProgramFlags(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("chain,block_time,tx_hash,contract,token_id,seller,buyer,price,platform\n")
	w := []string{"0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b2", "0x00000000000000000000000000000000000000c3"}
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "ethereum,2021-03-01T%02d:00:00Z,0x%064x,0x00000000000000000000000000000000000000ee,%d,%s,%s,1,nowhere\n", i, i+1, i, w[i%3], w[(i+1)%3])
	}
	trades := filepath.Join(dir, "t.csv")
	progs := filepath.Join(dir, "p.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(trades, []byte(b.String()), 0o644)
	os.WriteFile(progs, []byte("chain,platform,start,end,rewarded,source\nethereum,nowhere,2021-01-01,2022-01-01,true,test\n"), 0o644)
	os.WriteFile(bad, []byte("chain,platform,start,end,rewarded,source\nethereum,nowhere,2021-01-01,,sometimes,test\n"), 0o644)
	farmed := func(args ...string) bool {
		flags := filepath.Join(dir, "f.csv")
		code, _, stderr := runCmd(t, append([]string{"analyze", "--trades", trades, "--flags", flags, "--out", filepath.Join(dir, "m.json")}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		data, _ := os.ReadFile(flags)
		return strings.Contains(string(data), "reward_farming")
	}
	if farmed() {
		t.Error("reward_farming on a marketplace outside the built-in programs")
	}
	if !farmed("--reward-programs", progs) {
		t.Error("no reward_farming with a program for the marketplace")
	}
	if farmed("--no-default-reward-programs") {
		t.Error("reward_farming with no programs")
	}
	// A readable but invalid side file is a usage error naming it.
	if code, _, stderr := runCmd(t, "analyze", "--trades", trades, "--reward-programs", bad); code != exitUsage || !strings.Contains(stderr, "bad.csv") {
		t.Errorf("bad programs file: exit %d (%s), want %d naming it", code, stderr, exitUsage)
	}
	if code, _, _ := runCmd(t, "analyze", "--trades", trades, "--reward-programs", filepath.Join(dir, "none.csv")); code != exitNoInput {
		t.Errorf("missing programs file: exit %d, want %d", code, exitNoInput)
	}
}
