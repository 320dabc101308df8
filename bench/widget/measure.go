package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/internal/testpage"
)

// variant is one loader under test.
type variant struct {
	Name  string `json:"name"`  // A or B
	Label string `json:"label"` // what it is
	// handler serves widget.js and re_viewer_bg.wasm.
	handler http.Handler
	// inline is widget.js after rerun-notebook's inline transformation.
	inline []byte
}

// sample is one measurement of every metric for one variant.
type sample struct {
	ColdMS       float64 `json:"cold_ms"`
	ColdBytes    int64   `json:"cold_bytes"` // response bodies, as sent
	ColdPhases   phases  `json:"cold_phases"`
	SecondMS     float64 `json:"second_viewer_ms"`
	ReloadMS     float64 `json:"reload_ms"`
	ReloadBytes  int64   `json:"reload_bytes"`
	ReloadPhases phases  `json:"reload_phases"`
	ReopenMS     float64 `json:"reopen_ms"`
	ReopenPhases phases  `json:"reopen_phases"`
	// FreshColdMS and FreshReloadMS are a cold load and a reload in a
	// browser process started for the sample: a notebook opened for the
	// first time that day.
	FreshColdMS     float64 `json:"fresh_cold_ms"`
	FreshReloadMS   float64 `json:"fresh_reload_ms"`
	ThrottledMS     float64 `json:"throttled_cold_ms"`
	ThrottledPhases phases  `json:"throttled_phases"`
	// RemoteBytes are the response bodies of the throttled load, whose
	// requests come through a proxy as a remote browser's do.
	RemoteBytes   int64   `json:"remote_bytes"`
	InlineFirstMS float64 `json:"inline_first_ms"`
	// InlineWarmMS is the inline cell's first run in a new page of the
	// same notebook: its caches warm, its renderer new.
	InlineWarmMS float64 `json:"inline_warm_ms"`
	// InlineRerunMS are the re-runs after the first, in order.
	InlineRerunMS []float64 `json:"inline_rerun_ms"`
	// RendererRSS is the renderer processes' resident memory after the
	// last re-run.
	RendererRSS int64 `json:"renderer_rss_bytes"`
	// GoBootMS is the Go loader's boot (B only).
	GoBootMS *float64 `json:"go_boot_ms,omitempty"`
	// Floors are the Viewer's own instantiate + start in each step, by
	// step (B only: our loader marks them on the page's timeline).
	Floors map[string]float64 `json:"floor_ms,omitempty"`
}

// Steps of a sample, naming their floors.
const (
	stepCold        = "cold"
	stepSecond      = "second"
	stepReload      = "reload"
	stepReopen      = "reopen"
	stepThrottled   = "throttled"
	stepInline      = "inline"
	stepInlineWarm  = "inline warm"
	stepFreshCold   = "fresh cold"
	stepFreshReload = "fresh reload"
)

// floorOf reads the Viewer's instantiate + start of the last Viewer the
// page started, from our loader's performance measures; ok is false on a
// page that has none (upstream's).
func floorOf(tab *headless.Tab) (float64, bool, error) {
	ms, err := headless.Eval[*float64](tab, `(() => {
		const last = (name) => performance.getEntriesByName(name).at(-1)?.duration;
		const i = last("rerun-loader:instantiate"), s = last("rerun-loader:start");
		return i === undefined || s === undefined ? null : i + s;
	})()`)
	if err != nil || ms == nil {
		return 0, false, err
	}
	return *ms, true, nil
}

// proxied is a handler behind a reverse proxy, as a remote browser's
// requests reach a notebook server: they carry X-Forwarded-For.
func proxied(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		h.ServeHTTP(w, r)
	})
}

// phases says when the Viewer's download started and ended, in ms from
// the import of widget.js.
type phases struct {
	// ModuleLoadedMS is when the last byte of widget.js arrived: what
	// comes after it until the Viewer's request is parsing and evaluating
	// it, and the hooks up to the fetch.
	ModuleLoadedMS  float64 `json:"module_loaded_ms"`
	ViewerRequestMS float64 `json:"viewer_request_ms"`
	ViewerLoadedMS  float64 `json:"viewer_loaded_ms"`
}

// viewerPhases reads the phases of the load of m from the page's resource
// timing.
func viewerPhases(tab *headless.Tab, m headless.Mounted) (phases, error) {
	p, err := headless.Eval[phases](tab, fmt.Sprintf(`(() => {
		const last = (file) => performance.getEntriesByType("resource").filter((e) => e.name.includes(file)).at(-1);
		const e = last("re_viewer_bg.wasm"), m = last("widget.js");
		return e ? { module_loaded_ms: m ? m.responseEnd - %[1]f : 0, viewer_request_ms: e.startTime - %[1]f, viewer_loaded_ms: e.responseEnd - %[1]f } : null;
	})()`, m.StartMS))
	if err != nil {
		return p, fmt.Errorf("resource timing of the Viewer: %w", err)
	}
	return p, nil
}

// throttling is the network of the throttled cold load.
var throttling = network.Conditions{Latency: 40, DownloadThroughput: 50e6 / 8, UploadThroughput: 50e6 / 8}

// settings says how much of each step a measurement does.
type settings struct {
	Reruns  int           `json:"inline_reruns"`
	Dwell   time.Duration `json:"dwell_ns"` // the Viewer works this long before the reload
	Fixture string        `json:"fixture"`  // the recording it works on
	log     io.Writer
}

func traits() map[string]any {
	return map[string]any{"_width": 640, "_height": 480, "_url": nil, "_panel_states": nil, "_fallback_token": nil}
}

// measure takes one sample of v. Its asset server and page server are new
// for every sample, so no cache of the browser knows their URLs yet.
func measure(b *headless.Browser, v *variant, fixtures string, set settings) (sample, error) {
	var s sample
	sent := &byteCounter{h: v.handler}
	assetSrv := httptest.NewServer(sent)
	defer assetSrv.Close()
	pages := testpage.Server(map[string]http.Handler{
		"/rrd/{name}": http.StripPrefix("/rrd/", http.FileServer(http.Dir(fixtures))),
		"/inline.js": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(v.inline)
		}),
	})
	defer pages.Close()
	widget := headless.LoadURL(assetSrv.URL + "/widget.js")
	step := func(name string, ms float64) {
		fmt.Fprintf(set.log, "  %s %-22s %7.0f ms\n", v.Name, name, ms)
	}
	floor := func(tab *headless.Tab, name string) error {
		ms, ok, err := floorOf(tab)
		if ok {
			if s.Floors == nil {
				s.Floors = map[string]float64{}
			}
			s.Floors[name] = ms
		}
		return err
	}

	// Cold, second viewer and reload share a tab of the browser's own
	// profile, whose HTTP cache is on disk like a user's.
	tab, err := hostTab(b, pages.URL)
	if err != nil {
		return s, err
	}
	defer tab.Close()
	first, err := mount(tab, widget)
	if err != nil {
		return s, fmt.Errorf("cold load: %w", err)
	}
	s.ColdMS, s.ColdBytes = first.ReadyMS, sent.n.Load()
	step("cold", s.ColdMS)
	if err := floor(tab, stepCold); err != nil {
		return s, err
	}
	if s.ColdPhases, err = viewerPhases(tab, first); err != nil {
		return s, err
	}
	if s.GoBootMS, err = headless.Eval[*float64](tab, `performance.getEntriesByName("rerun-loader:boot")[0]?.duration ?? null`); err != nil {
		return s, err
	}
	second, err := mount(tab, widget)
	if err != nil {
		return s, fmt.Errorf("second viewer: %w", err)
	}
	s.SecondMS = second.ReadyMS
	step("second viewer", s.SecondMS)
	if err := floor(tab, stepSecond); err != nil {
		return s, err
	}

	// A user works with the Viewer a while before reloading: time for V8
	// to optimize it and write its code cache.
	if err := openRecording(tab, first.Index, "/rrd/"+set.Fixture); err != nil {
		return s, err
	}
	time.Sleep(set.Dwell)
	mark := sent.n.Load()
	if err := tab.Open(pages.URL + "/"); err != nil {
		return s, err
	}
	reloaded, err := mount(tab, widget)
	if err != nil {
		return s, fmt.Errorf("reload: %w", err)
	}
	s.ReloadMS, s.ReloadBytes = reloaded.ReadyMS, sent.n.Load()-mark
	step("reload", s.ReloadMS)
	if err := floor(tab, stepReload); err != nil {
		return s, err
	}
	if s.ReloadPhases, err = viewerPhases(tab, reloaded); err != nil {
		return s, err
	}
	tab.Close()

	// Reopening the notebook later: a new tab, so a new renderer process
	// whose V8 has no compiled Viewer in memory, as after a reload does;
	// only the HTTP cache and V8's code cache on disk are warm.
	time.Sleep(time.Second) // the closed tab's renderer exits
	if s.ReopenMS, s.ReopenPhases, err = coldTab(b.NewProfileTab, nil, pages.URL, widget, floor, stepReopen); err != nil {
		return s, fmt.Errorf("reopen: %w", err)
	}
	step("reopen", s.ReopenMS)

	if s.FreshColdMS, s.FreshReloadMS, err = freshBrowser(pages.URL, widget, set, floor); err != nil {
		return s, fmt.Errorf("in a browser started for the sample: %w", err)
	}
	step("fresh browser, cold", s.FreshColdMS)
	step("fresh browser, reload", s.FreshReloadMS)

	// The throttled load is a remote browser's: through a proxy, on a
	// slow network.
	remote := &byteCounter{h: proxied(v.handler)}
	remoteSrv := httptest.NewServer(remote)
	defer remoteSrv.Close()
	if s.ThrottledMS, s.ThrottledPhases, err = coldTab(b.NewTab, throttle, pages.URL, headless.LoadURL(remoteSrv.URL+"/widget.js"), floor, stepThrottled); err != nil {
		return s, fmt.Errorf("throttled cold load: %w", err)
	}
	s.RemoteBytes = remote.n.Load()
	step("throttled cold", s.ThrottledMS)

	// Inline mode: every re-run of the cell is a new module instance. The
	// notebook's pages share the profile, as a user's browser does.
	if tab, err = hostTab(b, pages.URL); err != nil {
		return s, err
	}
	defer tab.Close()
	inline := headless.LoadSourceFrom(pages.URL + "/inline.js")
	for i := range 1 + set.Reruns {
		ms, err := tab.RunCell(inline, traits())
		if err != nil {
			return s, fmt.Errorf("inline run %d: %w%s", i+1, err, consoleText(tab))
		}
		if i == 0 {
			s.InlineFirstMS = ms
			step("inline first run", ms)
			if err := floor(tab, stepInline); err != nil {
				return s, err
			}
		} else {
			s.InlineRerunMS = append(s.InlineRerunMS, ms)
		}
	}
	if set.Reruns > 0 {
		step("inline re-run (median)", median(s.InlineRerunMS))
	}
	time.Sleep(time.Second) // let the last teardown's garbage go
	if s.RendererRSS, err = tab.RendererRSS(); err != nil {
		return s, err
	}
	tab.Close()

	// The notebook opened again later: a new page runs the inline cell.
	time.Sleep(time.Second) // the closed tab's renderer exits
	warm, err := hostTab(b, pages.URL)
	if err != nil {
		return s, err
	}
	defer warm.Close()
	if s.InlineWarmMS, err = warm.RunCell(inline, traits()); err != nil {
		return s, fmt.Errorf("inline first run in a new page: %w%s", err, consoleText(warm))
	}
	step("inline, new page", s.InlineWarmMS)
	if err := floor(warm, stepInlineWarm); err != nil {
		return s, err
	}
	return s, nil
}

// freshBrowser loads the widget in a browser process of its own, started
// for the sample, then reloads the page after the same dwell as the
// shared browser's reload: nothing of the bench's browser (its memory
// cache, its compiled code in memory, its warm processes) helps.
func freshBrowser(pageURL, widget string, set settings, floor func(*headless.Tab, string) error) (cold, reload float64, err error) {
	b, err := headless.Launch(context.Background())
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	tab, err := hostTab(b, pageURL)
	if err != nil {
		return 0, 0, err
	}
	defer tab.Close()
	first, err := mount(tab, widget)
	if err != nil {
		return 0, 0, fmt.Errorf("cold load: %w", err)
	}
	if err := floor(tab, stepFreshCold); err != nil {
		return 0, 0, err
	}
	if err := openRecording(tab, first.Index, "/rrd/"+set.Fixture); err != nil {
		return 0, 0, err
	}
	time.Sleep(set.Dwell)
	if err := tab.Open(pageURL + "/"); err != nil {
		return 0, 0, err
	}
	reloaded, err := mount(tab, widget)
	if err != nil {
		return 0, 0, fmt.Errorf("reload: %w", err)
	}
	return first.ReadyMS, reloaded.ReadyMS, floor(tab, stepFreshReload)
}

// mount mounts a widget for the default traits, with the page's console
// in the error.
func mount(tab *headless.Tab, load string) (headless.Mounted, error) {
	m, err := tab.Mount(load, traits())
	if err != nil {
		return m, fmt.Errorf("%w%s", err, consoleText(tab))
	}
	return m, nil
}

// hostTab opens a tab of the browser's own profile (its caches on disk, as
// a user's) on the host page at pageURL.
func hostTab(b *headless.Browser, pageURL string) (*headless.Tab, error) {
	tab, err := b.NewProfileTab()
	if err != nil {
		return nil, err
	}
	if err := tab.Open(pageURL + "/"); err != nil {
		tab.Close()
		return nil, err
	}
	return tab, nil
}

// coldTab opens a tab with open, prepares it with prepare (when not nil),
// loads the host page and mounts the widget in it, records the floor of
// step and returns the time to ready and its phases.
func coldTab(open func() (*headless.Tab, error), prepare func(*headless.Tab) error,
	pageURL, widget string, floor func(*headless.Tab, string) error, step string) (float64, phases, error) {
	tab, err := open()
	if err != nil {
		return 0, phases{}, err
	}
	defer tab.Close()
	if prepare != nil {
		if err := prepare(tab); err != nil {
			return 0, phases{}, err
		}
	}
	if err := tab.Open(pageURL + "/"); err != nil {
		return 0, phases{}, err
	}
	m, err := mount(tab, widget)
	if err != nil {
		return 0, phases{}, err
	}
	if err := floor(tab, step); err != nil {
		return 0, phases{}, err
	}
	p, err := viewerPhases(tab, m)
	return m.ReadyMS, p, err
}

// throttle makes the tab's network slow (see throttling).
func throttle(tab *headless.Tab) error {
	_, err := chromedp.Run(tab.Ctx, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		c := throttling
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{&c},
		})
		return chromedp.Void{}, err
	})
	if err != nil {
		return fmt.Errorf("throttle the network: %w", err)
	}
	return nil
}

// openRecording sends a recording to a view as the kernel does and waits
// until the Viewer opened it. The bytes fill their whole buffer: upstream
// ignores a DataView's offset.
func openRecording(tab *headless.Tab, view int, url string) error {
	_, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
		const model = window.views[%d].model;
		const bytes = new Uint8Array(await (await fetch(%s)).arrayBuffer());
		model.deliver({ type: "rrd" }, [new DataView(bytes.buffer)]);
		await model.waitFor(() => model.events("recording_open").length > 0, %d);
		return true;
	})()`, view, headless.JS(url), headless.Deadline.Milliseconds()))
	if err != nil {
		return fmt.Errorf("open %s: %w%s", url, err, consoleText(tab))
	}
	return nil
}

func consoleText(tab *headless.Tab) string {
	s := ""
	for _, m := range tab.Console() {
		s += fmt.Sprintf("\n  console: %s", m)
	}
	return s
}

// byteCounter counts the response body bytes a handler sends.
type byteCounter struct {
	h http.Handler
	n atomic.Int64
}

func (c *byteCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.h.ServeHTTP(&countingWriter{ResponseWriter: w, n: &c.n}, r)
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n.Add(int64(n))
	return n, err
}

func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
