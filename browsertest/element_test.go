package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
)

// elementURL is rerun-viewer.js of the real Viewer's bundle, on the asset
// server's origin (another origin than the pages').
func elementURL(t *testing.T) string {
	return strings.TrimSuffix(realURL(t), names.WidgetFile) + names.ElementFile
}

// addElement appends a <rerun-viewer> with attrs to the page and returns
// its index in window.elements.
func addElement(t *testing.T, tab *headless.Tab, attrs map[string]string) int {
	t.Helper()
	i, err := headless.Eval[int](tab, fmt.Sprintf(`import("/testkit/elements.js").then((k) => k.addElement(%s, %s))`, headless.JS(elementURL(t)), headless.JS(attrs)))
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// waitEvents waits until element i dispatched n events of type.
func waitEvents(t *testing.T, tab *headless.Tab, i int, typ string, n int) {
	t.Helper()
	cond := fmt.Sprintf(`import("/testkit/elements.js").then((k) => k.count(%d, %s) >= %d)`, i, headless.JS(typ), n)
	if err := tab.Poll(fmt.Sprintf("element %d to dispatch %d %s", i, n, typ), cond, headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
}

func rrdURL(t *testing.T, name string) string { return pagesURL(t) + "/rrd/" + name }

// TestTwoElementsShareOneCompile puts two elements with different
// recordings on a page of another origin than the assets': both open
// theirs, from one download and one compile.
func TestTwoElementsShareOneCompile(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	a := addElement(t, tab, map[string]string{"src": "/rrd/" + fixtureRRD, "width": "500", "height": "300"})
	b := addElement(t, tab, map[string]string{"src": "/rrd/" + smallRecording})
	waitEvents(t, tab, a, "recording_open", 1)
	waitEvents(t, tab, b, "recording_open", 1)
	s := loaderStats(t, tab)
	if s["compiles"] != 1.0 || s["fetches"] != 1.0 || s["liveWidgets"] != 2.0 {
		t.Errorf("stats %v, want 1 compile, 1 fetch, 2 live widgets", s)
	}
	sizes, err := headless.Eval[[]string](tab, `window.elements.map((el) => { const r = el.querySelector("canvas").getBoundingClientRect(); return Math.round(r.width) + "x" + Math.round(r.height); })`)
	if err != nil {
		t.Fatal(err)
	}
	width, _ := headless.Eval[float64](tab, `document.body.getBoundingClientRect().width`)
	if want := []string{"500x300", fmt.Sprintf("%.0fx%.0f", width, width*9/16)}; fmt.Sprint(sizes) != fmt.Sprint(want) {
		t.Errorf("canvas sizes %v, want %v (500x300, then the page's width at 16:9)", sizes, want)
	}
}

// TestElementAttributesApplyLive changes each attribute of a running
// element: src opens and closes the difference, width and height resize,
// theme restarts the Viewer with its recordings, bad panel-states JSON is
// an error event.
func TestElementAttributesApplyLive(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "panel-states is not JSON")
	i := addElement(t, tab, map[string]string{"src": "/rrd/" + fixtureRRD, "width": "400", "height": "300"})
	waitEvents(t, tab, i, "recording_open", 1)
	// Spy on what the element asks of its WebViewer.
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const el = window.elements[%d], v = el.viewer;
		el.calls = [];
		const open = v.open.bind(v), close = v.close.bind(v);
		v.open = (u) => { el.calls.push("open " + [u].flat().map((x) => x.split("/").pop()).join(",")); open(u); };
		v.close = (u) => { el.calls.push("close " + [u].flat().map((x) => x.split("/").pop()).join(",")); close(u); };
		return true;
	})()`, i)); err != nil {
		t.Fatal(err)
	}
	set := func(name, value string) {
		t.Helper()
		if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.elements[%d].setAttribute(%s, %s), true)`, i, headless.JS(name), headless.JS(value))); err != nil {
			t.Fatal(err)
		}
	}
	set("src", "/rrd/"+fixtureRRD+" /rrd/"+smallRecording)
	waitEvents(t, tab, i, "recording_open", 2)
	set("src", "/rrd/"+smallRecording)
	calls, err := headless.Eval[[]string](tab, fmt.Sprintf(`window.elements[%d].calls`, i))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"open " + smallRecording, "close " + fixtureRRD}; fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("src changes made the element call %q, want %q", calls, want)
	}

	set("width", "700")
	set("height", "250px")
	if err := tab.Poll("the resize", fmt.Sprintf(`(() => { const r = window.elements[%d].querySelector("canvas").getBoundingClientRect(); return Math.round(r.width) === 700 && Math.round(r.height) === 250; })()`, i), 10*time.Second); err != nil {
		t.Error(err)
	}

	// A theme is a start option: the Viewer restarts and opens the src
	// URL that is still listed again.
	set("theme", "dark")
	waitEvents(t, tab, i, "recording_open", 3)
	last, err := headless.Eval[string](tab, fmt.Sprintf(`(() => { const ev = window.elements[%d].events.filter((e) => e.type === "recording_open"); return ev[ev.length - 1].detail.source; })()`, i))
	if err != nil || last == "" {
		t.Errorf("recording_open after the restart: %q, %v", last, err)
	}

	set("panel-states", "{not json")
	waitEvents(t, tab, i, "error", 1)
	msg, _ := headless.Eval[string](tab, fmt.Sprintf(`window.elements[%d].events.find((e) => e.type === "error").detail.message`, i))
	if !strings.Contains(msg, "panel-states is not JSON") {
		t.Errorf("error event says %q, want it to name panel-states", msg)
	}
}

// TestElementOpensSrcGivenOnceIdle gives an element its src only once its
// Viewer, started empty, stopped drawing: the recording opens without any
// input. From 0.26 on the Viewer takes up a new source in its next frame,
// and draws none while nothing moves.
func TestElementOpensSrcGivenOnceIdle(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	// Count animation frames, and note the last one in which WebGL drew.
	if _, err := headless.Eval[bool](tab, `(() => {
		window.frames_ = { now: 0, drew: 0 };
		const tick = () => { window.frames_.now++; requestAnimationFrame(tick); };
		requestAnimationFrame(tick);
		const proto = WebGL2RenderingContext.prototype;
		for (const name of ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced"]) {
			const draw = proto[name];
			proto[name] = function (...args) { window.frames_.drew = window.frames_.now; return draw.apply(this, args); };
		}
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
	i := addElement(t, tab, map[string]string{"width": "400", "height": "300"})
	waitEvents(t, tab, i, "ready", 1)
	if err := tab.Poll("the Viewer to stop drawing", `window.frames_.drew > 0 && window.frames_.now - window.frames_.drew > 30`, headless.Deadline); err != nil {
		t.Fatal(err)
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.elements[%d].setAttribute("src", %s), true)`, i, headless.JS("/rrd/"+smallRecording))); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, tab, i, "recording_open", 1)
}

// TestElementRemovedAndPutBack removes a running element: its Viewer,
// canvas, timers and Go functions go; put back, it starts again.
func TestElementRemovedAndPutBack(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	i := addElement(t, tab, map[string]string{"src": "/rrd/" + fixtureRRD})
	waitEvents(t, tab, i, "recording_open", 1)
	before := loaderStats(t, tab)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.elements[%d].remove(), true)`, i)); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the teardown", `(async () => {
		const api = await [...`+headless.Runtimes+`.values()][0].api;
		return api.stats().liveWidgets === 0;
	})()`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	after := loaderStats(t, tab)
	left, _ := headless.Eval[map[string]any](tab, fmt.Sprintf(`({ children: window.elements[%d].childElementCount, viewer: window.elements[%d].viewer })`, i, i))
	if left["children"] != 0.0 || left["viewer"] != nil {
		t.Errorf("removed element still holds %v", left)
	}
	// The API's own functions (render, embed, stats) stay; every function
	// of the widget went.
	if after["liveFuncs"].(float64) >= before["liveFuncs"].(float64) || after["liveFuncs"] != float64(baselineFuncs) {
		t.Errorf("live Go functions %v → %v after removal, want only the API's %d", before["liveFuncs"], after["liveFuncs"], baselineFuncs)
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(document.body.append(window.elements[%d]), true)`, i)); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, tab, i, "recording_open", 2)
	if s := loaderStats(t, tab); s["compiles"] != 1.0 || s["liveWidgets"] != 1.0 {
		t.Errorf("after putting it back: %v, want the same compile and one widget", s)
	}
}

// TestLazyElementWaitsForTheViewport: an element far below the fold with
// loading="lazy" makes no request and boots nothing until it is scrolled
// near.
func TestLazyElementWaitsForTheViewport(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	if _, err := headless.Eval[bool](tab, `(() => { const s = document.createElement("div"); s.style.height = "5000px"; document.body.append(s); return true; })()`); err != nil {
		t.Fatal(err)
	}
	i := addElement(t, tab, map[string]string{"src": "/rrd/" + fixtureRRD, "loading": "lazy"})
	// The element's own observer has had its say once an observer made
	// after it reports (and the task that delivered both has ended): had
	// the element started, its Viewer's host would be in it.
	seen, err := headless.EvalWithin[map[string]bool](tab, headless.Deadline, fmt.Sprintf(`new Promise((resolve) => {
		const el = window.elements[%d];
		const observer = new IntersectionObserver((entries) => {
			observer.disconnect();
			const intersecting = entries.some((e) => e.isIntersecting);
			setTimeout(() => resolve({intersecting, started: el.querySelector(".rerun-viewer") !== null}));
		}, { rootMargin: "200px" });
		observer.observe(el);
	})`, i))
	if err != nil {
		t.Fatal(err)
	}
	if seen["intersecting"] {
		t.Fatal("the element is near the viewport: nothing was tested")
	}
	if seen["started"] {
		t.Error("a lazy element off screen started its Viewer")
	}
	if got := pageRequests(t, tab, names.ViewerFile); len(got) != 0 {
		t.Errorf("a lazy element off screen requested %v", got)
	}
	if booted, _ := headless.Eval[bool](tab, `(`+headless.Runtimes+`?.size ?? 0) > 0`); booted {
		t.Error("a lazy element off screen booted the Go loader")
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.elements[%d].scrollIntoView(), true)`, i)); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, tab, i, "recording_open", 1)
}

// TestElementUnderAStrictCSP opens a page served with the policy of
// hostpage.ContentSecurityPolicy: the element opens its recording and the
// browser reports no violation.
func TestElementUnderAStrictCSP(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	origin := must(t, serveReal)
	if err := tab.Navigate(pagesURL(t) + "/csp.html?assets=" + origin); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the element to open its recording", `window.elements?.[0]?.events.some((e) => e.type === "recording_open")`, headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	// Let the Viewer draw frames under the policy: sixty, counted by the
	// page, and a task after them for any violation report to arrive.
	if _, err := headless.EvalWithin[bool](tab, headless.Deadline, pageWindow(60, 0)); err != nil {
		t.Fatal(err)
	}
	if v, err := headless.Eval[[]string](tab, `window.violations`); err != nil || len(v) != 0 {
		t.Errorf("policy violations: %q (%v)", v, err)
	}
}

// TestNotebookWidgetAndElementShareOneCompile puts a notebook widget
// (anywidget's way) and an element of the same build on one page: one Go
// runtime, one download, one compile.
func TestNotebookWidgetAndElementShareOneCompile(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	i := addElement(t, tab, map[string]string{"src": "/rrd/" + fixtureRRD})
	sendRecording(t, tab, m.Index, smallRecording)
	waitEvents(t, tab, i, "recording_open", 1)
	s := loaderStats(t, tab)
	if s["compiles"] != 1.0 || s["fetches"] != 1.0 || s["liveWidgets"] != 2.0 {
		t.Errorf("stats %v, want 1 compile, 1 fetch, 2 live widgets", s)
	}
	if n, _ := headless.Eval[int](tab, ``+headless.Runtimes+`.size`); n != 1 {
		t.Errorf("%d Go runtimes on the page, want 1", n)
	}
}

// TestElementTimeToRecording measures, in a fresh browser profile, the
// time from inserting <rerun-viewer> to its recording_open: cold (nothing
// cached), then warm (the page reloaded: HTTP and Wasm code caches). It
// runs beside the other tests, after TestReloadRevalidates (the other
// user of the profile) is done with the profile's code cache.
func TestElementTimeToRecording(t *testing.T) {
	t.Parallel()
	tab, err := chromium(t).NewProfileTab()
	if err != nil {
		t.Fatal(err)
	}
	watchTab(t, tab, nil)
	for _, run := range []string{"cold", "warm"} {
		if run == "warm" {
			if err := tab.Open(pagesURL(t) + "/"); err != nil {
				t.Fatal(err)
			}
		}
		i := addElement(t, tab, map[string]string{"src": "/rrd/" + fixtureRRD})
		waitEvents(t, tab, i, "recording_open", 1)
		ms, err := headless.Eval[float64](tab, fmt.Sprintf(`(() => { const el = window.elements[%d]; return el.events.find((e) => e.type === "recording_open").at - el.insertedAt; })()`, i))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: <rerun-viewer> insertion → recording_open %.0f ms", run, ms)
	}
}
