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

	"github.com/gorerun/loader/internal/headless"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// instrumentTimers makes the page count every timer and animation frame
// scheduled from now on, so a test can tell that nothing keeps running.
func instrumentTimers(t *testing.T, tab *headless.Tab) {
	t.Helper()
	if _, err := headless.Eval[bool](tab, `(() => {
		window.scheduled = 0;
		for (const name of ["setTimeout", "setInterval", "requestAnimationFrame"]) {
			const original = window[name];
			window[name] = function (...args) { window.scheduled++; return original.apply(this, args); };
		}
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
}

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
// or animation frame scheduled for two seconds.
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
	// Then nothing may run for a while: a negative needs a window.
	time.Sleep(2 * time.Second)
	left, err := headless.Eval[map[string]float64](tab, `({
		scheduled: window.scheduled,
		canvases: document.querySelectorAll("canvas").length,
		widgets: document.querySelectorAll(".rerun_notebook").length,
	})`)
	if err != nil {
		t.Fatal(err)
	}
	if left["scheduled"] != 0 || left["canvases"] != 0 || left["widgets"] != 0 {
		t.Errorf("after cleanup: %v timers/frames scheduled in 2 s, %v canvases, %v widget elements; want none",
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
		{"download", "slow", "Downloading"},
		{"compile", "slowMIME", "Compiling"},
		{"start", "real", "Starting"},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			tab := openTab(t)
			instrumentTimers(t, tab)
			module := realURL(t)
			switch tt.module {
			case "slow":
				module = slowURL(t)
			case "slowMIME":
				module = slowMIMEURL(t)
			}
			removeWhen(t, tab, module, tt.title)
			assertNothingLeft(t, tab)
			if tt.stage == "download" {
				// Nobody waits for the Viewer any more: the download stops
				// and nothing is compiled (it would take ~3 s to finish).
				time.Sleep(3 * time.Second)
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
			time.Sleep(time.Second)
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
			// imported, and the host never releases one. Allow 4 MiB per
			// run plus a tenth of the module's source: a Viewer left
			// reachable costs about 17 MiB per run (measured when the
			// loader still pinned torn-down glue instances).
			perRunRSS := float64(rss[1]-rss[0]) / float64(runs-2)
			perRunHeap := float64(heap[1]-heap[0]) / float64(runs-2)
			bound := float64(4<<20 + tt.source/10)
			line := fmt.Sprintf("%s: %d runs; first %.0f ms, later median %.0f ms (%.2f of the first), min %.0f, max %.0f; "+
				"renderer RSS %.0f → %.0f MiB (%.1f MiB/run), JS heap %.0f → %.0f MiB (%.1f MiB/run); bound %.1f MiB/run (4 + a tenth of the %.1f MiB module)\n",
				tt.mode, runs, times[0], median, median/times[0], later[0], later[len(later)-1],
				mb(rss[0]), mb(rss[1]), perRunRSS/(1<<20), mb(heap[0]), mb(heap[1]), perRunHeap/(1<<20), bound/(1<<20), mb(tt.source))
			t.Log(line)
			report.WriteString(line)
			if perRunRSS > bound || perRunHeap > bound {
				t.Errorf("memory grows with every re-run: %.1f MiB RSS, %.1f MiB heap per run; bound %.1f MiB",
					perRunRSS/(1<<20), perRunHeap/(1<<20), bound/(1<<20))
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
	h, err := server.New(server.Config{Dir: realDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Bool
	sent := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, names.ViewerFile) {
			h.ServeHTTP(w, r)
			return
		}
		reached.Store(true)
		ew := &errWriter{ResponseWriter: slowWriter{w, 1 << 20}}
		h.ServeHTTP(ew, r)
		sent <- ew.err
	}))
	defer func() {
		srv.CloseClientConnections()
		srv.Close()
	}()

	tab := openTab(t)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
		const widget = await host.load({url: %s});
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		const ctl = new AbortController();
		ctl.abort();
		await widget.render({ model: new host.Model(%s), el, signal: ctl.signal });
		return true;
	})()`, headless.JS(srv.URL+"/widget.js"), headless.JS(defaultTraits()))); err != nil {
		t.Fatal(err)
	}
	// At 1 MB/s the 9.5 MB take ten seconds to send: an aborted download
	// ends long before.
	select {
	case err := <-sent:
		if err == nil {
			t.Error("the Viewer was sent to its end for a widget gone at once")
		}
	case <-time.After(8 * time.Second):
		if reached.Load() {
			t.Error("the Viewer download of a widget gone at once is still running after 8 s")
		} else {
			t.Error("widget.js started no early download: nothing was tested")
		}
	}
	if s := loaderStats(t, tab); s["fetches"] != 0.0 || s["compiles"] != 0.0 {
		t.Errorf("loader stats %v, want no fetch and no compile", s)
	}
}

// errWriter remembers the first write error: the client went away.
type errWriter struct {
	http.ResponseWriter
	err error
}

func (w *errWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}
