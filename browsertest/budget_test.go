package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorerun/loader/headless"
)

// viewerStates classifies every widget of the page: running (a canvas
// whose WebGL context is live), paused (the suspended picture and its
// text), lost (the Restore button) or blank: none of those, which a user
// would see as a broken Viewer.
const viewerStates = `(() => window.views.map((v) => {
	if (v.removed) return "removed";
	const el = v.el;
	if (el.querySelector(".rerun-loader-paused-text")?.textContent.includes("Scroll here or click")) return "paused";
	if (el.querySelector(".rerun-loader-restore")) return "lost";
	const canvas = el.querySelector("canvas");
	const gl = canvas?.getContext("webgl2");
	if (gl && !gl.isContextLost() && !el.querySelector(".rerun-loader-status")) return "running";
	return "blank";
}))()`

func states(t *testing.T, tab *headless.Tab) []string {
	t.Helper()
	s, err := headless.Eval[[]string](tab, viewerStates)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// TestManyViewersOnOnePage puts 20 notebook widgets and 3 mount()ed
// Viewers on one page, far more than run at once: none ends blank, 8
// run and the rest say they are paused; scrolling to a paused one brings
// it back with what was sent to it meanwhile, in order; the budget can be
// changed; a paused widget cleans up entirely.
func TestManyViewersOnOnePage(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	var views []int
	for range 20 {
		views = append(views, mountNoWait(t, tab, fakeURL(t)))
	}
	// Three Viewers of a web page, sharing the page's budget.
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
		const { mount } = await import(%s);
		window.mounted = [];
		for (let i = 0; i < 3; i++) {
			const el = document.createElement("div");
			document.getElementById("widgets").append(el);
			const v = await mount(el, { width: 640, height: 480 });
			window.mounted.push({ el, v, events: [] });
			for (const e of ["suspended", "resumed"]) v.on(e, () => window.mounted[i].events.push(e));
		}
		return true;
	})()`, headless.JS(fakeURL(t)))); err != nil {
		t.Fatalf("mount: %v\n%s", err, consoleText(tab))
	}
	for _, v := range views {
		waitReady(t, tab, v)
	}
	if err := tab.Poll("8 running Viewers", `(async () => (await [...`+headless.Runtimes+`.values()][0].api).stats().running === 8)()`, headless.Deadline); err != nil {
		t.Fatal(err)
	}
	s := states(t, tab)
	if count(s, "blank") != 0 || count(s, "lost") != 0 || count(s, "running")+count(s, "paused") != 20 {
		t.Fatalf("widget states %q: want each running or saying it is paused", s)
	}
	// The page's 3 Viewers were suspended too (the newest widgets needed
	// room), and said so.
	if n, err := headless.Eval[int](tab, `window.mounted.filter((m) => m.events.includes("suspended")).length`); err != nil || n == 0 {
		t.Errorf("%d mount()ed Viewers heard they were suspended (%v), want some", n, err)
	}

	paused := -1
	for i, st := range s {
		if st == "paused" {
			paused = i
			break
		}
	}
	if paused < 0 {
		t.Fatal("no widget is paused")
	}
	resetCalls(t, tab)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const v = window.views[%d];
		v.model.deliver({ type: "recording_id", recording_id: "while-paused" });
		v.el.scrollIntoView();
		return true;
	})()`, paused)); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the scrolled-to widget running", fmt.Sprintf(`%s[%d] === "running"`, viewerStates, paused), headless.Deadline); err != nil {
		t.Fatalf("%v: states %q", err, states(t, tab))
	}
	calls := strings.Join(fakeCalls(t, tab), "\n")
	start := strings.Index(calls, "start true")
	held := strings.Index(calls, "set_active_recording_id while-paused")
	if start < 0 || held < start {
		t.Errorf("on resume the calls are, in order:\n%s\nwant a start, then the recording_id sent while paused", calls)
	}
	if s := states(t, tab); count(s, "blank") != 0 || count(s, "running") > 8 {
		t.Errorf("after the resume: states %q", s)
	}

	if n, err := headless.Eval[int](tab, `(async () => {
		const { setMaxRunningViewers } = await import(`+headless.JS(fakeURL(t))+`);
		return setMaxRunningViewers(3);
	})()`); err != nil || n != 3 {
		t.Fatalf("setMaxRunningViewers(3) = %d, %v", n, err)
	}
	if err := tab.Poll("3 running Viewers", `(async () => (await [...`+headless.Runtimes+`.values()][0].api).stats().running === 3)()`, headless.Deadline); err != nil {
		t.Fatalf("%v: states %q", err, states(t, tab))
	}

	// A paused widget removed leaves no picture, no element behind.
	s = states(t, tab)
	for i, st := range s {
		if st == "paused" {
			removeView(t, tab, i)
			if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].removed = true)`, i)); err != nil {
				t.Fatal(err)
			}
			if err := tab.Poll("no trace of it", fmt.Sprintf(`window.views[%d].el.children.length === 0`, i), headless.Deadline); err != nil {
				t.Error(err)
			}
			break
		}
	}
}

// TestLostContextIsNeverSilent takes a running stand-in Viewer's WebGL
// context away: the widget says so with a Restore button, and the button
// starts it again with its data.
func TestLostContextIsNeverSilent(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "lost its graphics context")
	v := mountNoWait(t, tab, fakeURL(t))
	waitReady(t, tab, v)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const model = window.views[%d].model;
		model.deliver({ type: "rrd" }, [new DataView(new Uint8Array([7, 8, 9]).buffer)]);
		window.views[%d].el.querySelector("canvas").getContext("webgl2").getExtension("WEBGL_lose_context").loseContext();
		return true;
	})()`, v, v)); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the Restore button", fmt.Sprintf(`%s[%d] === "lost"`, viewerStates, v), headless.Deadline); err != nil {
		t.Fatalf("%v: states %q", err, states(t, tab))
	}
	if msg := shownText(t, tab, v); !strings.Contains(msg, "too many Viewers on the page") {
		t.Errorf("the widget shows %q", msg)
	}
	resetCalls(t, tab)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].el.querySelector(".rerun-loader-restore").click(), true)`, v)); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the restored Viewer", fmt.Sprintf(`%s[%d] === "running"`, viewerStates, v), headless.Deadline); err != nil {
		t.Fatalf("%v: states %q", err, states(t, tab))
	}
	calls := strings.Join(fakeCalls(t, tab), "\n")
	if !strings.Contains(calls, "start true") || !strings.Contains(calls, "send_rrd_to_channel") {
		t.Errorf("restoring called:\n%s\nwant a start and the data sent again", calls)
	}
}

// TestRealViewerComesBackAfterALostContext: the real Viewer, its WebGL
// context taken away, says so; Restore brings its recording back.
func TestRealViewerComesBackAfterALostContext(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "lost its graphics context")
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	first := sendRecording(t, tab, m.Index, smallRecording)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const gl = window.views[%d].el.querySelector("canvas").getContext("webgl2");
		gl.getExtension("WEBGL_lose_context").loseContext();
		return true;
	})()`, m.Index)); err != nil {
		t.Fatalf("take the context away: %v", err)
	}
	if err := tab.Poll("the Restore button", fmt.Sprintf(`!!window.views[%d].el.querySelector(".rerun-loader-restore")`, m.Index), headless.Deadline); err != nil {
		t.Fatal(err)
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const model = window.views[%d].model;
		window.opensBefore = model.events("recording_open").length;
		window.views[%d].el.querySelector(".rerun-loader-restore").click();
		return true;
	})()`, m.Index, m.Index)); err != nil {
		t.Fatal(err)
	}
	reopened := fmt.Sprintf(`(() => {
		const opens = window.views[%d].model.events("recording_open");
		return opens.length > window.opensBefore && opens.at(-1).recording_id === %s;
	})()`, m.Index, headless.JS(first["recording_id"]))
	if err := tab.Poll("the recording back", reopened, headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	if s := states(t, tab); s[m.Index] != "running" {
		t.Errorf("after Restore the widget is %q", s[m.Index])
	}
}

// TestSuspendedRealViewerKeepsItsPicture runs two real Viewers side by
// side on a budget of one: starting the second suspends the first, which
// keeps its last picture (or a placeholder) behind the paused text; a
// click brings it back with its recording and pauses the other. With
// LOADER_SHOTS=DIR it writes what a user sees then, suspended.png and
// resumed.png.
func TestSuspendedRealViewerKeepsItsPicture(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	traits := defaultTraits()
	traits["_width"], traits["_height"] = 480, 320
	first := mountWidget(t, tab, realURL(t), false, traits)
	opened := sendRecording(t, tab, first.Index, smallRecording)
	if n, err := headless.Eval[int](tab, `(async () => (await import(`+headless.JS(realURL(t))+`)).setMaxRunningViewers(1))()`); err != nil || n != 1 {
		t.Fatalf("setMaxRunningViewers(1) = %d, %v", n, err)
	}
	second := mountWidget(t, tab, realURL(t), false, traits)
	sendRecording(t, tab, second.Index, smallRecording)
	if err := tab.Poll("the first Viewer paused", fmt.Sprintf(`%s[%d] === "paused"`, viewerStates, first.Index), headless.Deadline); err != nil {
		t.Fatalf("%v: states %v", err, states(t, tab))
	}
	picture, err := headless.Eval[bool](tab, fmt.Sprintf(`!!window.views[%d].el.querySelector(".rerun-loader-paused canvas")`, first.Index))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the paused Viewer shows its last picture: %v (else the placeholder)", picture)
	shoot(t, tab, "suspended.png")

	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		window.opensBefore = window.views[%d].model.events("recording_open").length;
		window.views[%d].el.querySelector(".rerun-loader-paused").click();
		return true;
	})()`, first.Index, first.Index)); err != nil {
		t.Fatal(err)
	}
	back := fmt.Sprintf(`(() => {
		const opens = window.views[%d].model.events("recording_open");
		return opens.length > window.opensBefore && opens.at(-1).recording_id === %s && %s[%d] === "running";
	})()`, first.Index, headless.JS(opened["recording_id"]), viewerStates, first.Index)
	if err := tab.Poll("the first Viewer back with its recording", back, headless.Deadline); err != nil {
		t.Fatalf("%v: states %v\nconsole:\n%s", err, states(t, tab), consoleText(tab))
	}
	if err := tab.Poll("the second Viewer paused for it", fmt.Sprintf(`%s[%d] === "paused"`, viewerStates, second.Index), headless.Deadline); err != nil {
		t.Fatalf("%v: states %v", err, states(t, tab))
	}
	// Two frames more: the one that opened the recording has drawn.
	if _, err := headless.Eval[bool](tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`); err != nil {
		t.Fatal(err)
	}
	shoot(t, tab, "resumed.png")
}

// shoot writes the tab's screenshot to $LOADER_SHOTS/name, when set.
func shoot(t *testing.T, tab *headless.Tab, name string) {
	dir := os.Getenv("LOADER_SHOTS")
	if dir == "" {
		return
	}
	png, err := tab.Screenshot()
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// TestChannelDataComesBackAfterASuspend sends a recording through a real
// Viewer's open_channel(), then starts a second Viewer on a budget of
// one, which suspends the first; clicked, the first comes back with the
// recording it was sent through the channel.
func TestChannelDataComesBackAfterASuspend(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(async () => {
		const { mount, setMaxRunningViewers } = await import(%s);
		const add = async () => {
			const el = document.createElement("div");
			document.getElementById("widgets").append(el);
			const v = await mount(el, { width: 480, height: 320 });
			const m = { el, v, events: [] };
			for (const e of ["recording_open", "suspended", "resumed"]) v.on(e, (d) => m.events.push({ type: e, id: d?.recording_id }));
			return m;
		};
		window.first = await add();
		const bytes = new Uint8Array(await (await fetch(%s)).arrayBuffer());
		const channel = window.first.v.open_channel("test");
		channel.send_rrd(bytes);
		window.setBudget = setMaxRunningViewers;
		window.add = add;
		return true;
	})()`, headless.JS(realURL(t)), headless.JS(rrdURL(t, smallRecording)))); err != nil {
		t.Fatalf("mount: %v\n%s", err, consoleText(tab))
	}
	opened := `window.first.events.filter((e) => e.type === "recording_open")`
	if err := tab.Poll("the channel's recording open", opened+`.length === 1`, headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	if _, err := headless.Eval[bool](tab, `(async () => { await window.setBudget(1); window.second = await window.add(); return true; })()`); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("the first Viewer suspended", `window.first.events.some((e) => e.type === "suspended")`, headless.Deadline); err != nil {
		t.Fatal(err)
	}
	if _, err := headless.Eval[bool](tab, `(window.first.el.querySelector(".rerun-loader-paused").click(), true)`); err != nil {
		t.Fatal(err)
	}
	back := `(() => { const o = ` + opened + `; return o.length === 2 && o[1].id === o[0].id && window.first.events.at(-1).type !== "suspended"; })()`
	if err := tab.Poll("the first Viewer back with the channel's recording", back, headless.Deadline); err != nil {
		events, _ := headless.Eval[any](tab, `window.first.events`)
		t.Fatalf("%v: events %v\nconsole:\n%s", err, events, consoleText(tab))
	}
}
