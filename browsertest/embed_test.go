package browsertest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
)

// fixtureRRD is a small real recording served at /rrd/ of the pages origin.
const fixtureRRD = "rerun-io__rerun__example.rrd"

// TestMountWithBytesAndEvents mounts a Viewer with mount(), sends a
// recording as bytes, and follows its events; then destroys it and checks
// nothing is left.
func TestMountWithBytesAndEvents(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	got, err := headless.Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
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
		const stats = await `+headless.Runtimes+`.values().next().value.api.then((a) => a.stats());
		return { events, rec, size, left: el.childElementCount, widgets: stats.liveWidgets, ready: viewer.ready };
	})()`, headless.JS(realURL(t)), headless.JS("/rrd/"+fixtureRRD), headless.Deadline.Milliseconds()))
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
	if err := tab.Poll("the widget to be torn down", `(async () => (await `+headless.Runtimes+`.values().next().value.api).stats().liveWidgets === 0)()`, 10*time.Second); err != nil {
		t.Error(err)
	}
}

// TestUpstreamPageRunsUnchanged runs code written for
// @rerun-io/web-viewer 0.33, changed only in its import: start with a
// recording URL, events, a channel, the getters and setters, panel
// overrides, stop. It runs against the npm package itself (bundled as a
// web app bundles it) and against ours, which must answer alike.
func TestUpstreamPageRunsUnchanged(t *testing.T) {
	t.Parallel()
	for _, loader := range []struct {
		name   string
		module func(testing.TB) string
		ours   bool
	}{
		{"npm package", upstreamURL, false},
		{"ours", realURL, true},
	} {
		t.Run(loader.name, func(t *testing.T) {
			t.Parallel()
			runUpstreamPage(t, loader.module(t), loader.ours)
		})
	}
}

func runUpstreamPage(t *testing.T, module string, ours bool) {
	tab := openTab(t)
	got, err := headless.Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
		const { WebViewer } = await import(%s); // was: from "@rerun-io/web-viewer"
		const app = document.createElement("div");
		document.body.append(app);
		const out = { events: [] };
		const viewer = new WebViewer();
		viewer.on("ready", () => out.events.push("ready"));
		const opened = new Promise((resolve) => viewer.once("recording_open", (e) => { out.events.push("recording_open"); resolve(e); }));
		const unsubscribe = viewer.on("recording_open", () => out.events.push("not unsubscribed"));
		unsubscribe();
		await viewer.start(%s, app, { width: "800px", height: "450px", hide_welcome_screen: true, render_backend: "webgl" });
		out.ready = viewer.ready;
		const first = await opened;
		const rec = viewer.get_active_recording_id();
		out.sameRecording = rec === first.recording_id;
		// recording_open comes with the recording's start, before its data.
		let timeline, range;
		for (const deadline = Date.now() + %d; !range && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
			timeline = viewer.get_active_timeline(rec);
			range = timeline && viewer.get_time_range(rec, timeline);
		}
		out.timeline = timeline;
		viewer.set_playing(rec, false); // it plays on its own when it opens
		out.hasRange = !!range && range.max >= range.min;
		if (!out.hasRange) return out;
		// The Viewer applies the pause and the time with its next frames, in
		// either order on a busy machine (a time set while it still plays
		// moves on): set it until it reads back.
		for (const deadline = Date.now() + %[3]d; !out.timeSet && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
			viewer.set_current_time(rec, timeline, range.min);
			await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
			out.timeSet = viewer.get_current_time(rec, timeline) === range.min;
		}
		viewer.set_playing(rec, true);
		// Applied with the next frame, which a busy machine can take seconds to draw.
		for (const deadline = Date.now() + %[3]d; !out.playing && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
			out.playing = viewer.get_playing(rec);
		}
		viewer.set_playing(rec, false);
		viewer.override_panel_state("top", "hidden");
		viewer.toggle_panel_overrides(false);
		const second = new Promise((resolve) => viewer.once("recording_open", resolve));
		const channel = viewer.open_channel("bytes");
		channel.send_rrd(new Uint8Array(await (await fetch(%[4]s)).arrayBuffer()));
		out.secondSource = (await second).source;
		channel.close();
		out.channelReady = channel.ready;
		// 0.33 has no save_recording: ours says so, and nothing breaks.
		if (viewer.save_recording) try { viewer.save_recording(); out.saveThrows = false; } catch (e) { out.saveThrows = e.message; }
		const canvas = viewer.canvas.getBoundingClientRect();
		out.size = Math.round(canvas.width) + "x" + Math.round(canvas.height);
		viewer.stop();
		out.stopped = !viewer.ready && viewer.canvas === null && app.childElementCount === 0;
		try { viewer.get_active_recording_id(); out.stoppedThrows = false; } catch (e) { out.stoppedThrows = e.message; }
		return out;
	})()`, headless.JS(module), headless.JS(rrdURL(t, telemetry)), headless.Deadline.Milliseconds(), headless.JS("/rrd/"+smallRecording)))
	if err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	t.Logf("%v", got)
	want := map[string]any{
		"ready": true, "sameRecording": true, "hasRange": true, "timeSet": true, "playing": true,
		"channelReady": false, "size": "800x450", "stopped": true,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if ev := fmt.Sprint(got["events"]); ev != "[ready recording_open]" {
		t.Errorf("events %s, want [ready recording_open]", ev)
	}
	if msg, _ := got["saveThrows"].(string); ours && !strings.Contains(msg, "cannot save the recording: the Rerun Viewer "+assets.DefaultViewer().Version+" does not support save_recording") {
		t.Errorf("save_recording on a Viewer without it: %v, want an error naming the method and the version", got["saveThrows"])
	}
	if msg, _ := got["stoppedThrows"].(string); !strings.Contains(msg, "stopped") {
		t.Errorf("a call on a stopped viewer: %v, want an error saying it is stopped", got["stoppedThrows"])
	}
}

// TestBlobModuleWithViewerOption imports widget.js from a blob: URL (as
// marimo and anywidget's inline ESM do), where nothing is next to the
// module: told by the viewer option where the Viewer is, it finds its Go
// loader next to that Viewer (with the Viewer URL's query), or where the
// loader option says; where neither is, or neither answers, it says what
// it tried. The standalone build carries its loader inside.
func TestBlobModuleWithViewerOption(t *testing.T) {
	t.Parallel()
	real := must(t, serveReal)
	viewer := real + "/" + names.ViewerFile + "?from-option"
	nowhere := pagesURL(t) + "/nowhere/" + names.ViewerFile
	tests := []struct {
		name, module string
		options      map[string]string
		want         string
		loader       []string // the Go loader's requests
	}{
		{"viewer beside", realURL(t), map[string]string{"viewer": viewer},
			"recording_open", []string{real + "/" + names.LoaderFile + "?from-option"}},
		{"loader option", realURL(t), map[string]string{"viewer": viewer, "loader": real + "/" + names.LoaderFile + "?named"},
			"recording_open", []string{real + "/" + names.LoaderFile + "?named"}},
		{"no loader beside the viewer", realURL(t), map[string]string{"viewer": nowhere},
			"error: this module was imported from a blob: URL, with nothing next to it, and its Go loader, " + names.LoaderFile +
				", was not found: " + pagesURL(t) + "/nowhere/" + names.LoaderFile + " answered HTTP 404", nil},
		{"nothing named", realURL(t), map[string]string{},
			"error: this module was imported from a blob: URL, with nothing next to it, so its Go loader, " + names.LoaderFile +
				", cannot be found: import " + names.WidgetFile + " by its http(s) URL, give the viewer option", nil},
		{"standalone", standalone(realURL(t)), map[string]string{"viewer": viewer}, "recording_open", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tab := openTab(t, names.LoaderFile, "404")
			options := map[string]any{"recording": rrdURL(t, smallRecording)}
			for k, v := range tt.options {
				options[k] = v
			}
			got, err := headless.Eval[string](tab, fmt.Sprintf(`(async () => {
				const source = await (await fetch(%s)).text();
				const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
				const { mount } = await import(url);
				const el = document.createElement("div");
				document.body.append(el);
				try {
					const viewer = await mount(el, %s);
					return await new Promise((resolve) => viewer.once("recording_open", (e) => resolve(e.source && "recording_open")));
				} catch (e) {
					return "error: " + e.message;
				}
			})()`, headless.JS(tt.module), headless.JS(options)))
			if err != nil {
				t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("mount from a blob: URL: %q, want %q", got, tt.want)
			}
			if reqs := pageRequests(t, tab, names.LoaderFile); tt.loader != nil && !slices.Equal(reqs, tt.loader) {
				t.Errorf("Go loader requests %v, want %v", reqs, tt.loader)
			}
			if reqs := pageRequests(t, tab, names.ViewerFile); got == "recording_open" && (len(reqs) != 1 || reqs[0] != viewer) {
				t.Errorf("Viewer requests %v, want one of %s", reqs, viewer)
			}
		})
	}
}

// TestMountFailureSaysWhatToDo mounts with a Viewer URL that does not
// exist: mount rejects with the reason and the advice the element shows,
// and the element offers Retry.
func TestMountFailureSaysWhatToDo(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "404", "could not start")
	got, err := headless.Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
		const { mount } = await import(%s);
		const el = document.createElement("div");
		document.body.append(el);
		try {
			await mount(el, { viewer: %s });
			return { resolved: true };
		} catch (e) {
			return { message: e.message, shown: el.textContent, retry: !!el.querySelector(".rerun-loader-retry"), hasViewer: !!e.viewer };
		}
	})()`, headless.JS(realURL(t)), headless.JS(must(t, serveReal)+"/nothing/here.wasm")))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := got["message"].(string)
	if !strings.Contains(msg, "404") || !strings.Contains(msg, "could not start") {
		t.Errorf("mount rejected with %q, want the 404 and what failed", msg)
	}
	if shown, _ := got["shown"].(string); !strings.Contains(shown, "404") || got["retry"] != true || got["hasViewer"] != true {
		t.Errorf("element shows %q (Retry %v, error.viewer %v), want the 404 and a Retry button", shown, got["retry"], got["hasViewer"])
	}
}
