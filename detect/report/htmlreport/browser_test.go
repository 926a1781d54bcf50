package htmlreport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/sample"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/detect/pipeline"
	"github.com/washscan/washscan/detect/registry"
	"github.com/washscan/washscan/detect/report"
	"github.com/washscan/washscan/detect/report/htmlreport"
	"github.com/washscan/washscan/features"
)

// chromium returns the headless browser to test with, or skips the test
// saying why (.ci/run installs the Debian package chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (apt-get install chromium): the browser tests cannot run here")
	return ""
}

// browse runs headless Chromium on page with extra flags (--dump-dom,
// --screenshot=…) and returns its standard output.
func browse(t *testing.T, bin, page string, flags ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+page)...)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", flags, err, errb.Bytes())
	}
	return out.Bytes()
}

// run analyzes trades as analyze does and writes the HTML report.
func run(t *testing.T, tr *datasets.Trades, fu *datasets.Funders, dir string) (string, *metrics.Report) {
	t.Helper()
	p, err := registry.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	fs := features.Compute(tr)
	out, err := pipeline.Run(context.Background(), &detect.Input{Features: fs, Funders: fu}, p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	flagged := report.Verdicts(out.Scores.Score, 0.5)
	opt := metrics.Options{Range: metrics.Ranges[4], Top: 20,
		Provenance: metrics.Provenance{Version: "test", Preset: p.Name, Threshold: 0.5, Weights: "builtin"}}
	rep := metrics.Compute(fs, flagged, opt)
	path := filepath.Join(dir, "report.html")
	err = htmlreport.WriteFile(path, &htmlreport.Source{Report: rep, Features: fs, Window: metrics.InWindow(fs, opt),
		Flagged: flagged, Score: out.Scores.Score, Reasons: out.Scores.Reasons, Evidence: out.Scores.Evidence,
		Detectors: p.Detectors, Weights: &p.Weights, Recorded: true, Top: opt.Top, Origin: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return path, rep
}

// jsonFields returns the scalar fields of a metrics JSON object as the
// metrics file writes them.
func jsonFields(t *testing.T, v any) map[string]string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, raw := range m {
		if len(raw) > 0 && raw[0] != '[' && raw[0] != '{' && raw[0] != '"' {
			out[k] = string(raw)
		}
	}
	return out
}

var figRE = regexp.MustCompile(`<div class="fig" data-field="([a-z_]+)"><span>[a-z_]+</span><b>([^<]*)</b></div>`)

// TestBrowserFigures opens the report of the embedded sample (a labeled
// market) in headless Chromium: the page loads, its own script runs (the
// filter boxes it reveals are shown: the CSP hash is right), a screenshot
// is taken, and the market and marketplace figures in the DOM equal the
// metrics JSON's.
func TestBrowserFigures(t *testing.T) {
	bin := chromium(t)
	tr, err := sample.Load(datasets.LoadOptions{})
	fu := tr.Funders
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page, rep := run(t, tr, fu, dir)
	dom := string(browse(t, bin, page, "--dump-dom"))
	if !strings.Contains(dom, `id="market"`) || !strings.Contains(dom, `id="provenance"`) {
		t.Fatalf("the DOM lacks the report's sections:\n%.2000s", dom)
	}
	if strings.Contains(dom, `class="filter" data-for="mp-table" placeholder="filter marketplaces" hidden`) {
		t.Error("the page's script did not run (filter boxes still hidden): CSP hash or script broken")
	}
	market := dom[strings.Index(dom, `id="market"`):strings.Index(dom, `id="marketplaces"`)]
	want := jsonFields(t, rep.Market.Metrics)
	got := map[string]string{}
	for _, m := range figRE.FindAllStringSubmatch(market, -1) {
		got[m[1]] = m[2]
	}
	if len(got) != len(want) {
		t.Errorf("market: %d figures in the DOM, %d in the JSON", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("market %s: DOM %q, JSON %s", k, got[k], v)
		}
	}
	for _, mp := range rep.Marketplaces {
		j := jsonFields(t, mp.Metrics)
		rowRE := regexp.MustCompile(`<tr data-platform="` + regexp.QuoteMeta(mp.Platform) + `">(.*?)</tr>`)
		row := rowRE.FindStringSubmatch(dom)
		if row == nil {
			t.Errorf("marketplace %s not in the DOM", mp.Platform)
			continue
		}
		cells := regexp.MustCompile(`data-field="([a-z_]+)">([^<]*)<`).FindAllStringSubmatch(row[1], -1)
		if len(cells) == 0 {
			t.Errorf("marketplace %s: no figures", mp.Platform)
		}
		for _, c := range cells {
			if j[c[1]] != c[2] {
				t.Errorf("marketplace %s %s: DOM %q, JSON %s", mp.Platform, c[1], c[2], j[c[1]])
			}
		}
	}
	for _, k := range []string{"rows_read", "rows_loaded"} {
		v := jsonFields(t, rep.Input)[k]
		if !strings.Contains(dom, fmt.Sprintf(`data-field="%s">%s<`, k, v)) {
			t.Errorf("provenance %s %s not in the DOM", k, v)
		}
	}
	if !strings.Contains(dom, `<svg class="ring"`) {
		t.Error("no ring drawn for the sample's cycles")
	}

	shot := filepath.Join(dir, "report.png")
	browse(t, bin, page, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars")
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 20000 {
		t.Fatalf("screenshot: %v, %d bytes", err, len(png))
	}
	if keep := os.Getenv("WASHSCAN_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot written to %s", keep)
	}
}

// hostile are input strings that try to add markup or script to the page;
// each would set data-pwned on the body if it ran.
var hostile = []string{
	`<script>document.body.setAttribute('data-pwned','1')</script>`,
	`"><img src=x onerror="document.body.setAttribute('data-pwned','2')">`,
	`</style><script>document.body.setAttribute('data-pwned','3')</script>`,
	`javascript:document.body.setAttribute('data-pwned','4')`,
	`</title><svg onload="document.body.setAttribute('data-pwned','5')">`,
	`]]><!--<script>document.body.setAttribute('data-pwned','6')</script>`,
}

// hostilePage writes the report of a market whose platform, currency and
// chain strings are the hostile ones.
func hostilePage(t *testing.T, dir string) string {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("chain,block_time,tx_hash,log_index,contract,token_id,seller,buyer,price,currency,platform,price_usd\n")
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	row := 0
	for k, h := range hostile {
		// A ring A→B→C→A and a back-and-forth per string, so the strings
		// reach every section: marketplaces, collections, trades, rings.
		legs := [][2]int{{1, 2}, {2, 3}, {3, 1}, {1, 2}, {2, 1}}
		for j, l := range legs {
			row++
			fmt.Fprintf(&csv, "%s,2022-01-%02dT%02d:00:00Z,0x%064x,0,0x%040x,%d,0x%040x,0x%040x,%d.5,%s,%s,%d\n",
				q(h), 1+k, j, row, 0xc0+k, 1+j%2, 0xa0+10*k+l[0], 0xa0+10*k+l[1], 1+j, q(h), q(h), 100*(1+j))
		}
	}
	path := filepath.Join(dir, "hostile.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := datasets.Load([]string{path}, datasets.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page, rep := run(t, tr, nil, dir)
	if len(rep.Marketplaces) == 0 || rep.Market.WashtradeSuspectSales == 0 {
		t.Fatalf("the hostile market should have marketplaces and flagged sales: %+v", rep.Market.Metrics)
	}
	return page
}

// TestBrowserHostileStrings: a market whose platform, currency and chain
// strings are markup gives a page where no script runs, no element is
// added, and the strings show as text.
func TestBrowserHostileStrings(t *testing.T) {
	bin := chromium(t)
	page := hostilePage(t, t.TempDir())
	dom := string(browse(t, bin, page, "--dump-dom"))
	if strings.Contains(dom, "data-pwned") && regexp.MustCompile(`<body[^>]*data-pwned`).MatchString(dom) {
		t.Fatal("an input string ran as script")
	}
	if n := strings.Count(dom, "<script"); n != 1 {
		t.Errorf("%d script elements in the DOM, want the page's one", n)
	}
	if strings.Contains(dom, "<img") || regexp.MustCompile(`<svg[^>]*onload`).MatchString(dom) {
		t.Error("an input string added an element")
	}
	// A real event-handler attribute serializes as on…="; in attribute
	// values Chromium writes &quot;, in text nodes no tag precedes it.
	if m := regexp.MustCompile(`<[a-zA-Z][^<>]*\son(error|load)="`).FindString(dom); m != "" {
		t.Errorf("an element has an event handler: %s", m)
	}
	// The strings are text: their escaped forms are in the page, and in the
	// DOM their characters come back as text (Chromium serializes < > & as
	// entities in text nodes).
	lower := strings.ToLower(dom)
	for _, h := range hostile {
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(strings.ToLower(h))
		if !strings.Contains(lower, esc) {
			t.Errorf("%q does not appear as text in the DOM", h)
		}
	}
}

// BenchmarkChromiumLoad measures how long headless Chromium takes to fire
// the load event of the report named by $WASHSCAN_HTML_REPORT (BENCHMARKS.md:
// the 3.9M-row synthetic market's): a copy of the page without its CSP gets
// a script that records performance.now() at the load event on the root
// element, read back from --dump-dom. Reports load-ms; skipped without the
// variable or Chromium.
func BenchmarkChromiumLoad(b *testing.B) {
	page := os.Getenv("WASHSCAN_HTML_REPORT")
	if page == "" {
		b.Skip("set WASHSCAN_HTML_REPORT to an HTML report")
	}
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		b.Skip("no Chromium on PATH")
	}
	src, err := os.ReadFile(page)
	if err != nil {
		b.Fatal(err)
	}
	s := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`).ReplaceAllString(string(src), "")
	s = strings.Replace(s, "<head>", `<head><script>addEventListener("load",function(){document.documentElement.setAttribute("data-load-ms",String(performance.now()))})</script>`, 1)
	dir := b.TempDir()
	measured := filepath.Join(dir, "measure.html")
	if err := os.WriteFile(measured, []byte(s), 0o644); err != nil {
		b.Fatal(err)
	}
	re := regexp.MustCompile(`data-load-ms="([0-9.]+)"`)
	total := 0.0
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+filepath.Join(dir, fmt.Sprint("ud", i)), "--dump-dom", "file://"+measured)
		out, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		m := re.FindSubmatch(out)
		if m == nil {
			b.Fatal("no load time in the DOM")
		}
		var ms float64
		fmt.Sscan(string(m[1]), &ms)
		total += ms
	}
	b.ReportMetric(total/float64(b.N), "load-ms")
}
