package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the real main (signals, process settings) in a
// child process: the child is this test binary with $WASHSCAN_TEST_MAIN set
// to its arguments, separated by newlines.
func TestMain(m *testing.M) {
	if args := os.Getenv("WASHSCAN_TEST_MAIN"); args != "" {
		os.Args = append([]string{"washscan"}, strings.Split(args, "\n")...)
		main()
		return
	}
	os.Exit(m.Run())
}

// The detection and side-file flags behave the same way in every command
// that takes them: the same syntax, the same exit codes.
func TestOptionsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	market := benchMarket(t, dir, true)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing.txt")
	notJSON := write("bad.json", "{not json")
	badList := write("bad-list.txt", "0x1234\n")
	badFunders := write("bad-funders.csv", "wallet,funder\n0xzz,0x"+strings.Repeat("1", 40)+"\n")
	goodCfg := write("cfg.json", `{"back_and_forth.window": "2d"}`)
	cmds := []struct {
		name, weights string
		extra         []string
	}{
		{"analyze", "--weights", []string{"--out", filepath.Join(dir, "m.json")}},
		{"bench", "--weights", []string{"--out", filepath.Join(dir, "b.json")}},
		{"calibrate", "--prior", []string{"--out", filepath.Join(dir, "w.json")}},
	}
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"param comma list", []string{"--param", "back_and_forth.window=2d,cycle.max_len=5"}, exitOK, ""},
		{"param repeated", []string{"--param", "back_and_forth.window=2d", "--param", "back_and_forth.tight=2h"}, exitOK, ""},
		{"config", []string{"--config", goodCfg}, exitOK, ""},
		{"unknown param", []string{"--param", "back_and_forth.windw=2d"}, exitUsage, "back_and_forth.windw"},
		{"NaN param", []string{"--param", "volume_matching.margin=NaN"}, exitUsage, "volume_matching.margin"},
		{"Inf param", []string{"--param", "price_anomaly.factor=+Inf"}, exitUsage, "price_anomaly.factor"},
		{"param out of range", []string{"--param", "cycle.max_len=1000"}, exitUsage, "cycle.max_len"},
		{"fractional count", []string{"--param", "repeat_trade.min_count=2.5"}, exitUsage, "repeat_trade.min_count"},
		{"malformed param in a list", []string{"--param", "back_and_forth.window=2d,oops"}, exitUsage, "oops"},
		{"unreadable config", []string{"--config", missing}, exitNoInput, missing},
		{"invalid config", []string{"--config", notJSON}, exitUsage, "bad.json"},
		{"unreadable funders", []string{"--funders", missing}, exitNoInput, missing},
		{"invalid funders", []string{"--funders", badFunders}, exitUsage, "bad-funders.csv"},
		{"unreadable allow", []string{"--allow", missing}, exitNoInput, missing},
		{"invalid allow", []string{"--allow", badList}, exitUsage, "bad-list.txt"},
		{"unreadable deny", []string{"--deny-funders", missing}, exitNoInput, missing},
		{"invalid deny", []string{"--deny-funders", badList}, exitUsage, "bad-list.txt"},
		{"output is the input", []string{"--rejects", market, "--skip-bad-rows"}, exitUsage, "is the input"},
		{"output in a missing directory", []string{"--rejects", filepath.Join(dir, "no", "r.csv"), "--skip-bad-rows"}, exitUsage, "does not exist"},
	}
	for _, c := range cmds {
		for _, tc := range cases {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				args := append(append([]string{c.name, "--trades", market}, c.extra...), tc.args...)
				code, _, stderr := runCmd(t, args...)
				if code != tc.code || !strings.Contains(stderr, tc.msg) {
					t.Errorf("%q: exit %d, stderr %q; want %d mentioning %q", args, code, stderr, tc.code, tc.msg)
				}
				if strings.Contains(stderr, ".tmp-") {
					t.Errorf("the message names a temporary file: %q", stderr)
				}
			})
		}
		weightsCases := []struct {
			name, file string
			code       int
			msg        string
		}{
			{"unreadable weights", missing, exitNoInput, missing},
			{"invalid weights", notJSON, exitUsage, "bad.json"},
			{"weights for another preset", write("w-dune.json", `{"bias": 0, "weights": {"dune_self_trade": 1}}`), exitUsage, "dune_self_trade"},
		}
		for _, wc := range weightsCases {
			t.Run(c.name+"/"+wc.name, func(t *testing.T) {
				args := append(append([]string{c.name, "--trades", market}, c.extra...), c.weights, wc.file)
				code, _, stderr := runCmd(t, args...)
				if code != wc.code || !strings.Contains(stderr, wc.msg) {
					t.Errorf("%q: exit %d, stderr %q; want %d mentioning %q", args, code, stderr, wc.code, wc.msg)
				}
			})
		}
	}
}

// Every output is checked before any work, and a failure names the flag and
// the path, never a temporary file.
func TestAnalyzeOutputChecks(t *testing.T) {
	dir := t.TempDir()
	trades := filepath.Join(dir, "m.csv")
	orig, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trades, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(trades, link); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"out is the input", []string{"--out", trades}, "--out: " + trades + " is the input"},
		{"flags is a link to the input", []string{"--flags", link}, "is the input"},
		{"out and flags the same", []string{"--out", filepath.Join(dir, "x.csv"), "--flags", filepath.Join(dir, "x.csv")}, "also the output of --flags"},
		{"out is a directory", []string{"--out", dir}, "is a directory"},
		{"missing directory", []string{"--out", filepath.Join(dir, "nope", "m.json")}, "does not exist"},
		{"default rejects is out", []string{"--skip-bad-rows", "--out", "rejects.csv"}, "also the output of --rejects"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct {
			name string
			args []string
			msg  string
		}{"read-only directory", []string{"--out", filepath.Join(ro, "m.json")}, "permission denied"})
	}
	for _, tc := range cases {
		code, _, stderr := runCmd(t, append([]string{"analyze", "--trades", trades}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.msg) || strings.Contains(stderr, ".tmp-") {
			t.Errorf("%s: exit %d, stderr %q; want 2 saying %q", tc.name, code, stderr, tc.msg)
		}
	}
	if got, _ := os.ReadFile(trades); !bytes.Equal(got, orig) {
		t.Error("the input changed")
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written")
	}
}

// The metrics go to standard output ("-") in place, after the flags file
// is committed.
func TestAnalyzeStdoutAndFile(t *testing.T) {
	dir := t.TempDir()
	flags := filepath.Join(dir, "f.csv")
	code, stdout, stderr := runCmd(t, "analyze", "--trades", fixture, "--flags", flags)
	if code != exitOK || !strings.HasPrefix(stdout, "{") {
		t.Fatalf("exit %d, stdout %.40q: %s", code, stdout, stderr)
	}
	if st, err := os.Stat(flags); err != nil || st.Size() == 0 {
		t.Errorf("flags: %v", err)
	}
}

// SIGINT and SIGTERM stop the real binary with 130 and 143, saying
// "interrupted" and "terminated"; the old outputs stay and no temporary
// file is left. The child reads its trades from a pipe, so the test knows
// it is running (the pipe drains) before signalling.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var rows bytes.Buffer
	rows.WriteString("block_time,tx_hash,contract,token_id,seller,buyer,price\n")
	for i := 0; rows.Len() < 1<<20; i++ {
		fmt.Fprintf(&rows, "2022-06-30T00:00:%02dZ,0x%064x,0x%040x,%d,0x%040x,0x%040x,1\n", i%60, i, 7, i%50, i%97+1, i%89+1)
	}
	for _, sig := range signalCases {
		t.Run(sig.msg, func(t *testing.T) {
			dir := t.TempDir()
			out, flags := filepath.Join(dir, "m.json"), filepath.Join(dir, "f.csv")
			if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "WASHSCAN_TEST_MAIN="+strings.Join([]string{"analyze", "--trades", "-", "--out", out, "--flags", flags, "--skip-bad-rows"}, "\n"))
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// 1 MiB is more than a pipe holds: once written, the child is
			// reading, its signal handler long installed.
			if _, err := io.Copy(stdin, bytes.NewReader(rows.Bytes())); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(sig.s); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			stdin.Close()
			err = cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if code != sig.code || !strings.Contains(stderr.String(), sig.msg) || strings.Contains(stderr.String(), "context canceled") {
				t.Errorf("exit %d (%v), stderr %q; want %d saying %q", code, err, stderr.String(), sig.code, sig.msg)
			}
			if b, _ := os.ReadFile(out); string(b) != "old" {
				t.Errorf("m.json = %.30q, want the old content", b)
			}
			es, _ := os.ReadDir(dir)
			if len(es) != 1 {
				var names []string
				for _, e := range es {
					names = append(names, e.Name())
				}
				t.Errorf("dir holds %v, want only m.json", names)
			}
		})
	}
}

// SIGINT and SIGTERM stop an out-of-core run (analyze --max-memory) in its
// time slices with 130 and 143: no output is written, the old ones stay
// and no temporary file is left. The test signals once the child reports
// its first slice ($WASHSCAN_TIMINGS).
func TestSignalsSliced(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	all, funders := filepath.Join(src, "all.csv"), filepath.Join(src, "funders.csv")
	if code, _, stderr := runCmd(t, "synth", "--trades", "40000", "--days", "365", "--out", all, "--funders", funders); code != exitOK {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	market := filepath.Join(src, "market")
	splitMonthly(t, all, market)
	for _, sig := range signalCases {
		t.Run(sig.msg, func(t *testing.T) {
			dir := t.TempDir()
			out, flags := filepath.Join(dir, "m.json"), filepath.Join(dir, "f.parquet")
			if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "WASHSCAN_TIMINGS=1", "WASHSCAN_TEST_MAIN="+strings.Join([]string{"analyze", "--trades", market,
				"--funders", funders, "--out", out, "--flags", flags, "--max-memory", "1K"}, "\n"))
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				fmt.Fprintln(&log, sc.Text())
				if strings.HasPrefix(sc.Text(), "timing slice 1/") {
					if err := cmd.Process.Signal(sig.s); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			io.Copy(&log, stderr)
			err = cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if code != sig.code || !strings.Contains(log.String(), sig.msg) || !strings.Contains(log.String(), "timing slice 1/") {
				t.Errorf("exit %d (%v), stderr %q; want %d saying %q after the first slice", code, err, log.String(), sig.code, sig.msg)
			}
			if b, _ := os.ReadFile(out); string(b) != "old" {
				t.Errorf("m.json = %.30q, want the old content", b)
			}
			if es, _ := os.ReadDir(dir); len(es) != 1 {
				var names []string
				for _, e := range es {
					names = append(names, e.Name())
				}
				t.Errorf("dir holds %v, want only m.json", names)
			}
		})
	}
}

// splitMonthly writes the rows of the CSV trades file all as monthly
// partitions under dir (month=YYYY-MM/part-0.csv).
func splitMonthly(t *testing.T, all, dir string) {
	t.Helper()
	data, err := os.ReadFile(all)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	col := slices.Index(strings.Split(lines[0], ","), "block_time")
	parts := map[string]*bytes.Buffer{}
	for _, l := range lines[1:] {
		key := "month=" + strings.Split(l, ",")[col][:7]
		if parts[key] == nil {
			parts[key] = bytes.NewBufferString(lines[0] + "\n")
		}
		parts[key].WriteString(l + "\n")
	}
	for k, b := range parts {
		if err := os.MkdirAll(filepath.Join(dir, k), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, k, "part-0.csv"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// signalCases are the signals the signal tests send, with the exit code
// and the message main answers each with.
var signalCases = []struct {
	s    syscall.Signal
	code int
	msg  string
}{{syscall.SIGINT, exitSIGINT, "interrupted"}, {syscall.SIGTERM, exitSIGTERM, "terminated"}}
