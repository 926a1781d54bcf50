package report_test

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/washscan/washscan/detect/report"
)

// TestParseEvidence reads the structured fields out of evidence texts in
// the forms the detectors wrote them at the time of writing (copied from a
// flags file of the embedded sample).
func TestParseEvidence(t *testing.T) {
	const a, b, c = "0x3a34a84ab69fde86acc27440f20ed2b9edf9e7e3", "0x5b1dd09c4ec9de0a9d7bea06b43881ae83cd7843", "0xfaa862a80dc330375cced93577a8fdafdb519e6f"
	for _, tc := range []struct{ text, want string }{
		{c + "→" + b + "→" + a + "→" + c + " (collection 0x85A6ba1643d63c96c53b0d4a2ebdfa0e3d6f053f, tokens 113,157, 3 legs in 7d)",
			`{"strength":0.75,"text":"` + c + "→" + b + "→" + a + "→" + c + ` (collection 0x85A6ba1643d63c96c53b0d4a2ebdfa0e3d6f053f, tokens 113,157, 3 legs in 7d)",` +
				`"wallets":["` + a + `","` + b + `","` + c + `"],"path":["` + c + `","` + b + `","` + a + `","` + c + `"],` +
				`"collection":"0x85a6ba1643d63c96c53b0d4a2ebdfa0e3d6f053f","figures":{"tokens":113,"tokens_2":157,"legs":3,"in_s":604800}}`},
		{"buyer and seller both first funded by " + a,
			`{"strength":0.75,"text":"buyer and seller both first funded by ` + a + `","funder":"` + a + `"}`},
		{"2 wallets, 4 trades, volume 2416.66 matched within 0.5% in 1d window from 2022-01-01T00:00:00Z",
			`{"strength":0.75,"text":"2 wallets, 4 trades, volume 2416.66 matched within 0.5% in 1d window from 2022-01-01T00:00:00Z",` +
				`"times":["2022-01-01T00:00:00Z"],"figures":{"wallets":2,"trades":4,"volume":2416.66,"in_pct":0.5,"window_s":86400}}`},
		{"2-leg loop " + a + " → … → " + a + " in tx 0x47fd85c8850751676cca666c691f888b6ee53670bed446fe300990aa877ba07f",
			`{"strength":0.75,"text":"2-leg loop ` + a + ` → … → ` + a + ` in tx 0x47fd85c8850751676cca666c691f888b6ee53670bed446fe300990aa877ba07f",` +
				`"wallets":["` + a + `"],"path":["` + a + `","` + a + `"],"txs":["0x47fd85c8850751676cca666c691f888b6ee53670bed446fe300990aa877ba07f"],"figures":{"leg":2}}`},
		{`<script>"x"</script> 0x12`, `{"strength":0.75,"text":"\u003cscript\u003e\"x\"\u003c/script\u003e 0x12"}`},
		{"", `{"strength":0.75,"text":""}`},
	} {
		got, err := json.Marshal(report.ParseEvidence(0.75, tc.text))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("ParseEvidence(%q)\n got %s\nwant %s", tc.text, got, tc.want)
		}
	}
}

func FuzzParseEvidence(f *testing.F) {
	f.Add("0x3a34a84ab69fde86acc27440f20ed2b9edf9e7e3→0x5b1dd09c4ec9de0a9d7bea06b43881ae83cd7843 at 2022-01-01T00:00:00Z (3 legs in 7d, 5.2×, 0.1%)")
	direct := report.EvidenceJSONWith()
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(report.ParseEvidence(1, s))
		if err != nil || !json.Valid(b) {
			t.Fatalf("%q: %v %s", s, err, b)
		}
		if d := direct(1, s); string(d) != string(b) {
			t.Fatalf("%q: written directly as\n%s\nparsed as\n%s", s, d, b)
		}
		if want, _ := json.Marshal(s); string(report.AppendJSONString(nil, s)) != string(want) {
			t.Fatalf("%q: string encoded as %s, want %s", s, report.AppendJSONString(nil, s), want)
		}
	})
}

// TestJSONEncodersMatchStdlib: the hand-written encoders write what
// encoding/json writes.
func TestJSONEncodersMatchStdlib(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uo\te`, "<script>&</script>", "tab\tnl\ncr\r\x00\x1f\b\f", "é→…", "\u2028\u2029",
		"bad\xffutf8\xc3", "0x12 → 0x34"} {
		want, _ := json.Marshal(s)
		if got := report.AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
	for _, v := range []float64{0, 1, 0.5, 1e-7, 2.5e-9, 1e21, 123456789.125, 2592000, -3.25, 1e300} {
		want, _ := json.Marshal(v)
		if got := report.AppendJSONFloat(nil, v); string(got) != string(want) {
			t.Errorf("%v: %s, want %s", v, got, want)
		}
	}
}

// TestEvidenceJSONDirect: the writers' evidence_json encoder and
// ParseEvidence's Evidence write what the base build (cfe899d, before the
// encoder wrote without building an Evidence) wrote, on
// testdata/evidence_corpus.jsonl: each line a finding's detector, strength
// and evidence_json object as that build wrote it, the text inside it. The
// findings are the shortest and the longest text of each of the commonest
// evidence forms per detector in the flags of the 1M-trade synthetic market
// (seed 1, default preset); the "edge" ones are texts made to hit the
// parser's corners (funders, chains, upper-case hex, many and repeated
// figure names), run through that build's ParseEvidence. One scratch is
// reused throughout, as the writers reuse theirs.
func TestEvidenceJSONDirect(t *testing.T) {
	corpus := readEvidenceCorpus(t)
	if len(corpus) < 150 {
		t.Fatalf("corpus of %d findings", len(corpus))
	}
	direct := report.EvidenceJSONWith()
	for _, e := range corpus {
		if got := direct(e.Strength, e.Text); string(got) != string(e.JSON) {
			t.Errorf("%q written directly:\n got %s\nwant %s", e.Text, got, e.JSON)
		}
		got, err := json.Marshal(report.ParseEvidence(e.Strength, e.Text))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(e.JSON) {
			t.Errorf("%q parsed:\n got %s\nwant %s", e.Text, got, e.JSON)
		}
	}
}

// evidenceFinding is a line of testdata/evidence_corpus.jsonl.
type evidenceFinding struct {
	Detector string
	Strength float64
	JSON     json.RawMessage
	Text     string // from JSON
}

func readEvidenceCorpus(tb testing.TB) []evidenceFinding {
	f, err := os.Open("testdata/evidence_corpus.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var corpus []evidenceFinding
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e evidenceFinding
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			tb.Fatal(err)
		}
		var obj struct{ Text string }
		if err := json.Unmarshal(e.JSON, &obj); err != nil {
			tb.Fatal(err)
		}
		e.Text = obj.Text
		corpus = append(corpus, e)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return corpus
}

// BenchmarkEvidenceJSON writes the evidence_json of every text of
// testdata/evidence_corpus.jsonl, directly (the writers' path) and through
// ParseEvidence (the reference).
func BenchmarkEvidenceJSON(b *testing.B) {
	var texts []string
	for _, e := range readEvidenceCorpus(b) {
		texts = append(texts, e.Text)
	}
	b.Run("direct", func(b *testing.B) {
		direct := report.EvidenceJSONWith()
		for b.Loop() {
			for _, s := range texts {
				direct(0.5, s)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			for _, s := range texts {
				if _, err := json.Marshal(report.ParseEvidence(0.5, s)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
