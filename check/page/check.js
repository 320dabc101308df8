// The page `loader check` drives: it starts the Viewer of ?widget= (a
// widget.js URL) filling the window, sends it ?recording=, and keeps what
// happened in window.check for the Go side to read. settle() pauses the
// timeline at a moment of its range, so the screenshot is of a fixed time;
// play() measures the frames while it plays.

const params = new URLSearchParams(location.search);

// The page's own times use the real clock: freezeClockUntilOpen stops the
// one the Viewer sees.
const realNow = performance.now.bind(performance);
const t0 = realNow();
const since = () => Math.round(realNow() - t0);

const check = {
  phase: "loading", // "ready", "open", "failed"
  events: [], // { type, ms, detail }
  failure: "",
  readyMs: null,
  openMs: null,
  recordingId: "",
  timeControl: "", // why the timeline could not be paused, if it could not
  openedAt: 0, // Date.now() when the recording was asked for
  viewer: null,
  // With ?empty, the Viewer waits for sendRecording() once it runs, so
  // the Go side can take the picture of its empty state first.
  awaitingRecording: false,
  sendRecording: null,
  pausedMs: 0, // how long it waited, left out of openMs
};
window.check = check;

// The Viewer's events as WebViewer dispatches them (filled in by the
// check page's server).
const eventTypes = __VIEWER_EVENTS__;

function record(type, detail) {
  // time_update fires every frame while playing: one entry per run of them.
  const last = check.events[check.events.length - 1];
  if (type === "time_update" && last?.type === type) {
    last.count = (last.count ?? 1) + 1;
    last.detail = detail;
    return;
  }
  check.events.push({ type, ms: since(), detail });
}

function fail(message) {
  if (check.phase === "failed") return;
  check.phase = "failed";
  check.failure = message;
  record("error", message);
}

async function start() {
  const { WebViewer } = await import(params.get("widget"));
  const viewer = new WebViewer();
  check.viewer = viewer;
  viewer.on("error", (e) => fail(e.message));
  for (const type of eventTypes) {
    viewer.on(type, (e) => {
      const { type: _, ...detail } = e ?? {};
      record(type, Object.keys(detail).length ? JSON.stringify(detail) : "");
      if (type === "recording_open" && !check.recordingId) {
        check.recordingId = e.recording_id;
        check.openMs = since() - check.pausedMs;
        if (check.phase === "ready") check.phase = "open";
      }
    });
  }
  const options = { width: "100%", height: "100%", hide_welcome_screen: true };
  if (params.get("theme")) options.theme = params.get("theme");
  if (params.get("panels")) options.panel_state_overrides = JSON.parse(params.get("panels"));
  await viewer.start(null, document.getElementById("viewer"), options);
  check.readyMs = since();
  record("ready", "");
  if (check.phase === "loading") check.phase = check.recordingId ? "open" : "ready";
  if (params.has("empty")) {
    const pausedAt = since();
    check.awaitingRecording = true;
    await new Promise((resolve) => { check.sendRecording = resolve; });
    check.awaitingRecording = false;
    check.pausedMs = since() - pausedAt;
  }
  // The bytes go through a channel, as a notebook's do: a URL would show
  // in the Viewer's selection panel, with a port that changes from run to
  // run. Closing it says the recording is whole, so the Viewer reports a
  // truncated one instead of waiting for the rest.
  const channel = viewer.open_channel("loader check");
  const response = await fetch(params.get("recording"));
  if (!response.ok) throw new Error(`fetch ${params.get("recording")}: ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  check.openedAt = Date.now();
  freezeClockUntilOpen(viewer);
  channel.send_rrd(bytes);
  channel.close();
}

// freezeClockUntilOpen stops performance.now until the recording opened
// and two more frames ran. The Viewer ingests data for a few milliseconds
// per frame, and its automatic layout picks views from what it has seen
// so far: on a busy machine a recording arrives over more frames and
// gets another layout. With the clock stopped, the budget never runs
// out, so every run ingests the whole recording in its first frame.
function freezeClockUntilOpen(viewer) {
  const frozenAt = realNow();
  performance.now = () => frozenAt;
  const thaw = () => {
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const offset = realNow() - frozenAt;
      performance.now = () => realNow() - offset;
    }));
  };
  viewer.once?.("recording_open", thaw) ?? viewer.on("recording_open", thaw);
}

// settle pauses the recording and moves its timeline to the moment
// {timeline, kind, value} (kind "start", "end", "fraction" or "value"; no
// timeline: the active one), again whenever the range grew (data still
// arriving). It returns where it put the timeline, so the Go side knows
// when the data stopped changing, or the problem that kept it from
// getting there.
check.settle = (moment = { kind: "end" }) => {
  const viewer = check.viewer;
  const id = check.recordingId;
  if (!viewer || !id) return { at: "no recording", problem: "" };
  if (check.timeControl) return { at: check.timeControl, problem: moment.kind === "end" ? "" : check.timeControl };
  try {
    viewer.set_playing(id, false);
    let timeline = viewer.get_active_timeline(id);
    if (moment.timeline && moment.timeline !== timeline) {
      viewer.set_active_timeline(id, moment.timeline);
      timeline = moment.timeline;
    }
    const range = timeline ? viewer.get_time_range(id, timeline) : null;
    if (!range) {
      // Only a timeline asked for by name must have data. Otherwise the
      // recording is static data only: every moment is its one picture,
      // so one scenario file's moments fit every recording.
      if (moment.timeline) return { at: `no data on ${timeline}`, problem: `the recording has no data on the timeline ${timeline}` };
      return { at: "static data: the same picture at every moment", problem: "" };
    }
    const at = {
      start: range.min,
      end: range.max,
      fraction: Math.round(range.min + moment.value * (range.max - range.min)),
      value: moment.value,
    }[moment.kind];
    viewer.set_current_time(id, timeline, at);
    return { at: `${timeline} ${at} of ${range.min}..${range.max}`, problem: "" };
  } catch (e) {
    // Viewers before the time-control API: the picture may still settle
    // at the end, but no other moment can be shown.
    check.timeControl = "this Viewer cannot move its timeline: " + (e?.message ?? e);
    return { at: check.timeControl, problem: moment.kind === "end" ? "" : check.timeControl };
  }
};

// play plays the timeline from its start for ms milliseconds and returns
// the intervals between the frames the page drew meanwhile, sorted: what
// playback costs the main thread.
check.play = async (ms) => {
  const viewer = check.viewer;
  const id = check.recordingId;
  if (!viewer || !id || check.timeControl) return [];
  try {
    const timeline = viewer.get_active_timeline(id);
    const range = timeline && viewer.get_time_range(id, timeline);
    if (range) viewer.set_current_time(id, timeline, range.min);
    viewer.set_playing(id, true);
  } catch {
    return [];
  }
  const intervals = [];
  await new Promise((resolve) => {
    let last = null;
    const end = realNow() + ms;
    const frame = (t) => {
      if (last !== null) intervals.push(t - last);
      last = t;
      if (realNow() < end) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  try {
    viewer.set_playing(id, false);
  } catch {}
  return intervals.sort((a, b) => a - b);
};

addEventListener("error", (e) => record("uncaught", String(e.message)));
addEventListener("unhandledrejection", (e) => record("unhandled rejection", String(e.reason?.message ?? e.reason)));

start().catch((e) => fail(e?.message ?? String(e)));
