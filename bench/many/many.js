// The page side of `make bench-many`: many notebook widgets on one page,
// each sent a recording, then scrolled through from top to bottom. It runs
// in the tests' host page (window.host) for either loader: it reads only
// what a user sees (a live canvas, the loader's messages) and the events
// the widget sends the kernel.

// Every lost WebGL context on the page: the event does not bubble, but a
// capturing listener on window sees it.
window.lostContexts = 0;
addEventListener("webglcontextlost", () => window.lostContexts++, true);

// The context each canvas's Viewer took: asking a canvas for one would
// make one where there is none yet.
const contexts = new WeakMap();
const getContext = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (...args) {
  const ctx = getContext.apply(this, args);
  if (ctx) contexts.set(this, ctx);
  return ctx;
};

// stateOf says what widget i shows: "running" (a canvas with a live
// context and no loader overlay), "loading", "paused" or "restore" (our
// loader says why it has no Viewer), "lost" (a lost context with nothing
// said: a silently broken Viewer) or "blank" (no canvas context yet).
export function stateOf(i) {
  const el = window.views[i].el;
  if (el.querySelector(".rerun-loader-paused")) return "paused";
  if (el.querySelector(".rerun-loader-restore")) return "restore";
  const canvas = el.querySelector("canvas");
  const ctx = canvas && contexts.get(canvas);
  if (!ctx) return "blank";
  if (ctx.isContextLost?.()) return "lost";
  return el.querySelector(".rerun-loader-status") ? "loading" : "running";
}

// addWidgets mounts n widgets of the module at url, one below the other,
// after setting the page's running-Viewer budget to maxRunning (0: the
// loader's default).
export async function addWidgets(url, n, traits, maxRunning) {
  const widget = await window.host.load({ url });
  if (maxRunning) await (await import(url)).setMaxRunningViewers(maxRunning);
  for (let i = 0; i < n; i++) await window.host.addView(widget, traits);
  return window.views.length;
}

// sendAll waits for every widget's "ready" and sends each the recording at
// rrdURL, as the kernel does, then waits for each to open it, or to be
// paused (a paused Viewer opens it when it resumes). It returns how many
// opened, and how many were paused, within timeoutMs.
export async function sendAll(rrdURL, timeoutMs) {
  const bytes = new Uint8Array(await (await fetch(rrdURL)).arrayBuffer());
  const end = performance.now() + timeoutMs;
  const counts = { opened: 0, paused: 0 };
  await Promise.all(window.views.map(async (view, i) => {
    try {
      await view.model.waitFor(() => view.model.sent.includes("ready"), Math.max(0, end - performance.now()));
      view.model.deliver({ type: "rrd" }, [window.host.bytesView(bytes)]);
      await view.model.waitFor(() => view.model.events("recording_open").length > 0 || stateOf(i) === "paused",
        Math.max(0, end - performance.now()));
      counts[view.model.events("recording_open").length > 0 ? "opened" : "paused"]++;
    } catch {
      // Counted as neither.
    }
  }));
  return counts;
}

// scrollTo scrolls widget i into view and returns how long it takes to
// show its recording: a live canvas, and for a Viewer that was not
// running, its recording opened again. -1: not within timeoutMs.
export async function scrollTo(i, timeoutMs) {
  const view = window.views[i];
  const wasRunning = stateOf(i) === "running";
  const opens = view.model.events("recording_open").length;
  const start = performance.now();
  view.el.scrollIntoView({ block: "center" });
  while (performance.now() - start < timeoutMs) {
    if (stateOf(i) === "running" && (wasRunning || view.model.events("recording_open").length > opens)) {
      return performance.now() - start;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return -1;
}

// summary counts the widgets by state and the contexts lost.
export function summary() {
  const states = {};
  for (let i = 0; i < window.views.length; i++) states[stateOf(i)] = (states[stateOf(i)] ?? 0) + 1;
  return { states, lostContexts: window.lostContexts };
}
