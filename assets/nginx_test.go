package assets

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/gorerun/loader/bench/nginx"
)

// TestNginxConfig serves a built bundle with the generated nginx.conf and
// checks it answers as our server does where the notebook widget cares.
func TestNginxConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	dir := t.TempDir()
	widget := []byte(strings.Repeat("export default {render() {}};\n", 300))
	wasm := append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("viewer code "), 8000)...)
	os.WriteFile(filepath.Join(dir, WidgetFile), widget, 0o644)
	os.WriteFile(filepath.Join(dir, ViewerFile), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, ElementFile), []byte(`import "./widget.js";`), 0o644)
	m, err := WriteManifest(dir, "0123456789abcdef", "0.24.0-alpha.9", &Compression{Quality: 5, Cache: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{NginxFile, HeadersFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Contains(b, []byte("rerun-final-length")) {
			t.Errorf("%s: %v, %q", f, err, b)
		}
	}
	srv, err := nginx.Start(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	base := srv.URL

	tests := []struct {
		method, path, acceptEncoding string
		status                       int
		encoding, cacheControl       string
		body                         []byte
	}{
		{"GET", "/re_viewer_bg.wasm", "gzip, deflate, br, zstd", 200, "br", "no-cache", wasm},
		{"GET", "/re_viewer_bg.wasm", "gzip", 200, "gzip", "no-cache", wasm},
		{"GET", "/re_viewer_bg.wasm", "", 200, "", "no-cache", wasm},
		{"GET", "/widget.js", "br", 200, "br", "no-cache", widget},
		{"GET", "/version/0123456789abcdef/widget.js", "br", 200, "br", "public, max-age=31536000, immutable", widget},
		{"GET", "/version/0.24.0a9/re_viewer_bg.wasm", "gzip", 200, "gzip", "public, max-age=31536000, immutable", wasm},
		{"GET", "/version/0.24.0-alpha.9/re_viewer_bg.wasm", "", 200, "", "public, max-age=31536000, immutable", wasm},
		{"GET", "/version/9.9.9/widget.js", "", 404, "", "", nil},
		{"GET", "/manifest.json", "", 404, "", "", nil},
		{"OPTIONS", "/re_viewer_bg.wasm", "", 204, "", "", nil},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(context.Background(), tt.method, base+tt.path, nil)
		req.Header.Set("Origin", "http://notebook.test")
		if tt.acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", tt.acceptEncoding)
		}
		tr := &http.Transport{DisableCompression: true}
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		name := tt.method + " " + tt.path + " (" + tt.acceptEncoding + ")"
		if res.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", name, res.StatusCode, tt.status)
			continue
		}
		if tt.status == 404 {
			continue
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", name, got)
		}
		if tt.status != 200 {
			continue
		}
		file := strings.TrimPrefix(tt.path[strings.LastIndex(tt.path, "/"):], "/")
		checks := map[string]string{
			"Content-Encoding":              tt.encoding,
			"Cache-Control":                 tt.cacheControl,
			"rerun-final-length":            strconv.FormatInt(m.Files[file].Size, 10),
			"Access-Control-Expose-Headers": ExposedHeaders,
			"Content-Length":                strconv.Itoa(len(body)),
		}
		if file == ViewerFile {
			checks["Content-Type"] = "application/wasm"
		} else {
			checks["Content-Type"] = "text/javascript; charset=utf-8"
		}
		for k, want := range checks {
			if got := res.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
		if tt.encoding != "" && !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: no Vary: Accept-Encoding", name)
		}
		var r io.Reader = bytes.NewReader(body)
		switch tt.encoding {
		case "br":
			r = brotli.NewReader(r)
		case "gzip":
			r, _ = gzipReader(r)
		}
		if got, _ := io.ReadAll(r); !bytes.Equal(got, tt.body) {
			t.Errorf("%s: body decodes to %d bytes, want %d", name, len(got), len(tt.body))
		}
	}
}

func gzipReader(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }
