package browsertest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
)

// The tests here drive the stand-in Viewer of internal/standin, which
// records every WebHandle call: they check exactly what the loader asks of
// the Viewer, and provoke what the real one will not do on demand (panic,
// fail to start, hang in start).

// fakeCalls returns the calls the stand-in Viewer recorded, each as
// "method arg…".
func fakeCalls(t *testing.T, tab *headless.Tab) []string {
	t.Helper()
	calls, err := headless.Eval[[][]any](tab, `globalThis.fakeViewer?.calls ?? []`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range calls {
		parts := make([]string, len(c))
		for i, p := range c {
			parts[i] = fmt.Sprint(p)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// waitCall waits until the stand-in Viewer recorded a call with this text.
func waitCall(t *testing.T, tab *headless.Tab, call string) {
	t.Helper()
	cond := fmt.Sprintf(`(globalThis.fakeViewer?.calls ?? []).some((c) => c.map((a) => a == null ? "<nil>" : String(a)).join(" ") === %s)`, headless.JS(call))
	if err := tab.Poll("the call "+call, cond, 10*time.Second); err != nil {
		t.Fatalf("the Viewer was never called %q; calls:\n  %s", call, strings.Join(fakeCalls(t, tab), "\n  "))
	}
}

func resetCalls(t *testing.T, tab *headless.Tab) {
	t.Helper()
	if _, err := headless.Eval[bool](tab, `(globalThis.fakeViewer.calls = [], true)`); err != nil {
		t.Fatal(err)
	}
}

func TestEveryMessageReachesTheHandle(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	traits := defaultTraits()
	traits["_url"] = "rerun+http://example.invalid/proxy"
	traits["_panel_states"] = map[string]any{"top": "hidden", "time": "collapsed"}
	traits["_fallback_token"] = "tok"
	traits["_theme"] = "dark"
	m := mountWidget(t, tab, fakeURL(t), false, traits)

	// At start: options from the traits, the channel, _url, the panels.
	opts, err := headless.Eval[[]string](tab, `Object.keys(globalThis.fakeViewer.options).sort()`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fallback_token", "height", "hide_welcome_screen", "notebook", "on_viewer_event", "theme", "width"} {
		if !slices.Contains(opts, want) {
			t.Errorf("WebHandle options %v lack %s", opts, want)
		}
	}
	values, err := headless.Eval[map[string]any](tab, `(({fallback_token, theme, notebook, hide_welcome_screen, width, height}) =>
		({fallback_token, theme, notebook, hide_welcome_screen, width, height}))(globalThis.fakeViewer.options)`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(values) != "map[fallback_token:tok height:100% hide_welcome_screen:true notebook:true theme:dark width:100%]" {
		t.Errorf("WebHandle options = %v", values)
	}
	for _, want := range []string{
		"init true", "start true",
		"open_channel rerun-notebook-1 temp",
		"add_receiver rerun+http://example.invalid/proxy",
		"override_panel_state top hidden", "override_panel_state time collapsed",
		"override_panel_state blueprint <nil>", "override_panel_state selection <nil>",
	} {
		if !slices.Contains(fakeCalls(t, tab), strings.Replace(want, "rerun-notebook-1", channelOf(t, tab), 1)) {
			t.Errorf("at start, no call %q; calls: %v", want, fakeCalls(t, tab))
		}
	}
	// The viewer's events reach the kernel as raw JSON, even those it
	// emits while starting.
	started, err := headless.Eval[int](tab, fmt.Sprintf(`window.views[%d].model.events("started").length`, m.Index))
	if err != nil || started != 1 {
		t.Errorf("the kernel got %d \"started\" events (%v), want 1", started, err)
	}

	ch := channelOf(t, tab)
	if _, err := headless.Eval[bool](tab, `(Object.assign(globalThis.fakeViewer, {activeRecording: "rec-1", activeTimeline: "log_time"}), true)`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		content, buffer string
		want            []string
	}{
		{`{type: "rrd"}`, `new Uint8Array([7, 8, 9])`, []string{"send_rrd_to_channel " + ch + " bytes:3:7"}},
		{`{type: "table"}`, `new Uint8Array([4, 5])`, []string{"send_table_to_channel " + ch + " bytes:2:4"}},
		{`{type: "time_ctrl", timeline: "log_tick", time: 12, play: true}`, "", []string{
			"set_active_timeline rec-1 log_tick", "set_playing rec-1 true", "set_time_for_timeline rec-1 log_tick 12"}},
		{`{type: "time_ctrl", timeline: null, time: null, play: false}`, "", []string{"set_playing rec-1 false"}},
		{`{type: "recording_id", recording_id: "rec-2"}`, "", []string{"set_active_recording_id rec-2"}},
		{`{type: "open_url", url: "https://x.invalid/a.rrd"}`, "", []string{"add_receiver https://x.invalid/a.rrd"}},
		{`{type: "close_url", url: "https://x.invalid/a.rrd"}`, "", []string{"remove_receiver https://x.invalid/a.rrd"}},
		{`{type: "partition_url", partition_url: "rerun+http://h/p2"}`, "", []string{
			"remove_receiver rerun+http://example.invalid/proxy", "add_receiver rerun+http://h/p2"}},
		{`{type: "partition_url", partition_url: null}`, "", []string{"remove_receiver rerun+http://h/p2"}},
		{`{type: "set_credentials", access_token: "jwt", email: "me@example.com"}`, "", []string{"set_credentials jwt me@example.com"}},
	}
	for _, tt := range tests {
		resetCalls(t, tab)
		deliver(t, tab, m.Index, tt.content, tt.buffer)
		for _, want := range tt.want {
			waitCall(t, tab, want)
		}
	}

	// Trait changes.
	resetCalls(t, tab)
	setTrait(t, tab, m.Index, "_panel_states", map[string]any{"selection": "expanded"})
	waitCall(t, tab, "override_panel_state selection expanded")
	waitCall(t, tab, "override_panel_state top <nil>")
	resetCalls(t, tab)
	setTrait(t, tab, m.Index, "_url", "https://x.invalid/b.rrd")
	waitCall(t, tab, "add_receiver https://x.invalid/b.rrd")
	if n := noticeText(t, tab, m.Index); n != "" {
		t.Errorf("widget shows a notice: %q", n)
	}
}

// channelOf returns the channel the loader opened.
func channelOf(t *testing.T, tab *headless.Tab) string {
	t.Helper()
	for _, c := range fakeCalls(t, tab) {
		if f := strings.Fields(c); len(f) == 3 && f[0] == "open_channel" {
			return f[1]
		}
	}
	t.Fatalf("no channel opened; calls: %v", fakeCalls(t, tab))
	return ""
}

func TestPanicShowsInItsOwnWidget(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "The Rerun Viewer crashed")
	real := mountWidget(t, tab, realURL(t), false, defaultTraits())
	fake := mountWidget(t, tab, fakeURL(t), false, defaultTraits())
	if _, err := headless.Eval[bool](tab, `(globalThis.fakeViewer.panicMessage = "index out of bounds: the len is 3 but the index is 7", true)`); err != nil {
		t.Fatal(err)
	}
	msg := waitErrorText(t, tab, fake.Index)
	for _, want := range []string{"The Rerun Viewer crashed", "index out of bounds: the len is 3 but the index is 7"} {
		if !strings.Contains(msg, want) {
			t.Errorf("crashed widget shows %q, want %q", msg, want)
		}
	}
	// The dead Viewer is released, and the other widget goes on.
	waitCall(t, tab, "free")
	waitCall(t, tab, "deinit")
	if s := errorText(t, tab, real.Index); s != "" {
		t.Errorf("the healthy widget shows %q", s)
	}
	sendRecording(t, tab, real.Index, smallRecording)
}

func TestStartFailureShowsItsMessage(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "The Rerun Viewer could not start")
	if _, err := headless.Eval[bool](tab, `(globalThis.fakeViewer = {calls: [], instances: 0, live: 0, startError: "no WebGL context"}, true)`); err != nil {
		t.Fatal(err)
	}
	idx := mountNoWait(t, tab, fakeURL(t))
	msg := waitErrorText(t, tab, idx)
	if !strings.Contains(msg, "start the Viewer") || !strings.Contains(msg, "no WebGL context") {
		t.Errorf("widget shows %q", msg)
	}
	// What the failed start made is released at once.
	waitCall(t, tab, "free")
	waitCall(t, tab, "deinit")
}

// mountNoWait mounts a widget without waiting for "ready" and returns its
// index in window.views.
func mountNoWait(t *testing.T, tab *headless.Tab, module string) int {
	t.Helper()
	i, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => (await host.addView(await host.load({url: %s}), %s)).index)()`,
		headless.JS(module), headless.JS(defaultTraits())))
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// errorText returns the failure a widget shows, or "".
func errorText(t *testing.T, tab *headless.Tab, view int) string {
	t.Helper()
	return widgetText(t, tab, view, ".rerun-loader-error")
}

// widgetText returns the text of the first element matching selector in a
// widget's element, or "" when there is none.
func widgetText(t *testing.T, tab *headless.Tab, view int, selector string) string {
	t.Helper()
	s, err := headless.Eval[string](tab, fmt.Sprintf(`window.views[%d].el.querySelector(%s)?.textContent ?? ""`, view, headless.JS(selector)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitErrorText(t *testing.T, tab *headless.Tab, view int) string {
	t.Helper()
	if err := tab.Poll(fmt.Sprint("an error in widget ", view), fmt.Sprintf(`window.views[%d].el.querySelector(".rerun-loader-error")?.textContent`, view), headless.Deadline); err != nil {
		t.Fatalf("widget %d never showed an error\n%s", view, consoleText(tab))
	}
	return errorText(t, tab, view)
}
