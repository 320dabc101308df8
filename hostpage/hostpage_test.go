package hostpage

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoPages serves each demo page, host.js and the recording under
// the strict policy, and leaves every other path to the handler behind.
func TestDemoPages(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "demo.rrd")
	os.WriteFile(rec, []byte("RRF2demo"), 0o644)
	behind := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte("the bundle's " + r.URL.Path))
	})
	h, err := WithDemo(behind, rec)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/":              `<rerun-viewer id="viewer" src="recording.rrd"`,
		"/mount.html":    `src="mount.js"`,
		"/mount.js":      `from "./widget.js"`,
		"/notebook.html": `src="notebook.js"`,
		"/demo.css":      "body {",
		"/host.js":       "export class Model",
		"/recording.rrd": "RRF2demo",
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d %q", path, w.Code, w.Body.String())
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: Content-Security-Policy %q, want the strict demo policy", path, csp)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/rerun-viewer.js", nil))
	if w.Body.String() != "the bundle's /rerun-viewer.js" || w.Header().Get("Content-Security-Policy") != "" {
		t.Errorf("/rerun-viewer.js: %q, %q; want the bundle's, without the demo's policy", w.Body.String(), w.Header())
	}
	if _, err := WithDemo(behind, "/no/such.rrd"); err == nil {
		t.Error("WithDemo accepted a missing recording")
	}
}
