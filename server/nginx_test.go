package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/nginx"
	"github.com/gorerun/loader/names"
)

// TestNginxAnswersAsWeDo serves one bundle with the nginx.conf `loader
// build` writes and with our Handler, and compares their answers header by
// header on every path, encoding and method a notebook or page uses. Both
// follow assets.Routes, so a header changed in one place shows here
// if the other does not follow.
func TestNginxAnswersAsWeDo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	dir := bundle(t, "0.24.0-alpha.9")
	ngx, err := nginx.Start(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()
	// nginx sends brotli to every client that takes it, as ours does to
	// remote ones (nginx has no zstd_static).
	ours := httptest.NewServer(newHandler(t, Config{Dir: dir, Link: LinkRemote}))
	defer ours.Close()

	// What a client can see and rely on; ETags differ in form (nginx makes
	// its own from size and time) but each must be there.
	compared := []string{"Content-Type", "Content-Encoding", "Content-Length", "Cache-Control", names.FinalLengthHeader,
		"X-Content-Type-Options", "Cross-Origin-Resource-Policy", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers"}
	var paths []string
	for _, f := range assets.Files {
		paths = append(paths, "/"+f.Name, "/version/0123456789abcdef/"+f.Name, "/version/0.24.0-alpha.9/"+f.Name, "/version/0.24.0a9/"+f.Name)
	}
	paths = append(paths, "/version/9.9.9/widget.js", "/manifest.json", "/widget.js.br", "/nginx.conf")
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	do := func(base, method, path, accept string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Origin", "http://notebook.test")
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	n := 0
	for _, path := range paths {
		for _, method := range []string{"GET", "HEAD"} {
			for _, accept := range []string{"br", "gzip", "gzip, deflate, br, zstd", ""} {
				name := method + " " + path + " (" + accept + ")"
				a, bodyA := do(ours.URL, method, path, accept)
				b, bodyB := do(ngx.URL, method, path, accept)
				n++
				if a.StatusCode != b.StatusCode {
					t.Errorf("%s: we answer %d, nginx %d", name, a.StatusCode, b.StatusCode)
					continue
				}
				if a.StatusCode != 200 {
					continue
				}
				for _, h := range compared {
					if a.Header.Get(h) != b.Header.Get(h) {
						t.Errorf("%s: %s: ours %q, nginx %q", name, h, a.Header.Get(h), b.Header.Get(h))
					}
				}
				if a.Header.Get("ETag") == "" || b.Header.Get("ETag") == "" {
					t.Errorf("%s: ETag ours %q, nginx %q", name, a.Header.Get("ETag"), b.Header.Get("ETag"))
				}
				if enc := a.Header.Get("Content-Encoding"); enc != "" && (!strings.Contains(a.Header.Get("Vary"), "Accept-Encoding") || !strings.Contains(b.Header.Get("Vary"), "Accept-Encoding")) {
					t.Errorf("%s: Vary ours %q, nginx %q", name, a.Header.Get("Vary"), b.Header.Get("Vary"))
				}
				if !bytes.Equal(bodyA, bodyB) {
					t.Errorf("%s: bodies differ (%d and %d bytes)", name, len(bodyA), len(bodyB))
				}
			}
		}
	}
	res, _ := do(ngx.URL, "OPTIONS", "/re_viewer_bg.wasm", "")
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("nginx preflight: %d, %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}
	t.Logf("%d requests compared", n)
}
