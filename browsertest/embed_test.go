package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fixtureRRD is a small real recording served at /rrd/ of the pages origin.
const fixtureRRD = "rerun-io__rerun__example.rrd"

// TestMountWithBytesAndEvents mounts a Viewer with mount(), sends a
// recording as bytes, and follows its events; then destroys it and checks
// nothing is left.
func TestMountWithBytesAndEvents(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	got, err := Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
		const { mount } = await import(%s);
		const el = document.createElement("div");
		el.id = "m";
		el.style.width = "640px";
		document.body.append(el);
		const events = [];
		const viewer = await mount(el, {});
		viewer.on("recording_open", (e) => events.push(e.type + ":" + e.source));
		const bytes = new Uint8Array(await (await fetch(%s)).arrayBuffer());
		viewer.send(bytes);
		const deadline = Date.now() + %d;
		while (!events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
		const rec = viewer.get_active_recording_id();
		const canvas = viewer.canvas.getBoundingClientRect();
		const size = [Math.round(canvas.width), Math.round(canvas.height)];
		viewer.destroy();
		const stats = await window[Symbol.for("rerun.goLoader.runtimes")].values().next().value.api.then((a) => a.stats());
		return { events, rec, size, left: el.childElementCount, widgets: stats.liveWidgets, ready: viewer.ready };
	})()`, JS(realURL(t)), JS("/rrd/"+fixtureRRD), Deadline.Milliseconds()))
	if err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	t.Logf("%v", got)
	if ev, _ := got["events"].([]any); len(ev) == 0 || !strings.HasPrefix(fmt.Sprint(ev[0]), "recording_open:") {
		t.Errorf("events = %v, want a recording_open", got["events"])
	}
	if rec, _ := got["rec"].(string); rec == "" {
		t.Errorf("active recording id = %v after sending bytes, want one", got["rec"])
	}
	if size := fmt.Sprint(got["size"]); size != "[640 360]" {
		t.Errorf("canvas size = %s, want [640 360] (the element's width at 16:9)", size)
	}
	if got["left"] != 0.0 || got["ready"] != false {
		t.Errorf("after destroy: %v children left, ready %v; want none, false", got["left"], got["ready"])
	}
	if err := tab.Poll("the widget to be torn down", `(async () => (await window[Symbol.for("rerun.goLoader.runtimes")].values().next().value.api).stats().liveWidgets === 0)()`, 10*time.Second); err != nil {
		t.Error(err)
	}
}
