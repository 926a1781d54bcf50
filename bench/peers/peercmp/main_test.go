package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const timeV = "\tUser time (seconds): 0.10\n\tSystem time (seconds): 0.02\n" +
	"\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:01.50\n\tMaximum resident set size (kbytes): 102400\n"

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	tx := func(c byte) string { return "0x" + strings.Repeat(string(c), 64) }
	a, b, c := "0x"+strings.Repeat("a", 40), "0x"+strings.Repeat("b", 40), "0x"+strings.Repeat("c", 40)
	k := "0x" + strings.Repeat("d", 40)
	trades := write(t, dir, "trades.csv", "block_time,tx_hash,contract,token_id,seller,buyer,price,is_wash\n"+
		"2022-01-01,"+tx('1')+","+k+",1,"+a+","+b+",1,true\n"+
		"2022-01-02,"+tx('2')+","+k+",1,"+b+","+a+",1,true\n"+
		"2022-01-03,"+tx('3')+","+k+",1,"+a+","+c+",2,false\n")
	duck := write(t, dir, "duck.csv", "tx_hash,log_index,contract,token_id,filters\n"+
		tx('1')+",0,"+k+",1,2\n"+tx('2')+",0,"+k+",1,2\n")
	dune := write(t, dir, "dune.csv", "tx_hash,log_index,contract,token_id,is_wash\n"+
		tx('1')+",0,"+k+",1,true\n"+tx('2')+",0,"+k+",1,true\n"+tx('3')+",0,"+k+",1,false\n")
	def := write(t, dir, "default.csv", "tx_hash,log_index,contract,token_id,is_wash\n"+
		tx('1')+",0,"+k+",1,true\n"+tx('2')+",0,"+k+",1,false\n"+tx('3')+",0,"+k+",1,false\n")
	tv := write(t, dir, "t.txt", timeV)
	var out strings.Builder
	err := run([]string{"--trades", trades, "--duckdb", duck + ":" + tv,
		"--washscan", "dune=" + dune + ":" + tv, "--washscan", "default=" + def + ":" + tv}, &out)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"3 rows loaded, 3 labeled (2 wash)",
		"| duckdb dune SQL | 1.50 | 0.12 | 100 | 2 | 1.000 | 1.000 | 1.000 | 1.000 |",
		"| dune | 1.50 | 0.12 | 100 | 2 | 1.000 | 1.000 | 1.000 | 1.000 |",
		"| default | 1.50 | 0.12 | 100 | 1 | 1.000 | 0.500 | 0.667 | 0.500 |",
		"flag exactly the same rows",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	out.Reset()
	err = run([]string{"--trades", trades, "--duckdb", duck + ":" + tv, "--washscan", "dune=" + def + ":" + tv}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dune disagrees with DuckDB: 1 rows only DuckDB flags, 0 only washscan flags") {
		t.Errorf("disagreement not reported:\n%s", out.String())
	}
	// DuckDB on Parquet beside it: a peer run, compared too.
	out.Reset()
	duckPQ := write(t, dir, "duckpq.csv", "tx_hash,log_index,contract,token_id,filters\n"+tx('1')+",0,"+k+",1,2\n")
	err = run([]string{"--trades", trades, "--duckdb", duck + ":" + tv, "--peer", "duckdb parquet=" + duckPQ + ":" + tv,
		"--washscan", "dune=" + dune + ":" + tv, "--compare", "dune", "--compare", "duckdb parquet"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| duckdb parquet | 1.50 | 0.12 | 100 | 1 | 1.000 | 0.500 | 0.667 | 0.500 |",
		"duckdb parquet disagrees with DuckDB: 1 rows only DuckDB flags, 0 only washscan flags",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "dune disagrees") {
		t.Errorf("dune reported as disagreeing:\n%s", out.String())
	}
	if err := run([]string{"--trades", trades}, &out); err == nil {
		t.Error("missing --duckdb: want an error")
	}
}
