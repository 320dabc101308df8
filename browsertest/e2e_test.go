package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// openTab opens a cold tab on the host page and fails the test on any
// console error or uncaught exception when the test ends, but for errors
// containing one of allowed (the ones the test provokes on purpose).
func openTab(t *testing.T, allowed ...string) *headless.Tab {
	t.Helper()
	tab, err := chromium(t).NewTab()
	if err != nil {
		t.Fatal(err)
	}
	watchTab(t, tab, allowed)
	return tab
}

// watchTab fails the test on the tab's console errors but for allowed
// ones, closes it when the test ends, and opens the host page in it.
func watchTab(t *testing.T, tab *headless.Tab, allowed []string) {
	t.Helper()
	t.Cleanup(func() {
	next:
		for _, m := range tab.Errors() {
			for _, a := range allowed {
				if strings.Contains(m.Text, a) {
					continue next
				}
			}
			t.Errorf("console %s (at %s)", m, m.URL)
		}
		tab.Close()
	})
	if err := tab.Open(pagesURL(t) + "/"); err != nil {
		t.Fatal(err)
	}
}

// mountWidget loads a widget module from a URL (or, inline, its source
// from that URL through a blob: URL), mounts it in a new element with
// traits, and waits for "ready".
func mountWidget(t *testing.T, tab *headless.Tab, module string, inline bool, traits map[string]any) headless.Mounted {
	t.Helper()
	load := headless.LoadURL(module)
	if inline {
		load = headless.LoadSourceFrom(module)
	}
	m, err := tab.Mount(load, traits)
	if err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	return m
}

func consoleText(tab *headless.Tab) string {
	var b strings.Builder
	for _, m := range tab.Console() {
		fmt.Fprintf(&b, "  %s (at %s)\n", m, m.URL)
	}
	return b.String()
}

func defaultTraits() map[string]any {
	return map[string]any{"_width": 640, "_height": 480, "_url": nil, "_panel_states": nil, "_fallback_token": nil}
}

// sendRecording delivers a fixture as an {type: "rrd"} message inside a
// DataView at an offset into a larger buffer, and waits for the Viewer's
// recording_open event.
func sendRecording(t *testing.T, tab *headless.Tab, view int, fixture string) map[string]any {
	t.Helper()
	ev, err := headless.Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
		const model = window.views[%d].model;
		const bytes = new Uint8Array(await (await fetch(%s)).arrayBuffer());
		const before = model.events("recording_open").length;
		model.deliver({ type: "rrd" }, [host.bytesView(bytes, 13)]);
		await model.waitFor(() => model.events("recording_open").length > before, %d);
		return model.events("recording_open").at(-1);
	})()`, view, headless.JS("/rrd/"+fixture), headless.Deadline.Milliseconds()))
	if err != nil {
		t.Fatalf("send %s: %v\nconsole:\n%s", fixture, err, consoleText(tab))
	}
	return ev
}

func TestURLModeCrossOrigin(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	assetLog := newAssetLog(t, realDir(t))
	mark := assetLog.mark()
	widgetURL := assetLog.URL + "?token=s3cr3t#frag"
	m := mountWidget(t, tab, widgetURL, false, defaultTraits())
	boot, err := headless.Eval[float64](tab, `performance.getEntriesByName("rerun-loader:boot")[0]?.duration ?? -1`)
	if err != nil || boot < 0 {
		t.Errorf("no rerun-loader:boot measure (%v)", err)
	}
	t.Logf("cold time-to-ready (import → \"ready\"): %.0f ms, of which Go loader boot %.1f ms", m.ReadyMS, boot)

	size, err := headless.Eval[[]float64](tab, fmt.Sprintf(`(() => {
		const c = window.views[%d].el.querySelector("canvas");
		return c ? [c.clientWidth, c.clientHeight] : [];
	})()`, m.Index))
	if err != nil {
		t.Fatal(err)
	}
	if len(size) != 2 || size[0] != 640 || size[1] != 480 {
		t.Errorf("canvas size = %v, want [640 480] from _width/_height", size)
	}
	var viewerRequests []string
	for _, r := range assetLog.paths(mark) {
		if strings.Contains(r, names.ViewerFile) {
			viewerRequests = append(viewerRequests, r)
		}
	}
	if !slices.Equal(viewerRequests, []string{"/re_viewer_bg.wasm?token=s3cr3t"}) {
		t.Errorf("Viewer requests %v, want it fetched once, next to widget.js, with its query kept", viewerRequests)
	}
	// widget.js starts that download while the Go loader boots, and the
	// loader takes it over instead of fetching again.
	if s := loaderStats(t, tab); s["earlyAdopted"] != 1.0 || s["fetches"] != 1.0 {
		t.Errorf("loader stats %v, want the one fetch to be the early download, adopted", s)
	}
	writeArtifact(t, "timings.txt", fmt.Sprintf("cold time-to-ready (URL mode, cross-origin): %.0f ms\nGo loader boot: %.1f ms\n", m.ReadyMS, boot))
}

// TestInlineMode loads the widget as rerun-notebook's inline mode makes
// it: the Viewer comes from the module itself, nothing is fetched, and
// since the Viewer is already in memory once the marker function returns,
// the widget says it compiles, not that it downloads.
func TestInlineMode(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	titles := watchTitles(t, tab)
	m := mountWidget(t, tab, pagesURL(t)+"/inline.js", true, defaultTraits())
	t.Logf("inline time-to-ready: %.0f ms", m.ReadyMS)
	if reqs := pageRequests(t, tab, names.ViewerFile); len(reqs) > 0 {
		t.Errorf("inline mode fetched the Viewer: %v", reqs)
	}
	if titles := titles(); !strings.Contains(strings.Join(titles, "|"), "Compiling the Rerun Viewer") {
		t.Errorf("inline mode showed %q, never that it compiles", titles)
	}
	sendRecording(t, tab, m.Index, smallRecording)
}

// watchTitles records every title and error the page's widgets show,
// from now on; the function it returns reads them, in order.
func watchTitles(t *testing.T, tab *headless.Tab) func() []string {
	t.Helper()
	if _, err := headless.Eval[bool](tab, `(() => {
		window.titles = [];
		new MutationObserver(() => {
			for (const e of document.querySelectorAll(".rerun-loader-title, .rerun-loader-error")) {
				if (window.titles.at(-1) !== e.textContent) window.titles.push(e.textContent);
			}
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		t.Helper()
		titles, err := headless.Eval[[]string](tab, `window.titles`)
		if err != nil {
			t.Fatal(err)
		}
		return titles
	}
}

// openingFixtures are the recordings SOURCES.md says the 0.33 Viewer opens
// (rerun-io__rerun__example.rrd is the documented edge case whose data
// cannot decode).
var openingFixtures = []string{
	"bwright000__DDS-SLAM__trail3_viz.rrd",
	"bwright000__DDS-SLAM__test.rrd",
	"bwright000__DDS-SLAM__stereomis_recon.rrd",
	"JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd",
	"JianbinLiu-CFLab__unity-rerun-sdk__min_text_log.rrd",
	"zigzagson__unitree_rerun_sdk__recording.rrd",
	"Nojgaard__wobl__ddsm_test.rrd",
	"kameel2311__iw_rerun__example.rrd",
}

// TestRecordingsOpen sends every fixture to one Viewer, as a notebook cell
// that logs several recordings does: each opens, under its own id.
func TestRecordingsOpen(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	seen := map[any]string{}
	for _, name := range openingFixtures {
		t.Run(strings.TrimSuffix(name, ".rrd"), func(t *testing.T) {
			ev := sendRecording(t, tab, m.Index, name)
			id := ev["recording_id"]
			if id == "" || id == nil {
				t.Errorf("recording_open without a recording_id: %v", ev)
			} else if other, dup := seen[id]; dup {
				t.Errorf("recording id %v again (first from %s)", id, other)
			}
			seen[id] = name
		})
	}
}

// TestScreenshotOfRecording checks that a recording is drawn: the widget
// looks different from the empty Viewer it showed before, with no overlay
// left over it, and keeps the screenshot as an artifact.
func TestScreenshotOfRecording(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	traits := defaultTraits()
	traits["_width"], traits["_height"] = 1200, 800
	m := mountWidget(t, tab, realURL(t), false, traits)
	empty := widgetShot(t, tab, m.Index)
	// Plots: a 3D view would cost SwiftShader ~10 s of shader compilation;
	// loader check's tests draw one.
	sendRecording(t, tab, m.Index, telemetry)
	// Paused, so the picture settles (and the software renderer rests).
	deliver(t, tab, m.Index, `{type: "time_ctrl", timeline: null, time: null, play: false}`, "")
	drawn := widgetShot(t, tab, m.Index)
	if d := difference(empty, drawn); d < 0.05 {
		t.Errorf("the recording changed %.1f %% of the widget's pixels: it was not drawn", 100*d)
	} else {
		t.Logf("the recording changed %.1f %% of the widget's pixels", 100*d)
	}
	if overlay, err := headless.Eval[bool](tab, fmt.Sprintf(`!!window.views[%d].el.querySelector(".rerun-loader-status")`, m.Index)); err != nil || overlay {
		t.Errorf("the loading overlay is still over the Viewer (%v)", err)
	}
	png, err := tab.Screenshot()
	if err != nil {
		t.Fatal(err)
	}
	path := writeArtifact(t, "viewer.png", string(png))
	t.Logf("screenshot: %s", path)
}

func removeView(t *testing.T, tab *headless.Tab, index int) {
	t.Helper()
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`window.views[%d].remove().then(() => true)`, index)); err != nil {
		t.Fatal(err)
	}
}

func TestImportIsCheap(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	got, err := headless.Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
		const t0 = performance.now();
		const mod = await import(%s);
		const ms = performance.now() - t0;
		const runtimes = `+headless.Runtimes+`;
		return {
			ms,
			hasRender: typeof mod.default.render === "function",
			hasInitialize: typeof mod.default.initialize === "function",
			viewerFetched: performance.getEntriesByType("resource").some((e) => e.name.includes("re_viewer_bg.wasm")),
			goBooted: typeof globalThis.Go !== "undefined" || (runtimes !== undefined && runtimes.size > 0),
		};
	})()`, headless.JS(realURL(t))))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("import of widget.js: %.1f ms", got["ms"])
	if got["hasRender"] != true || got["hasInitialize"] != true {
		t.Errorf("default export lacks the AFM hooks: %v", got)
	}
	if got["viewerFetched"] != false || got["goBooted"] != false {
		t.Errorf("import did heavy work: viewer fetched %v, Go booted %v", got["viewerFetched"], got["goBooted"])
	}
}

// wrongMIME serves the bundle with the Viewer labelled
// application/octet-stream, as misconfigured static hosts do.
type wrongMIME struct{ http.ResponseWriter }

func (w wrongMIME) WriteHeader(code int) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.ResponseWriter.WriteHeader(code)
}

func (w wrongMIME) Write(b []byte) (int, error) {
	if w.Header().Get("Content-Type") == "application/wasm" {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// mislabel serves the Viewer Wasm as application/octet-stream.
func mislabel(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w = wrongMIME{w}
		}
		h.ServeHTTP(w, r)
	})
}

func TestWrongMIMEFallsBackAndWarnsOnce(t *testing.T) {
	t.Parallel()
	h, err := server.New(server.Config{Dir: realDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mislabel(h))
	defer srv.Close()

	tab := openTab(t)
	a := mountWidget(t, tab, srv.URL+"/widget.js", false, defaultTraits())
	b := mountWidget(t, tab, srv.URL+"/widget.js", false, defaultTraits())
	sendRecording(t, tab, b.Index, smallRecording)
	warnings := 0
	for _, m := range tab.Console() {
		if m.Type == chromedp.ConsoleWarning && strings.Contains(m.Text, "instead of application/wasm") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d wrong-MIME warnings, want exactly 1\n%s", warnings, consoleText(tab))
	}
	t.Logf("ready without streaming: %.0f ms (second widget %.0f ms)", a.ReadyMS, b.ReadyMS)
}

func TestBlobImportWithoutInlinedViewerSaysWhy(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "does not inline the Viewer")
	text, err := headless.Eval[string](tab, fmt.Sprintf(`(async () => {
		const source = await (await fetch(%s)).text();
		const widget = await host.load({ source });
		const model = new host.Model({ _width: 640, _height: 480 });
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		await host.mount(widget, model, el);
		for (const deadline = Date.now() + %d; Date.now() < deadline;) {
			const err = el.querySelector(".rerun-loader-error");
			if (err) return err.textContent;
			await new Promise((r) => setTimeout(r, 50));
		}
		return "no error shown: " + el.textContent;
	})()`, headless.JS(standalone(realURL(t))), headless.Deadline.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"does not inline the Viewer", "RERUN_NOTEBOOK_ASSET"} {
		if !strings.Contains(text, want) {
			t.Errorf("widget shows %q, want it to mention %q", text, want)
		}
	}
}

func TestRenderCleanupRender(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	first := mountWidget(t, tab, realURL(t), false, defaultTraits())
	left, err := headless.Eval[map[string]float64](tab, fmt.Sprintf(`(async () => {
		const view = window.views[%d];
		await view.remove();
		// Teardown finishes in the loader's goroutine: the loader counts
		// the widget gone once it has.
		const api = await [...`+headless.Runtimes+`.values()][0].api;
		for (const deadline = Date.now() + %d; api.stats().liveWidgets !== 0 && Date.now() < deadline;) {
			await new Promise((r) => requestAnimationFrame(r));
		}
		return {
			canvases: document.querySelectorAll("canvas").length,
			listeners: view.model.listenerCount("msg:custom"),
		};
	})()`, first.Index, headless.Deadline.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	if left["canvases"] != 0 || left["listeners"] != 0 {
		t.Errorf("after cleanup: %v canvases, %v msg:custom listeners; want none", left["canvases"], left["listeners"])
	}

	second := mountWidget(t, tab, realURL(t), false, defaultTraits())
	sendRecording(t, tab, second.Index, smallRecording)
	t.Logf("first render %.0f ms, render after cleanup %.0f ms", first.ReadyMS, second.ReadyMS)
}

// writeArtifact saves a test artifact under $ARTIFACTS_DIR, or
// build/artifacts in the checkout, and returns its path.
func writeArtifact(t *testing.T, name, content string) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		root, err := assets.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "build", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pageRequests returns the URLs the page fetched that contain substr, from
// its resource timing.
func pageRequests(t *testing.T, tab *headless.Tab, substr string) []string {
	t.Helper()
	urls, err := headless.Eval[[]string](tab, fmt.Sprintf(`performance.getEntriesByType("resource").map((e) => e.name).filter((n) => n.includes(%s))`, headless.JS(substr)))
	if err != nil {
		t.Fatal(err)
	}
	return urls
}

// TestInlineViewerKeptAcrossPages opens an inline-mode notebook twice in
// one browser profile: the first page decodes the inlined Viewer and keeps
// it in Cache Storage under its SHA-256; the second starts the Viewer from
// there without running the decode at all. A module whose inlined bytes
// do not hash to the SHA-256 it names keeps nothing, and still works.
func TestInlineViewerKeptAcrossPages(t *testing.T) {
	t.Parallel()
	dir, err := buildReal()
	if err != nil {
		t.Fatal(err)
	}
	m, err := assets.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := m.Files[names.ViewerFile].SHA256
	keys := func(tab *headless.Tab) []string {
		t.Helper()
		k, err := headless.Eval[[]string](tab, `(async () => (await (await caches.open("rerun-viewer")).keys()).map((r) => r.url))()`)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	page := func() *headless.Tab {
		tab, err := chromium(t).NewProfileTab()
		if err != nil {
			t.Fatal(err)
		}
		watchTab(t, tab, nil)
		return tab
	}
	decodes := func(tab *headless.Tab) int {
		n, err := headless.Eval[int](tab, `globalThis.inlineFetches ?? 0`)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	first := page()
	mountWidget(t, first, pagesURL(t)+"/inline.js", true, defaultTraits())
	if n := decodes(first); n != 1 {
		t.Errorf("first page: the inlined Viewer was decoded %d times, want 1", n)
	}
	want := "https://rerun-viewer.invalid/sha256/" + sum + "/" + names.ViewerFile
	// It is kept once the page is idle, after the Viewer started.
	kept := fmt.Sprintf(`(async () => (await (await caches.open("rerun-viewer")).keys()).some((r) => r.url === %s))()`, headless.JS(want))
	if err := first.Poll("the Viewer in Cache Storage", kept, headless.Deadline); err != nil {
		t.Fatalf("%v: Cache Storage holds %q", err, keys(first))
	}
	// Other tests of the profile keep their own Viewers there.
	if k := keys(first); slices.Index(k, want) != slices.IndexFunc(k, func(key string) bool { return strings.Contains(key, sum) }) || !slices.Contains(k, want) {
		t.Fatalf("Cache Storage holds %q, want %q once", k, want)
	}
	first.Close()

	second := page()
	v := mountWidget(t, second, pagesURL(t)+"/inline.js", true, defaultTraits())
	if n := decodes(second); n != 0 {
		t.Errorf("second page: the inlined Viewer was decoded %d times, want 0 (it is in Cache Storage)", n)
	}
	sendRecording(t, second, v.Index, smallRecording)

	// The same widget claiming another Viewer, in a new page: its bytes do
	// not hash to what it names. The page sees the keep step decide: the
	// step hashes the Viewer's bytes and, in the microtasks after the hash
	// settles, stores them or not, so one task later every store it asked
	// for has been asked for.
	other := strings.Repeat("0", 64)
	third := page()
	load := fmt.Sprintf(`(async () => {
		const digest = crypto.subtle.digest.bind(crypto.subtle);
		crypto.subtle.digest = (algorithm, data) => {
			const hashed = digest(algorithm, data);
			if (data.byteLength > 1 << 20) {
				const decided = () => setTimeout(() => { window.keepDecided = true; });
				hashed.then(decided, decided);
			}
			return hashed;
		};
		const put = Cache.prototype.put;
		window.cachePuts = [];
		Cache.prototype.put = function (request, response) {
			window.cachePuts.push(String(request.url ?? request));
			return put.call(this, request, response);
		};
		const source = (await (await fetch(%s)).text()).replaceAll(%q, %q);
		return window.host.load({ source });
	})()`, headless.JS(pagesURL(t)+"/inline.js"), sum, other)
	if _, err := third.Mount(load, defaultTraits()); err != nil {
		t.Fatalf("a widget whose Viewer is not the one it names: %v\n%s", err, consoleText(third))
	}
	if err := third.Poll("the keep step to hash the Viewer", `window.keepDecided`, headless.Deadline); err != nil {
		t.Fatal(err)
	}
	puts, err := headless.Eval[[]string](third, `window.cachePuts`)
	if err != nil {
		t.Fatal(err)
	}
	if len(puts) > 0 {
		t.Errorf("a widget with mismatched bytes stored %q in Cache Storage", puts)
	}
	if k := keys(third); slices.ContainsFunc(k, func(key string) bool { return strings.Contains(key, other) }) {
		t.Errorf("Cache Storage holds %q after a widget with mismatched bytes: it kept them under the SHA-256 they do not have", k)
	}
}
