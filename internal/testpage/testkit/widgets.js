// What tests and benchmarks do to widgets in a host page (hostpage/host.js
// is the host): load a widget module, mount it and wait for "ready", run
// a notebook cell again.

const host = () => window.host;

// loadURL imports a widget module from url, as anywidget does with a URL
// _esm.
export function loadURL(url) {
  return host().load({ url });
}

// loadSourceFrom fetches a widget module's source from url and imports it
// from a blob: URL, as anywidget does with a string _esm (rerun-notebook's
// inline mode). The source is fetched once per page, so re-runs measure the
// import and not the download.
const sources = new Map();
export async function loadSourceFrom(url) {
  return host().load({ source: await sourceFrom(url) });
}

async function sourceFrom(url) {
  if (!sources.has(url)) sources.set(url, await (await fetch(url)).text());
  return sources.get(url);
}

// mountInline mounts the module whose source is at url as anywidget does
// with a string _esm, within limitMs (anywidget's is 2000) for the import
// and initialize (host.initializeWithin), and waits for "ready". Besides
// mount's result it returns the import's and initialize's times.
export async function mountInline(url, traits, limitMs, timeoutMs) {
  const source = await sourceFrom(url);
  const model = new (host().Model)(traits);
  const t0 = performance.now();
  const { widget, importMs, initializeMs } = await host().initializeWithin(limitMs, { source }, model);
  const { view, index } = await host().addView(widget, traits, model);
  await view.model.waitFor((m) => m === "ready", timeoutMs);
  return { index, startMs: t0, readyMs: performance.now() - t0, importMs, initializeMs };
}

// mount awaits load (a widget, as host.load returns it), mounts it for a
// new model with traits in a new element and waits for "ready". It
// returns the view's index in window.views, performance.now() before the
// load, and the time from there to "ready".
export async function mount(load, traits, timeoutMs) {
  const t0 = performance.now();
  const { view, index } = await host().addView(await load(), traits);
  await view.model.waitFor((m) => m === "ready", timeoutMs);
  return { index, startMs: t0, readyMs: performance.now() - t0 };
}

// runCell runs a notebook cell again: it removes the view the previous run
// left (as anywidget does when a cell re-runs), loads the widget, renders
// it for a new model with traits and waits for "ready". It returns the
// time from the removal to "ready".
export async function runCell(load, traits, timeoutMs) {
  const t0 = performance.now();
  if (window.cell) await window.cell.remove();
  const widget = await load();
  const model = new (host().Model)(traits);
  let el = document.getElementById("cell");
  if (!el) {
    el = document.createElement("div");
    el.id = "cell";
    el.className = "widget";
    document.getElementById("widgets").append(el);
  }
  window.cell = await host().mount(widget, model, el);
  await model.waitFor((m) => m === "ready", timeoutMs);
  return performance.now() - t0;
}
