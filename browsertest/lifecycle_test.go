package browsertest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// instrumentTimers makes the page count every timer and animation frame
// scheduled from now on, so a test can tell that nothing keeps running.
func instrumentTimers(t *testing.T, tab *headless.Tab) {
	t.Helper()
	if _, err := headless.Eval[bool](tab, `(() => {
		window.scheduled = 0;
		window.untracked = {};
		for (const name of ["setTimeout", "setInterval", "requestAnimationFrame"]) {
			const original = window[name];
			window.untracked[name] = original.bind(window);
			window[name] = function (...args) { window.scheduled++; return original.apply(this, args); };
		}
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
}

// pageWindow is a page expression that resolves once the page has rendered
// frames more animation frames and a timer it sets for ms has fired,
// through the timers instrumentTimers leaves uncounted. It is a window
// measured in the page's own work, which a busy machine stretches for the
// code under test as much as for the test: every animation frame asked
// for before it has run, and every timer due within ms has fired, however
// slowly the page runs.
func pageWindow(frames, ms int) string {
	return fmt.Sprintf(`(async () => {
		const timers = window.untracked ?? window;
		for (let i = 0; i < %d; i++) await new Promise((r) => timers.requestAnimationFrame(r));
		await new Promise((r) => timers.setTimeout(r, %d));
		return true;
	})()`, frames, ms)
}

// loaderPeriodMS is the longest period the loader repeats a timer at with
// a widget (its panic poll, a download's stall step: a second each).
const loaderPeriodMS = 1000

// loaderStats returns the Go loader's own accounting on this page.
func loaderStats(t *testing.T, tab *headless.Tab) map[string]any {
	t.Helper()
	s, err := headless.Eval[map[string]any](tab, `(async () => {
		const runtimes = `+headless.Runtimes+`;
		const api = await [...runtimes.values()][0].api;
		return api.stats();
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// baselineFuncs is what the loader keeps alive with no widget: its API's
// render, embed, stats and setMaxRunningViewers.
const baselineFuncs = 4

// assertNothingLeft checks that nothing of a cleaned-up widget survives:
// no canvas or element, no widget or Go func in the loader, and no timer
// or animation frame scheduled while every timer the loader repeats would
// have fired once and every frame asked for has run.
func assertNothingLeft(t *testing.T, tab *headless.Tab) {
	t.Helper()
	// Teardown runs in the loader's goroutine.
	if err := tab.Poll("the widget's teardown", `(async () => {
		const s = (await [...`+headless.Runtimes+`.values()][0].api).stats();
		return s.liveWidgets === 0 && document.querySelectorAll("canvas, .rerun_notebook").length === 0;
	})()`, headless.Deadline); err != nil {
		t.Error(err)
	}
	if _, err := headless.Eval[bool](tab, `(window.scheduled = 0, true)`); err != nil {
		t.Fatal(err)
	}
	// Then nothing may run: a negative needs a window, here the page's
	// own timer set past the loader's longest period (timers due earlier
	// fire first, and a repeating one would set its next) and two frames.
	if _, err := headless.EvalWithin[bool](tab, headless.Deadline, pageWindow(2, loaderPeriodMS)); err != nil {
		t.Fatal(err)
	}
	left, err := headless.Eval[map[string]float64](tab, `({
		scheduled: window.scheduled,
		canvases: document.querySelectorAll("canvas").length,
		widgets: document.querySelectorAll(".rerun_notebook").length,
	})`)
	if err != nil {
		t.Fatal(err)
	}
	if left["scheduled"] != 0 || left["canvases"] != 0 || left["widgets"] != 0 {
		t.Errorf("after cleanup: %v timers/frames scheduled in the window, %v canvases, %v widget elements; want none",
			left["scheduled"], left["canvases"], left["widgets"])
	}
	stats := loaderStats(t, tab)
	if stats["liveWidgets"] != 0.0 || stats["liveFuncs"] != float64(baselineFuncs) {
		t.Errorf("loader after cleanup: %v", stats)
	}
}

// removeWhen mounts a widget and removes it (as anywidget does when the
// cell re-runs) the moment its status title starts with prefix.
func removeWhen(t *testing.T, tab *headless.Tab, module, prefix string) {
	t.Helper()
	_, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
		const widget = await host.load({url: %s});
		const model = new host.Model(%s);
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		let view;
		const seen = new Promise((resolve, reject) => {
			const check = () => {
				const title = el.querySelector(".rerun-loader-title")?.textContent ?? "";
				if (title.startsWith(%s)) { observer.disconnect(); resolve(); }
				if (model.sent.includes("ready")) { observer.disconnect(); reject(new Error("ready before the stage was seen")); }
			};
			const observer = new MutationObserver(check);
			observer.observe(el, { subtree: true, childList: true, characterData: true });
		});
		view = await host.mount(widget, model, el);
		await seen;
		await view.remove();
		return true;
	})()`, headless.JS(module), headless.JS(defaultTraits()), headless.JS(prefix)))
	if err != nil {
		t.Fatalf("remove at %q: %v\n%s", prefix, err, consoleText(tab))
	}
}

func TestCleanupAtEachStage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stage, module, title string
	}{
		{"download", "held", "Downloading"},
		{"compile", "slowMIME", "Compiling"},
		{"start", "real", "Starting"},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			tab := openTab(t)
			instrumentTimers(t, tab)
			module := realURL(t)
			var held *heldViewer
			switch tt.module {
			case "held":
				held = newHeldViewer(t, realDir(t))
				module = held.URL
			case "slowMIME":
				module = slowMIMEURL(t)
			}
			removeWhen(t, tab, module, tt.title)
			assertNothingLeft(t, tab)
			if held != nil {
				// Nobody waits for the Viewer any more: the browser ends
				// the download the server holds, and nothing is compiled.
				if err := held.waitAbandoned(); err != nil {
					t.Error(err)
				}
				if s := loaderStats(t, tab); s["compiles"] != 0.0 || s["moduleCached"] != false {
					t.Errorf("the abandoned download went on: %v", s)
				}
			}
			// The page is still good for a widget.
			m := mountWidget(t, tab, module, false, defaultTraits())
			sendRecording(t, tab, m.Index, smallRecording)
		})
	}

	t.Run("ready", func(t *testing.T) {
		tab := openTab(t)
		instrumentTimers(t, tab)
		m := mountWidget(t, tab, realURL(t), false, defaultTraits())
		sendRecording(t, tab, m.Index, smallRecording)
		removeView(t, tab, m.Index)
		assertNothingLeft(t, tab)
	})

	t.Run("start, held", func(t *testing.T) {
		// The stand-in Viewer's start waits for the test, so the cleanup
		// lands inside start for sure; the Viewer must be freed when start
		// returns.
		tab := openTab(t)
		instrumentTimers(t, tab)
		if _, err := headless.Eval[bool](tab, `(() => {
			let release;
			globalThis.fakeViewer = { calls: [], instances: 0, live: 0, hold: new Promise((r) => { release = r; }) };
			globalThis.fakeViewer.release = release;
			return true;
		})()`); err != nil {
			t.Fatal(err)
		}
		idx := mountNoWait(t, tab, fakeURL(t))
		waitCall(t, tab, "start true")
		removeView(t, tab, idx)
		if _, err := headless.Eval[bool](tab, `(globalThis.fakeViewer.release(), true)`); err != nil {
			t.Fatal(err)
		}
		waitCall(t, tab, "free")
		waitCall(t, tab, "deinit")
		assertNothingLeft(t, tab)
		fake, err := headless.Eval[map[string]float64](tab, `({live: globalThis.fakeViewer.live, instances: globalThis.fakeViewer.instances})`)
		if err != nil || fake["live"] != 0 || fake["instances"] != 0 {
			t.Errorf("stand-in Viewer after cleanup: %v (%v), want no live handle or glue instance", fake, err)
		}
		if calls := fakeCalls(t, tab); strings.Contains(strings.Join(calls, ","), "open_channel") {
			t.Errorf("a cleaned-up widget still opened a channel: %v", calls)
		}
	})

	t.Run("signal", func(t *testing.T) {
		// anywidget's own AbortSignal ends the widget just like cleanup.
		tab := openTab(t)
		instrumentTimers(t, tab)
		_, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
			const widget = await host.load({url: %s});
			const model = new host.Model(%s);
			const el = document.createElement("div");
			document.getElementById("widgets").append(el);
			const ctl = new AbortController();
			await widget.render({ model, el, signal: ctl.signal });
			await model.waitFor((m) => m === "ready", %d);
			ctl.abort();
			return true;
		})()`, headless.JS(realURL(t)), headless.JS(defaultTraits()), headless.Deadline.Milliseconds()))
		if err != nil {
			t.Fatal(err)
		}
		assertNothingLeft(t, tab)
	})
}

func TestSeveralWidgetsShareOneCompile(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	var ms []headless.Mounted
	for range 3 {
		ms = append(ms, mountWidget(t, tab, realURL(t), false, defaultTraits()))
	}
	for i, name := range []string{"JianbinLiu-CFLab__unity-rerun-sdk__min_text_log.rrd", "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd", "bwright000__DDS-SLAM__trail3_viz.rrd"} {
		sendRecording(t, tab, ms[i].Index, name)
	}
	// Each widget saw only its own recording.
	for i, want := range []string{"unity2rerun_phase1", "oracle_phase1", "DDS-SLAM"} {
		apps, err := headless.Eval[[]string](tab, fmt.Sprintf(`window.views[%d].model.events("recording_open").map((e) => e.application_id)`, ms[i].Index))
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 1 || apps[0] != want {
			t.Errorf("widget %d opened %v, want only %s", i, apps, want)
		}
	}
	if s := loaderStats(t, tab); s["compiles"] != 1.0 || s["fetches"] != 1.0 || s["liveWidgets"] != 3.0 {
		t.Errorf("three widgets: %v, want one fetch, one compile, three live widgets", s)
	}
	t.Logf("ready: first %.0f ms, second %.0f ms, third %.0f ms", ms[0].ReadyMS, ms[1].ReadyMS, ms[2].ReadyMS)
}

// rerunCell re-runs a cell runs times on one page: each run imports
// widget.js as a new module instance (load is the JavaScript that does it,
// with the run number in place of ${i}), and renders after the previous view's cleanup,
// as anywidget does. It returns each run's time to "ready", and the
// renderer RSS and JS heap after the second and the last run.
func rerunCell(t *testing.T, tab *headless.Tab, runs int, load string) (times []float64, rss, heap [2]int64) {
	t.Helper()
	for i := range runs {
		ms, err := tab.RunCell(strings.ReplaceAll(load, "${i}", strconv.Itoa(i)), defaultTraits())
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, consoleText(tab))
		}
		times = append(times, ms)
		if i == 1 || i == runs-1 {
			// The Viewer settles into its frames before the measure: sixty
			// of them, counted by the page rather than timed.
			if _, err := headless.EvalWithin[bool](tab, headless.Deadline, pageWindow(60, 0)); err != nil {
				t.Fatal(err)
			}
			k := min(i-1, 1)
			var err1, err2 error
			heap[k], err1 = tab.JSHeap()
			rss[k], err2 = tab.RendererRSS()
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
		}
	}
	return times, rss, heap
}

// TestRerunsStayFlat re-runs a cell ten times, in inline mode (the
// module comes from a blob: URL each time) and in URL mode (a new module
// URL each time). The compiled Viewer is reused (the inline marker function
// runs once), re-runs are a fraction of the first, and the browser's memory
// stays flat: no torn-down Viewer stays reachable.
//
// It does not run beside the other tests: the renderer memory it reads is
// that of every renderer of the browser, other tests' Viewers included.
func TestRerunsStayFlat(t *testing.T) {
	inline, err := inlineSource()
	if err != nil {
		t.Fatal(err)
	}
	widget, err := os.Stat(realDir(t) + "/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	// Eight re-runs between the two measures: a Viewer left reachable
	// (17 MiB a run) shows four times over the bound.
	const runs = 10
	tests := []struct {
		mode   string
		load   string
		source int64
	}{
		{"inline", headless.LoadSourceFrom("/inline.js"), int64(len(inline))},
		{"url", headless.LoadURL(realURL(t) + "?run=${i}"), widget.Size()},
	}
	var report strings.Builder
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			tab := openTab(t)
			times, rss, heap := rerunCell(t, tab, runs, tt.load)
			if tt.mode == "inline" {
				if calls, err := headless.Eval[int](tab, `globalThis.inlineFetches`); err != nil || calls != 1 {
					t.Errorf("the inline marker function ran %d times (%v) in %d runs, want once", calls, err, runs)
				}
			}
			if s := loaderStats(t, tab); s["compiles"] != 1.0 || s["fetches"] != 1.0 || s["liveWidgets"] != 1.0 {
				t.Errorf("after %d runs: %v, want one fetch, one compile and one live widget", runs, s)
			}
			later := append([]float64(nil), times[1:]...)
			sort.Float64s(later)
			median := later[len(later)/2]
			// From run 2 to the last, runs-2 more module instances were
			// imported, and the host never releases one. The JS heap may
			// grow by 4 MiB per run plus a tenth of the module's source.
			// A Viewer left reachable shows in the renderer's RSS (its
			// Wasm memory is outside the JS heap), about 17 MiB per run
			// (measured when the loader still pinned torn-down glue
			// instances); RSS also drifts with what else the machine
			// does (4.1 MiB per run once, under make test and another
			// job), so its bound is 8 MiB plus the same tenth.
			perRunRSS := float64(rss[1]-rss[0]) / float64(runs-2)
			perRunHeap := float64(heap[1]-heap[0]) / float64(runs-2)
			heapBound := float64(4<<20 + tt.source/10)
			rssBound := float64(8<<20 + tt.source/10)
			line := fmt.Sprintf("%s: %d runs; first %.0f ms, later median %.0f ms (%.2f of the first), min %.0f, max %.0f; "+
				"renderer RSS %.0f → %.0f MiB (%.1f MiB/run, bound %.1f), JS heap %.0f → %.0f MiB (%.1f MiB/run, bound %.1f); module %.1f MiB\n",
				tt.mode, runs, times[0], median, median/times[0], later[0], later[len(later)-1],
				mb(rss[0]), mb(rss[1]), perRunRSS/(1<<20), rssBound/(1<<20), mb(heap[0]), mb(heap[1]), perRunHeap/(1<<20), heapBound/(1<<20), mb(tt.source))
			t.Log(line)
			report.WriteString(line)
			if perRunRSS > rssBound || perRunHeap > heapBound {
				t.Errorf("memory grows with every re-run: %.1f MiB RSS (bound %.1f), %.1f MiB heap (bound %.1f) per run",
					perRunRSS/(1<<20), rssBound/(1<<20), perRunHeap/(1<<20), heapBound/(1<<20))
			}
		})
	}
	writeArtifact(t, "reruns.txt", report.String())
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// TestEarlyDownloadIsAbortedWithItsWidget renders the page's first widget
// with an AbortSignal that has already fired: widget.js starts the Viewer
// download while the Go loader boots, and the loader, finding the widget
// gone, must abort it rather than let 10 MB arrive for nobody.
func TestEarlyDownloadIsAbortedWithItsWidget(t *testing.T) {
	t.Parallel()
	held := newHeldViewer(t, realDir(t))
	tab := openTab(t)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
		const widget = await host.load({url: %s});
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		const ctl = new AbortController();
		ctl.abort();
		await widget.render({ model: new host.Model(%s), el, signal: ctl.signal });
		return true;
	})()`, headless.JS(held.URL), headless.JS(defaultTraits()))); err != nil {
		t.Fatal(err)
	}
	if err := held.waitAbandoned(); err != nil {
		t.Error(err)
	}
	if s := loaderStats(t, tab); s["fetches"] != 0.0 || s["compiles"] != 0.0 {
		t.Errorf("loader stats %v, want no fetch and no compile", s)
	}
}

// heldViewer serves a bundle with its first Viewer download held: the
// headers and a first part are sent, then nothing until the browser ends
// the download, which is the signal a test of an abandoned download waits
// for. Later Viewer downloads are served whole.
type heldViewer struct {
	URL string // of widget.js

	reached   atomic.Bool   // the held download was asked for
	abandoned chan struct{} // closed when the browser ended it
}

// newHeldViewer serves the bundle in dir.
func newHeldViewer(t *testing.T, dir string) *heldViewer {
	t.Helper()
	h, err := server.New(server.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	hv := &heldViewer{abandoned: make(chan struct{})}
	var taken atomic.Bool
	testEnded := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, names.ViewerFile) || !taken.CompareAndSwap(false, true) {
			h.ServeHTTP(w, r)
			return
		}
		hv.reached.Store(true)
		h.ServeHTTP(&holdWriter{ResponseWriter: w, left: 64 << 10, hold: func() {
			select {
			case <-r.Context().Done(): // the browser closed the connection
				close(hv.abandoned)
			case <-testEnded:
			}
		}}, r)
	}))
	t.Cleanup(func() {
		close(testEnded)
		srv.CloseClientConnections()
		srv.Close()
	})
	hv.URL = srv.URL + "/widget.js"
	return hv
}

// waitAbandoned waits for the browser to end the held download.
func (hv *heldViewer) waitAbandoned() error {
	select {
	case <-hv.abandoned:
		return nil
	case <-time.After(headless.Deadline):
		if !hv.reached.Load() {
			return errors.New("the Viewer was never asked for: nothing was tested")
		}
		return fmt.Errorf("the Viewer download of a widget gone is still open after %v", headless.Deadline)
	}
}

// holdWriter passes on the first left bytes of a response, then calls hold
// and ends the response there.
type holdWriter struct {
	http.ResponseWriter
	left int
	hold func()
	held bool
}

func (w *holdWriter) Write(b []byte) (int, error) {
	if w.held {
		return 0, errHeld
	}
	if len(b) <= w.left {
		w.left -= len(b)
		return w.ResponseWriter.Write(b)
	}
	n, err := w.ResponseWriter.Write(b[:w.left])
	if err != nil {
		return n, err
	}
	w.ResponseWriter.(http.Flusher).Flush()
	w.held = true
	w.hold()
	return n, errHeld
}

var errHeld = errors.New("response held")
