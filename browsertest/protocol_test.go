package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
)

// viewerEvent waits for the widget to forward a viewer event matching the
// JavaScript predicate over the parsed event e, after running the
// JavaScript action (with model bound), and returns the event.
func viewerEvent(t *testing.T, tab *headless.Tab, view int, action, predicate string) map[string]any {
	t.Helper()
	ev, err := headless.Eval[map[string]any](tab, fmt.Sprintf(`(async () => {
		const model = window.views[%d].model;
		const before = model.sent.length;
		%s;
		const match = (e) => %s;
		const found = await model.waitFor((m) => typeof m === "string" && m !== "ready" && match(JSON.parse(m)), %d, before);
		return JSON.parse(found);
	})()`, view, action, predicate, headless.Deadline.Milliseconds()))
	if err != nil {
		t.Fatalf("after %s, no event matching %s: %v\nconsole:\n%s", action, predicate, err, consoleText(tab))
	}
	return ev
}

// deliver sends a kernel message to a view; buffer, when not "", is a
// JavaScript expression for the Uint8Array to attach.
func deliver(t *testing.T, tab *headless.Tab, view int, content, buffer string) {
	t.Helper()
	buffers := "[]"
	if buffer != "" {
		buffers = "[host.bytesView(" + buffer + ", 5)]"
	}
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].model.deliver(%s, %s), true)`, view, content, buffers)); err != nil {
		t.Fatal(err)
	}
}

func setTrait(t *testing.T, tab *headless.Tab, view int, name string, value any) {
	t.Helper()
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].model.set(%s, %s), true)`, view, headless.JS(name), headless.JS(value))); err != nil {
		t.Fatal(err)
	}
}

// noticeText returns the widget's notice strip text ("" when none).
func noticeText(t *testing.T, tab *headless.Tab, view int) string {
	t.Helper()
	return widgetText(t, tab, view, ".rerun-loader-notice")
}

const telemetry = "zigzagson__unitree_rerun_sdk__recording.rrd"

func fetchFixture(name string) string {
	return fmt.Sprintf(`new Uint8Array(await (await fetch(%s)).arrayBuffer())`, headless.JS("/rrd/"+name))
}

func TestTimeCtrl(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	sendRecording(t, tab, m.Index, telemetry)

	ev := viewerEvent(t, tab, m.Index,
		`model.deliver({type: "time_ctrl", timeline: "log_tick", time: 7, play: false})`,
		`e.type === "timeline_change" && e.timeline === "log_tick"`)
	t.Logf("timeline_change: %v", ev)
	viewerEvent(t, tab, m.Index,
		`model.deliver({type: "time_ctrl", timeline: null, time: 42, play: false})`,
		`e.type === "time_update" && e.time === 42`)
	viewerEvent(t, tab, m.Index,
		`model.deliver({type: "time_ctrl", timeline: null, time: null, play: true})`,
		`e.type === "play"`)
	// play: false stops playback at the time given.
	viewerEvent(t, tab, m.Index,
		`model.deliver({type: "time_ctrl", timeline: null, time: 3, play: false})`,
		`e.type === "time_update" && e.time === 3`)
	// A window of ninety frames, counted by the page (a busy machine
	// stretches them for the Viewer's playback as much as for the test),
	// then a time asked for: its answer closes the window, and any other
	// time reported before it means playback went on.
	moved, err := headless.EvalWithin[[]float64](tab, headless.Deadline, fmt.Sprintf(`(async () => {
		const model = window.views[%d].model;
		const before = model.sent.length;
		for (let i = 0; i < 90; i++) await new Promise((r) => requestAnimationFrame(r));
		model.deliver({type: "time_ctrl", timeline: null, time: 5, play: false});
		const isTime = (m) => typeof m === "string" && m !== "ready" && JSON.parse(m).type === "time_update";
		await model.waitFor((m) => isTime(m) && JSON.parse(m).time === 5, %d, before);
		return model.sent.slice(before).filter(isTime).map((m) => JSON.parse(m).time).filter((t) => t !== 5);
	})()`, m.Index, headless.Deadline.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	if len(moved) > 0 {
		t.Errorf("time kept moving after play: false: %v", moved)
	}
}

func TestRecordingID(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	first := sendRecording(t, tab, m.Index, "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd")
	second := sendRecording(t, tab, m.Index, telemetry)
	if first["recording_id"] == second["recording_id"] {
		t.Fatalf("fixtures share a recording id %v", first["recording_id"])
	}
	// Switching the active recording makes the Viewer report time on it.
	// The switch lands in one of the Viewer's next frames: a time is asked
	// for each frame until one is reported on the first recording.
	ev := viewerEvent(t, tab, m.Index,
		fmt.Sprintf(`const id = %s;
		model.deliver({type: "recording_id", recording_id: id});
		const deadline = Date.now() + %d;
		for (let time = 1; Date.now() < deadline && !model.events("time_update").slice(-1).some((e) => e.recording_id === id); time = 3 - time) {
			model.deliver({type: "time_ctrl", timeline: null, time, play: false});
			await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		}`, headless.JS(first["recording_id"]), headless.Deadline.Milliseconds()),
		fmt.Sprintf(`e.recording_id === %s`, headless.JS(first["recording_id"])))
	t.Logf("after recording_id: %v", ev["type"])
}

func TestURLTraitAndURLMessages(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	traits := defaultTraits()
	traits["_url"] = pagesURL(t) + "/rrd/" + smallRecording
	m := mountWidget(t, tab, realURL(t), false, traits)
	// _url at start.
	viewerEvent(t, tab, m.Index, ``, `e.type === "recording_open" && e.application_id === "DDS-SLAM"`)
	// _url on change.
	viewerEvent(t, tab, m.Index,
		fmt.Sprintf(`model.set("_url", %s)`, headless.JS(pagesURL(t)+"/rrd/"+telemetry)),
		`e.type === "recording_open" && e.application_id === "unitree_lowstate_telemetry"`)
	// open_url.
	viewerEvent(t, tab, m.Index,
		fmt.Sprintf(`model.deliver({type: "open_url", url: %s})`, headless.JS(pagesURL(t)+"/rrd/JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd")),
		`e.type === "recording_open" && e.recording_id === "oracle-test"`)
	// close_url: the Viewer 0.33 keeps a finished recording open and logs
	// nothing when a receiver goes, so nothing on the page shows it; the
	// exact call is checked against the stand-in Viewer
	// (TestEveryMessageReachesTheHandle). Here the real Viewer must take
	// it: a missing or throwing remove_receiver shows a notice. Messages
	// are handled in order, so once partition_url's recording opens,
	// close_url was handled.
	deliver(t, tab, m.Index, fmt.Sprintf(`{type: "close_url", url: %s}`, headless.JS(pagesURL(t)+"/rrd/JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd")), "")
	// partition_url opens the new URL in place of the old.
	viewerEvent(t, tab, m.Index,
		fmt.Sprintf(`model.deliver({type: "partition_url", partition_url: %s})`, headless.JS(pagesURL(t)+"/rrd/bwright000__DDS-SLAM__trail3_viz.rrd")),
		`e.type === "recording_open" && e.application_id === "DDS-SLAM"`)
	if n := noticeText(t, tab, m.Index); n != "" {
		t.Errorf("widget shows a notice: %q", n)
	}
}

func TestTableAndCredentialsReachTheViewer(t *testing.T) {
	t.Parallel()
	// The Viewer's own complaints prove the bytes and the token arrived.
	tab := openTab(t, "IPC-encoded arrow", "Failed to create credentials")
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	deliver(t, tab, m.Index, `{type: "table"}`, `new Uint8Array([1, 2, 3])`)
	deliver(t, tab, m.Index, `{type: "set_credentials", access_token: "not-a-jwt", email: "me@example.com"}`, "")
	waitConsole(t, tab, "IPC-encoded arrow")
	waitConsole(t, tab, "Failed to create credentials")
	// And the widget keeps working.
	sendRecording(t, tab, m.Index, smallRecording)
}

func waitConsole(t *testing.T, tab *headless.Tab, substr string) {
	t.Helper()
	for deadline := time.Now().Add(headless.Deadline); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range tab.Console() {
			if strings.Contains(m.Text, substr) {
				return
			}
		}
	}
	t.Fatalf("console never said %q\n%s", substr, consoleText(tab))
}

func TestBadMessagesAreReportedAndSurvived(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "ignored a")
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	tests := []struct {
		content, buffer, want string
	}{
		{`{type: "rrd"}`, "", `"rrd" message from the kernel: it carries no buffer`},
		{`{type: 42}`, "", "its type is the number 42"},
		{`"just a string"`, "", "the message is not an object"},
		{`{type: "time_ctrl", time: "noon"}`, "", `time is the string "noon"`},
		{`{type: "open_url", url: 7}`, "", "url is the number 7"},
		{`{type: "recording_id"}`, "", "recording_id is empty"},
	}
	for _, tt := range tests {
		deliver(t, tab, m.Index, tt.content, tt.buffer)
		var got string
		for deadline := time.Now().Add(headless.Deadline); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got = noticeText(t, tab, m.Index); strings.Contains(got, tt.want) {
				break
			}
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("after %s the widget shows %q, want %q", tt.content, got, tt.want)
		}
	}
	// A message whose buffer is not binary.
	if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(window.views[%d].model.deliver({type: "rrd"}, ["text"]), true)`, m.Index)); err != nil {
		t.Fatal(err)
	}
	waitConsole(t, tab, "its buffer is not binary data")
	// A type from a newer rerun_notebook is noted on the console, not
	// shown.
	deliver(t, tab, m.Index, `{type: "launch_rockets"}`, "")
	waitConsole(t, tab, `ignored "launch_rockets" messages from the kernel: this loader does not know that type`)
	if got := noticeText(t, tab, m.Index); strings.Contains(got, "launch_rockets") {
		t.Errorf("the widget shows %q for a message type it does not know", got)
	}
	// Still alive.
	sendRecording(t, tab, m.Index, smallRecording)
}

func TestResize(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	m := mountWidget(t, tab, realURL(t), false, defaultTraits())
	size := func() []float64 {
		s, err := headless.Eval[[]float64](tab, fmt.Sprintf(`(() => {
			const c = window.views[%d].el.querySelector("canvas");
			return [c.clientWidth, c.clientHeight, c.width];
		})()`, m.Index))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		width, height any
		want          [2]float64
	}{
		{800, 300, [2]float64{800, 300}},
		{100, 50, [2]float64{200, 200}}, // clamped
		{"auto", "auto", [2]float64{0, 0}},
		{"wide", nil, [2]float64{640, 640}}, // garbage → default
	}
	for _, tt := range tests {
		setTrait(t, tab, m.Index, "_width", tt.width)
		setTrait(t, tab, m.Index, "_height", tt.height)
		got := size()
		want := tt.want
		if tt.width == "auto" {
			// 100% of the page's widget div, and 16:9.
			pageW, err := headless.Eval[float64](tab, fmt.Sprintf(`window.views[%d].el.clientWidth`, m.Index))
			if err != nil {
				t.Fatal(err)
			}
			want = [2]float64{pageW, float64(int(pageW * 9 / 16))}
			if got[0] != want[0] || got[1] < want[1]-1 || got[1] > want[1]+1 {
				t.Errorf("_width/_height auto: canvas %v, want about %v", got[:2], want)
			}
			continue
		}
		if got[0] != want[0] || got[1] != want[1] {
			t.Errorf("_width=%v _height=%v: canvas %v, want %v", tt.width, tt.height, got[:2], want)
		}
	}
	// The Viewer follows: its drawing buffer takes the new size.
	setTrait(t, tab, m.Index, "_width", 900)
	setTrait(t, tab, m.Index, "_height", 400)
	var s []float64
	for deadline := time.Now().Add(headless.Deadline); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s = size(); s[2] >= 900 {
			break
		}
	}
	if s[2] < 900 {
		t.Errorf("the Viewer's drawing buffer stayed %v px wide after a resize to 900", s[2])
	}
}

// widgetShot returns a screenshot of one widget once the Viewer has
// settled: two shots in a row alike (or the last one after ten seconds).
func widgetShot(t *testing.T, tab *headless.Tab, view int) image.Image {
	t.Helper()
	var last image.Image
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		b, err := tab.ScreenshotOf(fmt.Sprintf(`.widget:nth-child(%d) .rerun_notebook`, view+1))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if last != nil && difference(last, img) == 0 || time.Now().After(deadline) {
			return img
		}
		last = img
	}
}

// difference is the share of sampled pixels that differ between two
// same-sized images.
func difference(a, b image.Image) float64 {
	diff, n := 0, 0
	r := a.Bounds().Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			n++
			if a.At(x, y) != b.At(x, y) {
				diff++
			}
		}
	}
	return float64(diff) / float64(max(n, 1))
}

// TestStartOptionChangesRestartAndReplay covers _theme and _fallback_token,
// which the Viewer takes only when it starts: a change restarts it with the
// new value and replays the recordings sent so far; setting the same value
// again does nothing. The Viewer 0.33 draws the same in headless Chromium
// whatever the theme, so the proof that a theme arrives is the Viewer's own
// complaint about one it does not know.
func TestStartOptionChangesRestartAndReplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		trait, start, changed string
		saysAfter             string // the Viewer's console says this after the change
	}{
		{"_theme", "dark", "sepia", "Ignoring unknown `theme` value"},
		{"_fallback_token", "token-one", "token-two", ""},
	}
	for _, tt := range tests {
		t.Run(tt.trait, func(t *testing.T) {
			tab := openTab(t)
			traits := defaultTraits()
			traits[tt.trait] = tt.start
			m := mountWidget(t, tab, realURL(t), false, traits)
			first := sendRecording(t, tab, m.Index, "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd")
			for _, c := range tab.Console() {
				if strings.Contains(c.Text, "unknown `theme` value") {
					t.Errorf("the Viewer rejected a valid start value: %s", c.Text)
				}
			}
			again := viewerEvent(t, tab, m.Index, fmt.Sprintf(`model.set(%s, %s)`, headless.JS(tt.trait), headless.JS(tt.changed)), `e.type === "recording_open"`)
			if again["recording_id"] != first["recording_id"] {
				t.Errorf("after the restart the Viewer opened %v, want the replayed %v", again["recording_id"], first["recording_id"])
			}
			if tt.saysAfter != "" {
				waitConsole(t, tab, tt.saysAfter)
			}
			// The same value again: no restart. The loader handles what the
			// kernel sends in order, so a time asked for after the value is
			// answered once the value was handled; had it restarted the
			// Viewer, the replayed recording would open first, as the loader
			// holds the time until the old state is back.
			setTrait(t, tab, m.Index, tt.trait, tt.changed)
			ev := viewerEvent(t, tab, m.Index,
				`model.deliver({type: "time_ctrl", timeline: null, time: 5, play: false})`,
				`e.type === "time_update" && e.time === 5 || e.type === "recording_open"`)
			if ev["type"] == "recording_open" {
				t.Errorf("the same %s again restarted the Viewer", tt.trait)
			}
		})
	}
}

func TestPanelStates(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "_panel_states.top is")
	traits := defaultTraits()
	traits["_width"], traits["_height"] = 900, 500
	traits["_panel_states"] = map[string]string{"top": "hidden", "blueprint": "hidden", "selection": "hidden", "time": "hidden"}
	m := mountWidget(t, tab, realURL(t), false, traits)
	// The 3D reconstruction: a plot recording kept playing under load and
	// never drew the same picture twice, paused or not.
	sendRecording(t, tab, m.Index, "bwright000__DDS-SLAM__stereomis_recon.rrd")
	hidden := widgetShot(t, tab, m.Index)

	setTrait(t, tab, m.Index, "_panel_states", map[string]string{"top": "expanded", "blueprint": "expanded", "selection": "expanded", "time": "expanded"})
	expanded := widgetShot(t, tab, m.Index)
	setTrait(t, tab, m.Index, "_panel_states", map[string]string{"top": "hidden", "blueprint": "hidden", "selection": "hidden", "time": "hidden"})
	hiddenAgain := widgetShot(t, tab, m.Index)

	d1, d2 := difference(hidden, expanded), difference(hidden, hiddenAgain)
	t.Logf("pixels that differ: hidden vs expanded %.0f%%, hidden vs hidden again %.0f%%", d1*100, d2*100)
	if d1 < 0.2 {
		t.Errorf("expanding every panel changed only %.0f%% of the widget", d1*100)
	}
	if d2 > d1/2 {
		t.Errorf("hiding the panels again did not restore the layout (%.0f%% differ)", d2*100)
	}

	setTrait(t, tab, m.Index, "_panel_states", map[string]string{"top": "sideways"})
	tab.Poll("a notice", fmt.Sprintf(`window.views[%d].el.querySelector(".rerun-loader-notice")`, m.Index), 5*time.Second)
	if n := noticeText(t, tab, m.Index); !strings.Contains(n, `_panel_states.top is the string "sideways"`) {
		t.Errorf("bad panel state: notice %q", n)
	}
}
