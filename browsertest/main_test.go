package browsertest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
	if suite.build, err = assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: suite.dir, Log: os.Stderr}); err != nil {
		return err
	}
	h, err := server.New(server.Config{Dir: suite.dir})
	if err != nil {
		return err
	}
	suite.assets = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		suite.mu.Lock()
		suite.requests = append(suite.requests, r.URL.RequestURI())
		suite.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	routes := fixtureRoutes(suite.fixtures)
	routes["/inline.js"] = filepath.Join(suite.dir, inlineFile)
	suite.pages = PageServer(routes)
	if suite.browser, err = Launch(ctx); err != nil {
		return err
	}
	return nil
}

func fixtureRoutes(dir string) map[string]string {
	routes := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".rrd") {
			routes["/rrd/"+e.Name()] = filepath.Join(dir, e.Name())
		}
	}
	return routes
}

func teardown() {
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
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(wasm)
	zw.Close()
	dataURL := "data:application/octet-stream;gzip;base64," + base64.StdEncoding.EncodeToString(gz.Bytes())
	body := `
    async function compressed_data_url_to_buffer(dataUrl) {
        const response = await fetch(dataUrl);
        const blob = await response.blob();
        let ds = new DecompressionStream("gzip");
        let decompressedStream = blob.stream().pipeThrough(ds);
        return new Response(decompressedStream).arrayBuffer();
    }
    const dataUrl = "` + dataURL + `";
    const buffer = await compressed_data_url_to_buffer(dataUrl);
    return new Response(buffer, { "headers": { "Content-Type": "application/wasm" } });
    `
	js := string(widget)
	start := strings.Index(js, assets.MarkerOpen)
	if start < 0 {
		return "", fmt.Errorf("widget.js has no %s", assets.MarkerOpen)
	}
	start += len(assets.MarkerOpen)
	end := strings.Index(js[start:], assets.MarkerClose)
	if end < 0 {
		return "", fmt.Errorf("widget.js has no %s after the open marker", assets.MarkerClose)
	}
	return js[:start] + body + js[start+end:], nil
}
