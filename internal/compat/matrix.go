package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/internal/testpage"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// recordings are the fixtures a host tries, in order, until the Viewer
// opens one: the small 2D one first (a 3D view costs SwiftShader seconds
// of shader compilation), then a hand-encoded text log whose header says
// 0.23, which 0.26 reads, then the 3D helix of a 0.23 dev build, which
// 0.24 reads through its back-compat paths (0.24 reads neither text log).
var recordings = []string{
	"bwright000__DDS-SLAM__trail3_viz.rrd",
	"JianbinLiu-CFLab__unity-rerun-sdk__min_text_log.rrd",
	"kameel2311__iw_rerun__example.rrd",
}

// A host runs one Viewer bundle with the recordings, in order, and says
// how far it got.
type host struct {
	name string
	run  func(m *matrix, ctx context.Context, b *bundle, recs []string) cell
	// slowToRefuse marks a host that waits its whole timeout for a
	// recording the Viewer cannot read when the Viewer says so in the
	// older log shape only (`loader check`): after hosts that opened none
	// of the recordings, it tries only the first.
	slowToRefuse bool
}

// hosts are the matrix's columns.
var hosts = []host{
	{name: "widget", run: (*matrix).widget},
	{name: "element", run: (*matrix).element},
	{name: "check", run: (*matrix).check, slowToRefuse: true},
}

// matrix holds what every cell shares: one Chromium (`loader check`
// starts its own, as it does from the command line), the page server of
// the host page and the recordings, the fixtures and the cache.
type matrix struct {
	browser  *headless.Browser
	pages    *httptest.Server
	fixtures string
	cache    string
	log      io.Writer
	start    time.Time
}

func newMatrix(ctx context.Context, log io.Writer) (*matrix, error) {
	m := &matrix{log: log, start: time.Now()}
	var err error
	if m.cache, err = assets.CacheDir(); err != nil {
		return nil, err
	}
	if m.fixtures, err = testpage.FixtureDir(); err != nil {
		return nil, err
	}
	if m.browser, err = headless.Launch(ctx); err != nil {
		return nil, err
	}
	m.pages = testpage.Server(map[string]http.Handler{
		"/rrd/{name}": http.StripPrefix("/rrd/", http.FileServer(http.Dir(m.fixtures))),
	})
	return m, nil
}

func (m *matrix) close() {
	m.pages.Close()
	m.browser.Close()
}

// browserName is the browser's product and version, or "" when it does
// not say.
func (m *matrix) browserName() string {
	v, err := m.browser.Version()
	if err != nil {
		return ""
	}
	return v
}

// progress writes one line to the log, after the seconds since the start.
func (m *matrix) progress(format string, args ...any) {
	fmt.Fprintf(m.log, "[%4.0f s] %s\n", time.Since(m.start).Seconds(), fmt.Sprintf(format, args...))
}

// version runs every host on one Viewer version. Once a host found a
// recording the Viewer opens, the hosts after it try that one first.
func (m *matrix) version(ctx context.Context, version string) row {
	r := row{Version: version}
	m.progress("%s: fetching and building", version)
	b, err := m.serve(ctx, version)
	if err != nil {
		m.progress("%s: %v", version, err)
		for _, h := range hosts {
			r.Cells = append(r.Cells, cell{Host: h.name, Failure: err.Error()})
		}
		return r
	}
	defer b.close()
	opened := ""
	for _, h := range hosts {
		m.progress("%s %s…", version, h.name)
		t0 := time.Now()
		recs := firstOf(opened, recordings)
		if h.slowToRefuse && opened == "" && len(r.Cells) > 0 {
			recs = recs[:1]
		}
		c := h.run(m, ctx, b, recs)
		c.Host, c.Seconds = h.name, time.Since(t0).Seconds()
		if opened == "" {
			opened = c.Recording
		}
		with := ""
		if c.Recording != "" {
			with = " with " + c.Recording
		}
		m.progress("%s %s: %s%s, %.0f s", version, h.name, c.summary(), with, c.Seconds)
		r.Cells = append(r.Cells, c)
		if ctx.Err() != nil {
			break
		}
	}
	return r
}

// firstOf returns list with first moved to its front.
func firstOf(first string, list []string) []string {
	i := slices.Index(list, first)
	if i < 0 {
		return list
	}
	return append([]string{first}, slices.Delete(slices.Clone(list), i, i+1)...)
}

// bundle is one Viewer version, unpacked, built and served.
type bundle struct {
	pkg string // the unpacked @rerun-io/web-viewer package
	dir string // the bundle
	srv *httptest.Server
}

// serve fetches the version (pinned ones checked against viewers.lock,
// others against npm's integrity), builds its bundle and serves it on an
// origin of its own, as an asset server is.
func (m *matrix) serve(ctx context.Context, version string) (*bundle, error) {
	spec, err := assets.ParseViewerSpec(version)
	if err != nil {
		return nil, err
	}
	pkg, err := spec.Resolve(ctx, m.cache, m.log)
	if err != nil {
		return nil, fmt.Errorf("fetch the Viewer: %w", err)
	}
	dir, err := os.MkdirTemp("", "compat-bundle-")
	if err != nil {
		return nil, err
	}
	if _, err := assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: dir}); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("build the bundle: %w", err)
	}
	h, err := server.New(server.Config{Dir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("serve the bundle: %w", err)
	}
	return &bundle{pkg: pkg, dir: dir, srv: httptest.NewServer(h)}, nil
}

func (b *bundle) close() {
	b.srv.Close()
	os.RemoveAll(b.dir)
}

func (b *bundle) url(file string) string { return b.srv.URL + "/" + file }

// widgetURL and elementURL are the bundle's two modules.
func (b *bundle) widgetURL() string  { return b.url(names.WidgetFile) }
func (b *bundle) elementURL() string { return b.url(names.ElementFile) }
