// Package browsertest holds the end-to-end tests: widget.js, the element
// and mount() driving the real Viewer (and a stand-in) in headless
// Chromium through package headless.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/hostpage"
	"github.com/gorerun/loader/internal/standin"
	"github.com/gorerun/loader/internal/testpage"
	"github.com/gorerun/loader/internal/upstream"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// The suite's pieces are built on first use, once per package run, so a
// test run selects what it pays for: the stand-in Viewer's tests never
// build the 47 MB one. Every piece registers its cleanup in closers.
var (
	closersMu sync.Mutex
	closers   []func()
)

func onTeardown(f func()) {
	closersMu.Lock()
	defer closersMu.Unlock()
	closers = append(closers, f)
}

// made are the folders the package run made outside the tests' own
// temporary folders (builds, browser profiles): the teardown must remove
// every one.
var made []string

// sharedDir makes a folder for the rest of the package run.
func sharedDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		onTeardown(func() { os.RemoveAll(dir) })
		closersMu.Lock()
		made = append(made, dir)
		closersMu.Unlock()
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	closersMu.Lock()
	defer closersMu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	for _, dir := range made {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "browsertest: the teardown left %s behind\n", dir)
			code = 1
		}
	}
	os.Exit(code)
}

// must returns what get returns, or ends the test with its error.
func must[T any](t testing.TB, get func() (T, error)) T {
	t.Helper()
	v, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var launchBrowser = sync.OnceValues(func() (*headless.Browser, error) {
	b, err := headless.Launch(context.Background())
	if err == nil {
		onTeardown(b.Close)
		closersMu.Lock()
		made = append(made, b.ProfileDir())
		closersMu.Unlock()
	}
	return b, err
})

// chromium is the one Chromium of the package run.
func chromium(t testing.TB) *headless.Browser { return must(t, launchBrowser) }

// pinned is the pinned Viewer's unpacked package and the cache it is in.
type pinned struct{ pkg, cache string }

var fetchPinned = sync.OnceValues(func() (pinned, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return pinned{}, err
	}
	pkg, err := assets.FetchViewer(context.Background(), assets.DefaultViewer(), cache, os.Stderr)
	return pinned{pkg, cache}, err
})

var buildReal = sync.OnceValues(func() (string, error) {
	ctx := context.Background()
	p, err := fetchPinned()
	if err != nil {
		return "", err
	}
	pkg, cache := p.pkg, p.cache
	dir, err := sharedDir("browsertest-build-")
	if err != nil {
		return "", err
	}
	// The production bundle, precompressed as `loader serve` does on a
	// first run (quality 11 costs a fresh machine minutes of a core beside
	// the browsers, and no test here is about brotli's best); cached by
	// content hash, so it is paid once.
	compression := &assets.Compression{Quality: assets.QuickQuality, Cache: cache, Log: os.Stderr}
	_, err = assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: dir, Log: os.Stderr, Compression: compression})
	return dir, err
})

// realDir is the bundle of the pinned, real Viewer.
func realDir(t testing.TB) string { return must(t, buildReal) }

var buildFake = sync.OnceValues(func() (string, error) {
	dir, err := sharedDir("browsertest-fake-")
	if err != nil {
		return "", err
	}
	pkg := filepath.Join(dir, "viewer")
	if err := standin.WriteViewer(pkg, nil); err != nil {
		return "", err
	}
	_, err = assets.Build(context.Background(), assets.Options{ViewerDir: pkg, OutDir: filepath.Join(dir, "bundle")})
	return filepath.Join(dir, "bundle"), err
})

// fakePackage writes the stand-in Viewer's package into a test's
// temporary folder.
func fakePackage(t testing.TB) string {
	pkg := t.TempDir()
	if err := standin.WriteViewer(pkg, nil); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// fakeDir is the bundle of the stand-in Viewer (internal/standin).
func fakeDir(t testing.TB) string { return must(t, buildFake) }

// serveOnce serves a bundle directory through h's wrapper on its own
// origin for the rest of the package run.
func serveOnce(dir func() (string, error), wrap func(http.Handler) http.Handler) func() (string, error) {
	return sync.OnceValues(func() (string, error) {
		d, err := dir()
		if err != nil {
			return "", err
		}
		h, err := server.New(server.Config{Dir: d})
		if err != nil {
			return "", err
		}
		srv := httptest.NewServer(wrap(h))
		onTeardown(srv.Close)
		return srv.URL, nil
	})
}

func identity(h http.Handler) http.Handler { return h }

var (
	serveReal = serveOnce(buildReal, identity)
	serveFake = serveOnce(buildFake, identity)
	// Slowly and labelled application/octet-stream: the loader then
	// downloads first and compiles after, in two phases.
	serveSlowMIME = serveOnce(buildReal, func(h http.Handler) http.Handler { return throttle(mislabel(h), 16<<20) })
)

// serveUpstream serves @rerun-io/web-viewer's own WebViewer, bundled
// from the pinned npm package as a web app bundles it, with the Viewer
// next to it.
var serveUpstream = sync.OnceValues(func() (string, error) {
	p, err := fetchPinned()
	if err != nil {
		return "", err
	}
	pkg := p.pkg
	module, err := upstream.Bundle(context.Background(), []byte(`export { WebViewer } from "@rerun-io/web-viewer";`+"\n"), pkg, p.cache, os.Stderr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/web-viewer.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(module)
	})
	mux.HandleFunc("/"+names.ViewerFile, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		http.ServeFile(w, r, filepath.Join(pkg, names.ViewerFile))
	})
	srv := httptest.NewServer(mux)
	onTeardown(srv.Close)
	return srv.URL + "/web-viewer.js", nil
})

// upstreamURL is the module of upstream's WebViewer.
func upstreamURL(t testing.TB) string { return must(t, serveUpstream) }

// realURL is the widget.js of the real Viewer, on an asset server shared
// by the tests that do not count its requests.
func realURL(t testing.TB) string { return must(t, serveReal) + "/widget.js" }

// fakeURL is the widget.js of the stand-in Viewer.
func fakeURL(t testing.TB) string { return must(t, serveFake) + "/widget.js" }

// standalone is the standalone build next to the widget.js at url: the
// one to import from a blob: URL, as loader install puts it where
// anywidget does that (inline mode).
func standalone(url string) string {
	return strings.TrimSuffix(url, names.WidgetFile) + names.StandaloneWidgetFile
}

func slowMIMEURL(t testing.TB) string { return must(t, serveSlowMIME) + "/widget.js" }

var servePages = sync.OnceValues(func() (*httptest.Server, error) {
	fixtures, err := testpage.FixtureDir()
	if err != nil {
		return nil, err
	}
	srv := testpage.Server(map[string]http.Handler{
		"/rrd/{name}": http.StripPrefix("/rrd/", http.FileServer(http.Dir(fixtures))),
		// A page that shows <rerun-viewer> from the asset origin in
		// ?assets= under the strict policy the README gives.
		"/csp.html": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.URL.Query().Get("assets")
			w.Header().Set("Content-Security-Policy", hostpage.ContentSecurityPolicy(origin))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="/testkit/csp.js"></script>
<script type="module" src="%s/rerun-viewer.js"></script></head>
<body><rerun-viewer src="/rrd/%s" width="640" height="400" theme="dark"></rerun-viewer></body></html>`,
				html.EscapeString(origin), fixtureRRD)
		}),
		"/inline.js": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			src, err := inlineSource()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(src))
		}),
	})
	onTeardown(srv.Close)
	return srv, nil
})

// pagesURL is the origin of the host page, the recordings (/rrd/NAME) and
// the inline-mode widget (/inline.js): another origin than the assets',
// as Jupyter and the asset server are.
func pagesURL(t testing.TB) string { return must(t, servePages).URL }

// assetLog is an asset server of one test's own, which records its
// requests.
type assetLog struct {
	URL string // of widget.js

	mu       sync.Mutex
	requests []string // path and query, and the status: "/widget.js 200"
}

// newAssetLog serves the bundle in dir (realDir or fakeDir).
func newAssetLog(t *testing.T, dir string) *assetLog {
	t.Helper()
	h, err := server.New(server.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	a := &assetLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		a.mu.Lock()
		a.requests = append(a.requests, fmt.Sprintf("%s %d", r.URL.RequestURI(), sw.code))
		a.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL + "/widget.js"
	return a
}

// mark returns a position in the log for since.
func (a *assetLog) mark() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

// since returns "request status" for the requests after mark.
func (a *assetLog) since(mark int) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.requests[mark:]...)
}

// paths returns the requests after mark without their status.
func (a *assetLog) paths(mark int) []string {
	var out []string
	for _, r := range a.since(mark) {
		out = append(out, r[:strings.LastIndexByte(r, ' ')])
	}
	return out
}

// throttle serves the Viewer Wasm at about bytesPerSecond, so tests can
// act while it downloads.
func throttle(h http.Handler, bytesPerSecond int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w = slowWriter{w, bytesPerSecond}
		}
		h.ServeHTTP(w, r)
	})
}

type slowWriter struct {
	http.ResponseWriter
	rate int
}

func (s slowWriter) Write(p []byte) (int, error) {
	n, err := s.ResponseWriter.Write(p)
	time.Sleep(time.Duration(n) * time.Second / time.Duration(s.rate))
	return n, err
}

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// inlineSource applies rerun-notebook's inline transformation
// (docs/protocol.md, "Asset modes") to the built widget.js as loader install puts it in the
// package (the standalone build): the text between the markers
// becomes code that returns the gzipped, base64-inlined Viewer. It is made
// once and served as /inline.js for the page to import from a blob: URL,
// as anywidget does with a string _esm.
var inlineSource = sync.OnceValues(func() (string, error) {
	widget, wasm, err := standaloneAndViewer()
	if err != nil {
		return "", err
	}
	return headless.Inline(widget, headless.Gzip(wasm))
})

// standaloneAndViewer reads the real bundle's standalone widget.js and
// its Viewer, what rerun-notebook's inline mode combines.
func standaloneAndViewer() (widget string, wasm []byte, err error) {
	dir, err := buildReal()
	if err != nil {
		return "", nil, err
	}
	w, err := os.ReadFile(filepath.Join(dir, names.StandaloneWidgetFile))
	if err != nil {
		return "", nil, err
	}
	wasm, err = os.ReadFile(filepath.Join(dir, names.ViewerFile))
	return string(w), wasm, err
}

// smallRecording is a recording whose content no test looks at: 2D (a 3D
// view costs SwiftShader seconds of shader compilation), small, opened by
// every Viewer version we pin.
const smallRecording = "bwright000__DDS-SLAM__trail3_viz.rrd"
