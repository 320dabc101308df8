package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/server"
)

// suite is what every test of the package shares: one browser, one build
// of the pinned Viewer, its asset server and a page server on another
// origin (as Jupyter and the asset server are).
var suite struct {
	browser  *Browser
	build    *assets.Result
	dir      string
	assets   *httptest.Server
	pages    *httptest.Server
	fixtures string

	mu       sync.Mutex
	requests []string // asset requests, path and query
	statuses []int    // their response status

	closers []func()

	fake    string // URL of widget.js built from the stand-in Viewer in testdata/fakeviewer
	fakeDir string // its build
	slow    string // URL of widget.js for the real Viewer, its Wasm served slowly
	// slowMIME is like slow, with the Wasm labelled application/octet-stream:
	// the loader then downloads first and compiles after, in two phases.
	slowMIME string
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	if err := setup(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "browsertest setup:", err)
		return 1
	}
	defer teardown()
	return m.Run()
}

func setup(ctx context.Context) error {
	cache, err := assets.CacheDir()
	if err != nil {
		return err
	}
	pkg, err := assets.FetchViewer(ctx, assets.DefaultViewer(), cache, os.Stderr)
	if err != nil {
		return err
	}
	if suite.fixtures, err = FixtureDir(); err != nil {
		return err
	}
	suite.dir, err = os.MkdirTemp("", "browsertest-build-")
	if err != nil {
		return err
	}
	// The production bundle, precompressed as `loader build` does; the
	// compression is cached by content hash, so it is paid once.
	compression := &assets.Compression{Quality: 11, Cache: cache, Log: os.Stderr}
	if suite.build, err = assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: suite.dir, Log: os.Stderr, Compression: compression}); err != nil {
		return err
	}
	h, err := server.New(server.Config{Dir: suite.dir})
	if err != nil {
		return err
	}
	suite.assets = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		suite.mu.Lock()
		suite.requests = append(suite.requests, r.URL.RequestURI())
		suite.statuses = append(suite.statuses, sw.code)
		suite.mu.Unlock()
	}))
	suite.pages = PageServer(map[string]http.Handler{
		"/rrd/{name}": http.StripPrefix("/rrd/", http.FileServer(http.Dir(suite.fixtures))),
		"/inline.js": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, filepath.Join(suite.dir, inlineFile))
		}),
	})
	if suite.fake, suite.fakeDir, err = buildAndServe(ctx, "testdata/fakeviewer"); err != nil {
		return err
	}
	slow := httptest.NewServer(throttle(h, 16<<20))
	suite.closers = append(suite.closers, slow.Close)
	suite.slow = slow.URL + "/widget.js"
	slowMIME := httptest.NewServer(throttle(mislabel(h), 16<<20))
	suite.closers = append(suite.closers, slowMIME.Close)
	suite.slowMIME = slowMIME.URL + "/widget.js"
	if suite.browser, err = Launch(ctx); err != nil {
		return err
	}
	return nil
}

// buildAndServe builds a bundle for the Viewer package in dir and serves
// it on its own origin. It returns the URL of widget.js and the build.
func buildAndServe(ctx context.Context, dir string) (string, string, error) {
	out, err := os.MkdirTemp("", "browsertest-fake-")
	if err != nil {
		return "", "", err
	}
	suite.closers = append(suite.closers, func() { os.RemoveAll(out) })
	if _, err := assets.Build(ctx, assets.Options{ViewerDir: dir, OutDir: out}); err != nil {
		return "", "", err
	}
	h, err := server.New(server.Config{Dir: out})
	if err != nil {
		return "", "", err
	}
	srv := httptest.NewServer(h)
	suite.closers = append(suite.closers, srv.Close)
	return srv.URL + "/widget.js", out, nil
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

func teardown() {
	for _, c := range suite.closers {
		c()
	}
	if suite.browser != nil {
		suite.browser.Close()
	}
	if suite.assets != nil {
		suite.assets.Close()
	}
	if suite.pages != nil {
		suite.pages.Close()
	}
	if suite.dir != "" {
		os.RemoveAll(suite.dir)
	}
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

// assetStatuses returns "request status" for the asset requests made since
// the call that returned mark.
func assetStatuses(mark int) []string {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	var out []string
	for i := mark; i < len(suite.requests); i++ {
		out = append(out, fmt.Sprintf("%s %d", suite.requests[i], suite.statuses[i]))
	}
	return out
}

// assetRequests returns the asset requests made since the call that
// returned mark.
func assetRequests(mark int) []string {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	return append([]string(nil), suite.requests[mark:]...)
}

func requestMark() int {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	return len(suite.requests)
}

// inlineFile is where inlineWidget writes the inline-mode widget source;
// the page server serves it as /inline.js for the page to import from a
// blob: URL, as anywidget does with a string _esm.
const inlineFile = "inline-widget.js.txt"

// inlineWidget applies rerun-notebook's inline transformation
// (PROTOCOL.md §1) to the built widget.js: the text between the markers
// becomes code that returns the gzipped, base64-inlined Viewer. It writes
// the result to inlineFile once.
var inlineWidget = sync.OnceValue(func() error {
	src, err := inlineSource()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(suite.dir, inlineFile), []byte(src), 0o644)
})

func inlineSource() (string, error) {
	widget, err := os.ReadFile(filepath.Join(suite.dir, assets.WidgetFile))
	if err != nil {
		return "", err
	}
	wasm, err := os.ReadFile(filepath.Join(suite.dir, assets.ViewerFile))
	if err != nil {
		return "", err
	}
	return Inline(string(widget), Gzip(wasm))
}
