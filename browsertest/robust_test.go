package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// waitReady waits until widget view said "ready".
func waitReady(t *testing.T, tab *headless.Tab, view int) {
	t.Helper()
	if err := tab.Poll(fmt.Sprintf("widget %d to say ready", view),
		fmt.Sprintf(`window.views[%d].model.sent.includes("ready")`, view), headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
}

// shownText waits until a widget's element shows an error or a notice
// and returns all of its error and notice text.
func shownText(t *testing.T, tab *headless.Tab, view int) string {
	t.Helper()
	sel := fmt.Sprintf(`[...window.views[%d].el.querySelectorAll(".rerun-loader-error, .rerun-loader-notice")].map((e) => e.textContent).join("\n")`, view)
	if err := tab.Poll("an error or notice in widget "+fmt.Sprint(view), sel, headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	s, err := headless.Eval[string](tab, sel)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// answersTimeCtrl checks that a running widget of the stand-in Viewer
// still follows the kernel: a time_ctrl reaches its Viewer.
func answersTimeCtrl(t *testing.T, tab *headless.Tab, view int) {
	t.Helper()
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(Object.assign(globalThis.fakeViewer, {activeRecording: "rec", activeTimeline: "t"}),
		window.views[%d].model.deliver({type: "time_ctrl", timeline: null, time: 7, play: false}), true)`, view)); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the time_ctrl to reach the Viewer",
		`globalThis.fakeViewer.calls.some((c) => c[0] === "set_time_for_timeline" && c[3] === 7)`, 10*time.Second); err != nil {
		t.Fatalf("widget %d no longer answers: %v\nconsole:\n%s", view, err, consoleText(tab))
	}
}

// hostileJS is what a host can hand over. Each script runs with w (the
// stand-in Viewer's widget module), traits and fakeURL in scope, makes one
// widget and returns its index in window.views.
var hostileJS = []struct {
	name string
	js   string
	want string
}{
	{"transferred buffer in an rrd message", `
		const { view, index } = await host.addView(w, traits);
		await view.model.waitFor((m) => m === "ready");
		const b = new ArrayBuffer(8);
		const dv = new DataView(b, 2, 4);
		structuredClone(b, { transfer: [b] });
		view.model.deliver({ type: "rrd" }, [dv]);
		return index;`, "transferred"},
	{"message whose getter throws", `
		const { view, index } = await host.addView(w, traits);
		await view.model.waitFor((m) => m === "ready");
		view.model.deliver({ get type() { throw new Error("getter exploded"); } }, []);
		return index;`, "ignored a message"},
	{"buffers that are a proxy whose traps throw", `
		const { view, index } = await host.addView(w, traits);
		await view.model.waitFor((m) => m === "ready");
		view.model.deliver({ type: "table" }, new Proxy([], { get() { throw new Error("trap exploded"); } }));
		return index;`, "trap exploded"},
	{"marker function returns a string", `
		const { index } = await host.addView(await host.load({ source: withMarkerBody(await source(), "return 'not a response';") }), traits);
		return index;`, `returned the string "not a response", not a fetch Response`},
	{"marker function returns an object whose getters throw", `
		const body = "return { get ok() { throw new Error('ok exploded'); } };";
		const { index } = await host.addView(await host.load({ source: withMarkerBody(await source(), body) }), traits);
		return index;`, "ok exploded"},
	{"render props without a model", `
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		await w.render({ el });
		return window.views.push({ el }) - 1;`, "model is undefined"},
	{"model whose get throws", `
		const model = new host.Model(traits);
		model.get = () => { throw new Error("get exploded"); };
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		const view = await host.mount(w, model, el);
		return window.views.push(view) - 1;`, "get exploded"},
	{"model whose on throws", `
		const model = new host.Model(traits);
		model.on = () => { throw new Error("on exploded"); };
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		await w.render({ model, el });
		return window.views.push({ el, model }) - 1;`, "on exploded"},
	{"model that is a proxy whose traps throw", `
		const el = document.createElement("div");
		document.getElementById("widgets").append(el);
		await w.render({ model: new Proxy({}, { get() { throw new Error("model trap exploded"); } }), el });
		return window.views.push({ el }) - 1;`, "model trap exploded"},
}

// TestHostInputNeverStopsTheRuntime hands the loader what a careless or
// hostile host can: each ends as a message in its own widget, and a healthy
// widget mounted afterwards on the same runtime works.
func TestHostInputNeverStopsTheRuntime(t *testing.T) {
	t.Parallel()
	for _, tt := range hostileJS {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tab := openTab(t, "rerun loader:", "Failed to load resource")
			view, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => {
				window.views ??= [];
				const fakeURL = %s;
				const source = async () => (await fetch(%s)).text();
				const withMarkerBody = (src, body) =>
					src.replace(/(\/\/!<INLINE-MARKER-OPEN>)[\s\S]*?(\/\/!<INLINE-MARKER-CLOSE>)/, "$1\n" + body + "\n$2");
				const traits = %s;
				const w = await host.load({ url: fakeURL });
				%s
			})()`, headless.JS(fakeURL(t)), headless.JS(standalone(fakeURL(t))), headless.JS(defaultTraits()), tt.js))
			if err != nil {
				t.Fatal(err)
			}
			if msg := shownText(t, tab, view); !strings.Contains(msg, tt.want) {
				t.Errorf("widget shows %q, want it to mention %q", msg, tt.want)
			}
			healthy := mountNoWait(t, tab, fakeURL(t))
			waitReady(t, tab, healthy)
			answersTimeCtrl(t, tab, healthy)
			for _, m := range tab.Console() {
				if strings.Contains(m.Text, "panic:") || strings.Contains(m.Text, "Go program has already exited") {
					t.Errorf("the Go runtime died: %s", m.Text)
				}
			}
		})
	}
}

// TestRuntimeExitIsShownInEveryWidget: if the Go runtime stops anyway,
// each of its widgets says so in its own element and the next render
// boots a fresh runtime.
func TestRuntimeExitIsShownInEveryWidget(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "rerun loader: the Go runtime stopped")
	a := mountNoWait(t, tab, fakeURL(t))
	b := mountNoWait(t, tab, fakeURL(t))
	waitReady(t, tab, a)
	waitReady(t, tab, b)
	// wasm_exec.js resolves this promise when the Go program exits.
	if _, err := headless.Eval[bool](tab, `(() => {
		const rt = [...`+headless.Runtimes+`.values()][0];
		window.oldRuntime = rt;
		rt.go.exited = true;
		rt.go._resolveExitPromise();
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{a, b} {
		if msg := shownText(t, tab, v); !strings.Contains(msg, "stopped unexpectedly") || !strings.Contains(msg, "Run the cell again") {
			t.Errorf("widget %d shows %q", v, msg)
		}
	}
	// The kernel goes on talking to the stopped widgets: their listeners
	// still point into the stopped program, and must not throw.
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const model = window.views[%d].model;
		model.set("_width", 300);
		model.deliver({ type: "recording_id", recording_id: "r2" });
		return true;
	})()`, a)); err != nil {
		t.Fatal(err)
	}
	c := mountNoWait(t, tab, fakeURL(t))
	waitReady(t, tab, c)
	fresh, err := headless.Eval[bool](tab, `[...`+headless.Runtimes+`.values()][0] !== window.oldRuntime`)
	if err != nil || !fresh {
		t.Errorf("the next render did not boot a fresh runtime (%v)", err)
	}
	if s := errorText(t, tab, c); s != "" {
		t.Errorf("the new widget shows %q", s)
	}
}

// TestHiddenWidgetStartsWhenShown renders into a collapsed output: the
// Viewer starts only once it is shown, at its size, and what the kernel
// sent meanwhile arrives in order.
func TestHiddenWidgetStartsWhenShown(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	view, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => {
		window.views ??= [];
		const w = await host.load({ url: %s });
		const el = document.createElement("div");
		el.style.display = "none";
		document.getElementById("widgets").append(el);
		const view = await host.mount(w, new host.Model(%s), el);
		return window.views.push(view) - 1;
	})()`, headless.JS(fakeURL(t)), headless.JS(map[string]any{"_width": 500, "_height": 300})))
	if err != nil {
		t.Fatal(err)
	}
	// Compiled, but hidden: the Viewer must not start yet.
	if err := tab.Poll("the compiled Viewer", `(await [...`+headless.Runtimes+`.values()][0].api).stats().moduleCached`, headless.Deadline); err != nil {
		t.Fatal(err)
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const model = window.views[%d].model;
		model.deliver({ type: "rrd" }, [new DataView(new Uint8Array([1, 2]).buffer)]);
		model.set("_url", "rerun+http://example.invalid/x");
		model.deliver({ type: "recording_id", recording_id: "r9" });
		return true;
	})()`, view)); err != nil {
		t.Fatal(err)
	}
	started, err := headless.Eval[bool](tab, `(globalThis.fakeViewer?.calls ?? []).some((c) => c[0] === "start")`)
	if err != nil || started {
		t.Fatalf("a hidden widget started its Viewer (%v)", err)
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].el.style.display = "", true)`, view)); err != nil {
		t.Fatal(err)
	}
	waitReady(t, tab, view)
	size, err := headless.Eval[[]int](tab, `globalThis.fakeViewer.startSize`)
	if err != nil || len(size) != 2 || size[0] != 500 || size[1] != 300 {
		t.Errorf("the Viewer started on a %v canvas (%v), want 500×300", size, err)
	}
	calls := strings.Join(fakeCalls(t, tab), "\n")
	order := []string{"start true", "add_receiver rerun+http://example.invalid/x", "send_rrd_to_channel", "set_active_recording_id r9"}
	at := 0
	for _, want := range order {
		i := strings.Index(calls[at:], want)
		if i < 0 {
			t.Fatalf("calls lack %q after position %d, or are out of order:\n%s", want, at, calls)
		}
		at += i
	}
}

// stallingAssets serves the stand-in Viewer's bundle; while stalled is
// set, the Viewer Wasm sends its headers and a first part, then nothing.
func stallingAssets(t *testing.T, stalled *atomic.Bool) string {
	t.Helper()
	h, err := server.New(server.Config{Dir: fakeDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	var hung sync.WaitGroup
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/"+names.ViewerFile && stalled.Load() {
			hung.Add(1)
			defer hung.Done()
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Content-Length", "100000")
			w.Write(make([]byte, 4096))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(release)
		hung.Wait()
		srv.Close()
	})
	return srv.URL + "/widget.js"
}

// TestStalledDownloadSaysSoAndRetries: a download that stops moving says
// "stalled" with its URL and the bytes so far, offers Retry, and Retry
// works once the server is back. A widget of another build on the page is
// not affected.
func TestStalledDownloadSaysSoAndRetries(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "rerun loader: The Rerun Viewer could not start")
	var stalled atomic.Bool
	stalled.Store(true)
	url := stallingAssets(t, &stalled)
	other := mountNoWait(t, tab, realURL(t))
	view := mountNoWait(t, tab, url)
	msg := shownText(t, tab, view)
	for _, want := range []string{"stalled", strings.TrimSuffix(url, "widget.js") + names.ViewerFile, "4096 bytes"} {
		if !strings.Contains(msg, want) {
			t.Errorf("widget shows %q, want it to mention %q", msg, want)
		}
	}
	waitReady(t, tab, other)
	if s := errorText(t, tab, other); s != "" {
		t.Errorf("the other widget shows %q", s)
	}
	stalled.Store(false)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].el.querySelector(".rerun-loader-retry").click(), true)`, view)); err != nil {
		t.Fatalf("no Retry button: %v", err)
	}
	waitReady(t, tab, view)
	if s := errorText(t, tab, view); s != "" {
		t.Errorf("after Retry the widget still shows %q", s)
	}
}
