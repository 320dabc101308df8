package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/names"
)

// Contents of the test bundle: big enough that compression pays.
var (
	widgetJS   = []byte(strings.Repeat("export default {render() {}};\n", 200))
	wasmBody   = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("viewer code "), 5000)...)
	loaderBody = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("loader code "), 500)...)
)

// bundle writes a precompressed test bundle with its manifest, as
// `loader build` does, and returns its folder.
func bundle(t *testing.T, version string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, names.WidgetFile), widgetJS, 0o644)
	os.WriteFile(filepath.Join(dir, names.ViewerFile), wasmBody, 0o644)
	os.WriteFile(filepath.Join(dir, names.LoaderFile), loaderBody, 0o644)
	os.WriteFile(filepath.Join(dir, names.StandaloneWidgetFile), widgetJS, 0o644)
	os.WriteFile(filepath.Join(dir, names.ElementFile), []byte(`import "./widget.js";`), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("nope"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "config"), []byte("[core]"), 0o644)
	c := &assets.Compression{Quality: 5, Cache: t.TempDir()}
	if _, err := assets.WriteManifest(dir, "0123456789abcdef", version, c); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newHandler(t *testing.T, cfg Config) *Handler {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch encoding {
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", encoding, err)
	}
	return b
}

func TestHandler(t *testing.T) {
	dir := bundle(t, "0.24.0-alpha.9")
	h := newHandler(t, Config{Dir: dir})
	m, err := assets.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name, ext string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name+ext))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	etag := func(name, enc string) string {
		sum := m.Files[name].SHA256
		if enc != "" {
			sum = m.Files[name].Encodings[enc].SHA256
		}
		return `"` + sum[:32] + `"`
	}
	type want struct {
		status   int
		encoding string // Content-Encoding; the body must decode to body
		body     []byte
		headers  map[string]string // exact values; "" means absent
	}
	tests := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		want    want
	}{
		{"wasm br", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"},
			want{200, "br", wasmBody, map[string]string{
				"Content-Type": "application/wasm", "Vary": "Accept-Encoding", "Cache-Control": "no-cache",
				names.FinalLengthHeader: strconv.Itoa(len(wasmBody)), "ETag": etag(names.ViewerFile, "br"),
				"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": assets.ExposedHeaders,
				"Content-Length": strconv.FormatInt(m.Files[names.ViewerFile].Encodings["br"].Size, 10),
			}}},
		{"wasm gzip", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "gzip"},
			want{200, "gzip", wasmBody, map[string]string{"ETag": etag(names.ViewerFile, "gzip"),
				"Content-Length": strconv.FormatInt(m.Files[names.ViewerFile].Encodings["gzip"].Size, 10)}}},
		{"wasm gzip preferred by q", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "br;q=0.5, gzip"},
			want{200, "gzip", wasmBody, nil}},
		{"wasm identity", "GET", "/re_viewer_bg.wasm", nil,
			want{200, "", wasmBody, map[string]string{"Content-Length": strconv.Itoa(len(wasmBody)), "Content-Encoding": "", "ETag": etag(names.ViewerFile, "")}}},
		{"widget br", "GET", "/widget.js", map[string]string{"Accept-Encoding": "br"},
			want{200, "br", widgetJS, map[string]string{"Content-Type": "text/javascript; charset=utf-8", "X-Content-Type-Options": "nosniff"}}},
		{"nothing acceptable", "GET", "/widget.js", map[string]string{"Accept-Encoding": "identity;q=0, *;q=0"},
			want{406, "", nil, nil}},
		{"query kept", "GET", "/re_viewer_bg.wasm?token=abc", nil, want{200, "", wasmBody, nil}},
		{"head", "HEAD", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "br"},
			want{200, "br", nil, map[string]string{"Content-Length": strconv.FormatInt(m.Files[names.ViewerFile].Encodings["br"].Size, 10)}}},

		{"revalidate br", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etag(names.ViewerFile, "br")},
			want{304, "", nil, map[string]string{"ETag": etag(names.ViewerFile, "br"), "Vary": "Accept-Encoding", "Content-Type": ""}}},
		{"revalidate weak and list", "GET", "/widget.js", map[string]string{"If-None-Match": `"nope", W/` + etag(names.WidgetFile, "")},
			want{304, "", nil, nil}},
		{"revalidate star", "GET", "/widget.js", map[string]string{"If-None-Match": "*"}, want{304, "", nil, nil}},
		{"other variant's etag", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etag(names.ViewerFile, "gzip")},
			want{200, "br", wasmBody, nil}},
		{"garbage If-None-Match", "GET", "/widget.js", map[string]string{"If-None-Match": `"unterminated, ,,`},
			want{200, "", widgetJS, nil}},

		{"range", "GET", "/re_viewer_bg.wasm", map[string]string{"Range": "bytes=0-3"},
			want{206, "", []byte("\x00asm"), map[string]string{"Content-Range": "bytes 0-3/" + strconv.Itoa(len(wasmBody)), "Content-Encoding": "", "Content-Length": "4"}}},
		{"range of the br variant", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-3"},
			want{206, "br", variant(names.ViewerFile, ".br")[:4], map[string]string{
				"Content-Range":  "bytes 0-3/" + strconv.FormatInt(m.Files[names.ViewerFile].Encodings["br"].Size, 10),
				"Content-Length": "4", "ETag": etag(names.ViewerFile, "br")}}},
		{"range with identity refused", "GET", "/re_viewer_bg.wasm", map[string]string{"Accept-Encoding": "gzip, identity;q=0", "Range": "bytes=2-5"},
			want{206, "gzip", variant(names.ViewerFile, ".gz")[2:6], map[string]string{"ETag": etag(names.ViewerFile, "gzip")}}},
		{"range unit in capitals", "GET", "/re_viewer_bg.wasm", map[string]string{"Range": "BYTES=0-3"},
			want{206, "", []byte("\x00asm"), nil}},
		{"suffix range", "GET", "/re_viewer_bg.wasm", map[string]string{"Range": "bytes=-5"},
			want{206, "", wasmBody[len(wasmBody)-5:], nil}},
		{"unsatisfiable range", "GET", "/re_viewer_bg.wasm", map[string]string{"Range": "bytes=999999999-"},
			want{416, "", nil, nil}},
		{"unknown range unit ignored", "GET", "/re_viewer_bg.wasm", map[string]string{"Range": "pages=1-2"},
			want{200, "", wasmBody, nil}},
		{"If-Range with the variant's ETag", "GET", "/widget.js", map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-1", "If-Range": etag(names.WidgetFile, "br")},
			want{206, "br", variant(names.WidgetFile, ".br")[:2], nil}},
		{"If-Range with another variant's ETag", "GET", "/widget.js", map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-1", "If-Range": etag(names.WidgetFile, "")},
			want{200, "br", widgetJS, nil}},

		{"If-Match identity", "GET", "/widget.js", map[string]string{"If-Match": etag(names.WidgetFile, "")}, want{200, "", widgetJS, nil}},
		{"If-Match br", "GET", "/widget.js", map[string]string{"Accept-Encoding": "br", "If-Match": etag(names.WidgetFile, "br")}, want{200, "br", widgetJS, nil}},
		{"If-Match gzip", "GET", "/widget.js", map[string]string{"Accept-Encoding": "gzip", "If-Match": etag(names.WidgetFile, "gzip")}, want{200, "gzip", widgetJS, nil}},
		{"If-Match star", "GET", "/widget.js", map[string]string{"Accept-Encoding": "br", "If-Match": "*"}, want{200, "br", widgetJS, nil}},
		{"If-Match miss identity", "GET", "/widget.js", map[string]string{"If-Match": `"other"`}, want{412, "", nil, nil}},
		{"If-Match miss br", "GET", "/widget.js", map[string]string{"Accept-Encoding": "br", "If-Match": etag(names.WidgetFile, "")}, want{412, "", nil, nil}},
		{"If-Match miss gzip", "GET", "/widget.js", map[string]string{"Accept-Encoding": "gzip", "If-Match": etag(names.WidgetFile, "br")}, want{412, "", nil, nil}},

		{"versioned by build id", "GET", "/version/0123456789abcdef/widget.js", nil,
			want{200, "", widgetJS, map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}}},
		{"versioned by semver", "GET", "/version/0.24.0-alpha.9/re_viewer_bg.wasm", nil,
			want{200, "", wasmBody, map[string]string{"Cache-Control": "no-cache"}}},
		{"versioned by PEP 440", "GET", "/version/0.24.0a9/widget.js", nil,
			want{200, "", widgetJS, nil}},
		{"wrong version", "GET", "/version/0.33.0/widget.js", nil, want{404, "", nil, nil}},
		{"version without file", "GET", "/version/0123456789abcdef", nil, want{404, "", nil, nil}},
		{"versioned other file", "GET", "/version/0123456789abcdef/secret.txt", nil, want{404, "", nil, nil}},

		{"preflight", "OPTIONS", "/re_viewer_bg.wasm", map[string]string{
			"Origin": "http://notebook.test", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"},
			want{204, "", nil, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
				"Access-Control-Allow-Headers": "range"}}},
		{"post", "POST", "/widget.js", nil, want{405, "", nil, map[string]string{"Allow": "GET, HEAD, OPTIONS"}}},
		{"delete", "DELETE", "/widget.js", nil, want{405, "", nil, nil}},

		{"other file in the folder", "GET", "/secret.txt", nil, want{404, "", nil, nil}},
		{"precompressed sibling by name", "GET", "/widget.js.br", nil, want{404, "", nil, nil}},
		{"manifest", "GET", "/manifest.json", nil, want{404, "", nil, nil}},
		{"root", "GET", "/", nil, want{404, "", nil, nil}},
		{"dir listing", "GET", "/version/", nil, want{404, "", nil, nil}},
		{"dotdot", "GET", "/../widget.js", nil, want{404, "", nil, nil}},
		{"encoded dotdot", "GET", "/%2e%2e/%2e%2e/etc/passwd", nil, want{404, "", nil, nil}},
		{"encoded dotdot in a version", "GET", "/version/0123456789abcdef/..%2Fsecret.txt", nil, want{404, "", nil, nil}},
		{"absolute path", "GET", "//etc/passwd", nil, want{404, "", nil, nil}},
		{"git", "GET", "/.git/config", nil, want{404, "", nil, nil}},
		{"version dotdot", "GET", "/version/../secret.txt", nil, want{404, "", nil, nil}},
	}
	// Ranges of an encoded variant are compared as sent.
	rawBody := map[string]bool{"range of the br variant": true, "range with identity refused": true, "If-Range with the variant's ETag": true}
	for _, tt := range tests {
		// As the request line carries it: no dot segments resolved.
		req := httptest.NewRequest(tt.method, "http://assets.test"+tt.path, nil)
		for k, v := range tt.headers {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		res := w.Result()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != tt.want.status {
			t.Errorf("%s: status %d, want %d", tt.name, res.StatusCode, tt.want.status)
			continue
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin = %q", tt.name, got)
		}
		for k, v := range tt.want.headers {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got, v)
			}
		}
		if tt.want.status >= 300 || tt.want.status == 204 || tt.method == "HEAD" {
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("%s: HEAD sent %d body bytes", tt.name, len(body))
			}
			continue
		}
		if got := res.Header.Get("Content-Encoding"); got != tt.want.encoding {
			t.Errorf("%s: Content-Encoding %q, want %q", tt.name, got, tt.want.encoding)
		}
		if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
			t.Errorf("%s: Content-Length %q for a %d-byte body", tt.name, cl, len(body))
		}
		if rawBody[tt.name] {
			if !bytes.Equal(body, tt.want.body) {
				t.Errorf("%s: body %x, want %x", tt.name, body, tt.want.body)
			}
			continue
		}
		if got := decode(t, tt.want.encoding, body); !bytes.Equal(got, tt.want.body) {
			t.Errorf("%s: body decodes to %d bytes, want %d", tt.name, len(got), len(tt.want.body))
		}
	}
}

// TestEncodingByLink checks that a browser on this machine gets the
// Viewer in zstd, one across a network or behind a proxy in brotli, each
// told which in the link header, and that --link overrides the guess.
func TestEncodingByLink(t *testing.T) {
	dir := bundle(t, "0.33.0")
	chrome := "gzip, deflate, br, zstd"
	tests := []struct {
		name       string
		link       Link
		remoteAddr string
		forwarded  string
		accept     string
		encoding   string
		local      bool
	}{
		{"same machine", LinkAuto, "127.0.0.1:40000", "", chrome, "zstd", true},
		{"same machine, no zstd", LinkAuto, "[::1]:40000", "", "gzip, br", "br", true},
		{"network", LinkAuto, "192.0.2.7:40000", "", chrome, "br", false},
		{"behind a proxy", LinkAuto, "127.0.0.1:40000", "198.51.100.4", chrome, "br", false},
		{"forced remote", LinkRemote, "127.0.0.1:40000", "", chrome, "br", false},
		{"forced local", LinkLocal, "192.0.2.7:40000", "", chrome, "zstd", true},
	}
	for _, tt := range tests {
		h := newHandler(t, Config{Dir: dir, Link: tt.link})
		req := httptest.NewRequest("GET", "http://assets.test/re_viewer_bg.wasm", nil)
		req.RemoteAddr = tt.remoteAddr
		req.Header.Set("Accept-Encoding", tt.accept)
		if tt.forwarded != "" {
			req.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		res := w.Result()
		body, _ := io.ReadAll(res.Body)
		if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
			t.Errorf("%s: Content-Encoding %q, want %q", tt.name, got, tt.encoding)
			continue
		}
		wantLink := map[bool]string{true: "local", false: "remote"}[tt.local]
		if got := res.Header.Get(names.LinkHeader); got != wantLink {
			t.Errorf("%s: %s = %q, want %q", tt.name, names.LinkHeader, got, wantLink)
		}
		if got := decode(t, tt.encoding, body); !bytes.Equal(got, wasmBody) {
			t.Errorf("%s: body decodes to %d bytes, want %d", tt.name, len(got), len(wasmBody))
		}
	}
}

func TestAllowedOrigins(t *testing.T) {
	h := newHandler(t, Config{Dir: bundle(t, "0.33.0"), AllowOrigins: []string{"https://hub.example"}})
	tests := []struct {
		origin string
		status int
		acao   string
	}{
		{"https://hub.example", 200, "https://hub.example"},
		{"https://evil.example", 403, ""},
		{"", 200, ""}, // not a cross-origin request: curl, the Python probe
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/widget.js", nil)
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tt.status || w.Header().Get("Access-Control-Allow-Origin") != tt.acao {
			t.Errorf("origin %q: %d, ACAO %q; want %d, %q", tt.origin, w.Code, w.Header().Get("Access-Control-Allow-Origin"), tt.status, tt.acao)
		}
		if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
			t.Errorf("origin %q: no Vary: Origin with an allow-list", tt.origin)
		}
	}
}

func TestNewRejectsAnIncompleteBundle(t *testing.T) {
	dir := bundle(t, "0.33.0")
	os.Remove(filepath.Join(dir, "re_viewer_bg.wasm.br"))
	if _, err := New(Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), "loader build") {
		t.Errorf("New without a variant = %v, want an error that says how to build", err)
	}
	dir = bundle(t, "0.33.0")
	os.WriteFile(filepath.Join(dir, "widget.js"), []byte("changed"), 0o644)
	if _, err := New(Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), "manifest says") {
		t.Errorf("New with a changed file = %v", err)
	}
	dir = bundle(t, "0.33.0")
	os.Remove(filepath.Join(dir, assets.ManifestFile))
	if _, err := New(Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), "loader build") {
		t.Errorf("New without a manifest = %v", err)
	}
}

// syncBuffer lets the test read what Serve prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServe(t *testing.T) {
	tests := []struct {
		name, publicURL, wantAsset string
	}{
		{"local", "", `http://127\.0\.0\.1:\d+/widget\.js`},
		{"behind a proxy", "https://hub.example/user/me/proxy/8080/", `https://hub\.example/user/me/proxy/8080/widget\.js`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, Config{Dir: bundle(t, "0.33.0")})
			ctx, cancel := context.WithCancel(context.Background())
			out := &syncBuffer{}
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- Serve(ctx, h, ServeOptions{Host: "127.0.0.1", PublicURL: tt.publicURL}, out) }()

			re := regexp.MustCompile(`(?m)^Serving rerun notebook assets at (http://127\.0\.0\.1:\d+)\nRERUN_NOTEBOOK_ASSET=(` + tt.wantAsset + `)$`)
			var m []string
			for deadline := time.Now().Add(5 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				m = re.FindStringSubmatch(out.String())
			}
			if m == nil {
				t.Fatalf("Serve printed %q", out.String())
			}
			res, err := http.Get(m[1] + "/widget.js")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			t.Logf("first answer %v after start", time.Since(start).Round(time.Millisecond))
			if res.StatusCode != 200 {
				t.Errorf("GET widget.js: %s", res.Status)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve after shutdown = %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("Serve did not return after its context ended")
			}
		})
	}
	if err := Serve(context.Background(), nil, ServeOptions{Host: "127.0.0.1", PublicURL: "ftp://x"}, io.Discard); err == nil {
		t.Error("Serve accepted an ftp public URL")
	}
}

// TestHTTPServerLimits sends what a careless or hostile client can: a
// request whose headers are larger than any browser sends is refused
// (Go's own default would read up to 1 MB of them).
func TestHTTPServerLimits(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config = NewHTTPServer(http.NotFoundHandler())
	srv.Start()
	defer srv.Close()
	req, err := http.NewRequest("GET", srv.URL+"/widget.js", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Large", strings.Repeat("x", 64<<10))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KB of headers: HTTP %d, want %d", resp.StatusCode, http.StatusRequestHeaderFieldsTooLarge)
	}
}
