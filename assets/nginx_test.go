package assets

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// brotliModule is where Debian's libnginx-mod-http-brotli-static puts the
// module the generated nginx.conf needs.
const brotliModule = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"

// startNginx runs nginx in the foreground on a free loopback port with a
// server block that includes the bundle's generated nginx.conf, and
// returns its base URL.
func startNginx(t *testing.T, bundle string) string {
	t.Helper()
	exe, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatal("nginx is not installed (make test installs Debian's nginx and libnginx-mod-http-brotli-static)")
	}
	if _, err := os.Stat(brotliModule); err != nil {
		t.Fatal("the nginx brotli_static module is not installed (Debian: libnginx-mod-http-brotli-static)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read the test's private temp folders
	}
	conf := fmt.Sprintf(`%s
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
load_module %[3]s;
events {}
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    server {
        listen %[4]s;
        include %[5]s/nginx.conf;
    }
}
`, user, dir, brotliModule, addr, bundle)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(exe, "-t", "-p", dir, "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(exe, "-p", dir, "-c", confPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	t.Fatalf("nginx did not start: %s\n%s", stderr.String(), log)
	return ""
}

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
	base := startNginx(t, dir)

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
