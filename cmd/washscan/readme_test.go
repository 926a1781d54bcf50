package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The README's sample output is this test's golden file: the metrics of
// `washscan analyze --top 1` on the embedded sample, abridged by readmeSample
// (rerun with -update after a change of output).
const (
	readmePath  = "../../README.md"
	sampleBegin = "<!-- sample output: go test ./cmd/washscan -run README -update rewrites it -->\n```json\n"
	sampleEnd   = "\n```\n"
)

func TestREADMESample(t *testing.T) {
	code, out, stderr := runCmd(t, "analyze", "--top", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := readmeSample(t, []byte(out))
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, sampleBegin)
	if i < 0 {
		t.Fatalf("README lacks the sample marker %q", sampleBegin)
	}
	i += len(sampleBegin)
	j := strings.Index(s[i:], sampleEnd)
	if j < 0 {
		t.Fatal("README sample block not closed")
	}
	if s[i:i+j] == got {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(s[:i]+got+s[i+j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's sample output is stale (run go test ./cmd/washscan -run README -update):\n%s", got)
}

// ordered JSON values: obj keeps its keys' order.
type kv struct {
	k string
	v any
}
type obj []kv

func decodeOrdered(dec *json.Decoder) any {
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	switch d := tok.(type) {
	case json.Delim:
		if d == '{' {
			var o obj
			for dec.More() {
				k, _ := dec.Token()
				o = append(o, kv{k.(string), decodeOrdered(dec)})
			}
			dec.Token()
			return o
		}
		var a []any
		for dec.More() {
			a = append(a, decodeOrdered(dec))
		}
		dec.Token()
		if a == nil {
			a = []any{}
		}
		return a
	}
	return tok
}

func (o obj) get(k string) any {
	for _, e := range o {
		if e.k == k {
			return e.v
		}
	}
	return nil
}

// keep returns o's entries named, then "…": more.
func (o obj) keep(more string, names ...string) obj {
	var out obj
	for _, e := range o {
		for _, n := range names {
			if e.k == n {
				out = append(out, e)
			}
		}
	}
	return append(out, kv{"…", more})
}

// first returns o's first n entries, then "…": "…" if there were more.
func (o obj) first(n int) obj {
	if len(o) <= n {
		return o
	}
	return append(append(obj{}, o[:n]...), kv{"…", "…"})
}

func compact(v any) string {
	switch x := v.(type) {
	case obj:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = compact(e.k) + ": " + compact(e.v)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = compact(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "null"
	case json.Number:
		return x.String()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}

// wrap breaks s after ", " so no line is longer than width, continuing
// lines at indent.
func wrap(s string, first, indent, width int) string {
	var b strings.Builder
	col := first
	for i, part := range strings.Split(s, ", ") {
		if i > 0 {
			if col+2+len(part) > width {
				b.WriteString(",\n" + strings.Repeat(" ", indent))
				col = indent
			} else {
				b.WriteString(", ")
				col += 2
			}
		}
		b.WriteString(part)
		col += len([]rune(part))
	}
	return b.String()
}

// readmeSample abridges a metrics document for the README: the params, the
// tests and the lists past their keys shortened, trends to three buckets.
func readmeSample(t *testing.T, doc []byte) string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	root, ok := decodeOrdered(dec).(obj)
	if !ok {
		t.Fatal("metrics are not a JSON object")
	}
	const width = 104
	var lines []string
	for _, e := range root {
		v := e.v
		switch e.k {
		case "washscan":
			w := v.(obj)
			for i := range w {
				if w[i].k == "params" {
					w[i].v = w[i].v.(obj).first(2)
				}
			}
		case "market":
			var m obj
			for _, f := range v.(obj) {
				if a, ok := f.v.([]any); ok && len(a) > 3 {
					f.v = append(append([]any{}, a[:3]...), "…")
				}
				m = append(m, f)
			}
			var body []string
			for i := 0; i < len(m); i += 2 {
				pair := m[i:min(i+2, len(m))]
				if strings.HasSuffix(pair[0].k, "_trend") || pair[0].k == "block_dates" {
					pair = m[i : i+1]
					i--
				}
				s := compact(pair)
				body = append(body, "    "+wrap(s[1:len(s)-1], 4, 6, width))
			}
			lines = append(lines, `  "market": {`+"\n"+strings.Join(body, ",\n")+"\n  }")
			continue
		case "marketplaces", "collections", "wallets", "nfts":
			a := v.([]any)
			if len(a) > 0 {
				o := a[0].(obj)
				a = []any{o.keep("same fields", "platform", "blockchain", "contract_address", "wallet", "token_id", "washtrade_suspect_sales")}
			}
			v = a
		case "tests":
			o := v.(obj)
			var out obj
			for _, f := range o {
				switch x := f.v.(type) {
				case []any:
					f.v = []any{"…"}
				case obj:
					var sub obj
					for _, g := range x {
						if so, ok := g.v.(obj); ok {
							g.v = so.first(4)
						}
						sub = append(sub, g)
					}
					f.v = sub
				}
				out = append(out, f)
			}
			v = out
		}
		key := compact(e.k) + ": "
		lines = append(lines, "  "+key+wrap(compact(v), 2+len(key), 4+len(key)/2, width))
	}
	return "{\n" + strings.Join(lines, ",\n") + "\n}"
}
