package htmlreport_test

import (
	"os"
	"strings"
	"testing"
)

// TestPageEscapes checks the page itself, without a browser: the hostile
// strings appear only escaped, the page has one script element (its own)
// and no image or event handler, and its CSP allows no network.
func TestPageEscapes(t *testing.T) {
	page := hostilePage(t, t.TempDir())
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if n := strings.Count(s, "<script"); n != 1 {
		t.Errorf("%d <script in the page, want 1", n)
	}
	for _, bad := range []string{"<img", "<svg onload", "</style><script", "<script>document"} {
		if strings.Contains(strings.ToLower(s), bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	for _, h := range hostile {
		low := strings.ToLower(h)
		if strings.Contains(strings.ToLower(s), low) {
			t.Errorf("%q appears unescaped", h)
		}
	}
	if !strings.Contains(s, `&lt;script&gt;document.body.setattribute(&#39;data-pwned&#39;,&#39;1&#39;)&lt;/script&gt;`) {
		t.Error("the platform string is not in the page as escaped text")
	}
	if !strings.Contains(s, `content="default-src 'none';`) {
		t.Error("no Content-Security-Policy denying the network")
	}
	for _, ext := range []string{"http://", "https://", "//cdn"} {
		if strings.Contains(s, "src=\""+ext) || strings.Contains(s, "href=\""+ext) {
			t.Errorf("the page loads from %s", ext)
		}
	}
}
