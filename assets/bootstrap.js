// widget.js: the Rerun Viewer as an anywidget module, driven by a Go
// program compiled with GOOS=js GOARCH=wasm (the loader). Importing this
// module compiles and fetches nothing: the loader boots at the first
// initialize or render on the page, once per build, and is shared by every
// widget and every module instance of the same build.
// fetchViewer and loaderWasmHex are defined ahead of this code, outside the
// minified part.
const BUILD_ID = "__BUILD_ID__";
const VIEWER_VERSION = "__VIEWER_VERSION__";
const VIEWER_FILE = "__VIEWER_FILE__";
// The Viewer Wasm's SHA-256. A Viewer inlined in this module (rerun-
// notebook's inline mode) is kept in Cache Storage under it, so that the
// next page skips decoding it and V8 can cache its compiled code there.
const VIEWER_SHA256 = "__VIEWER_SHA256__";
const VIEWER_CACHE = "rerun-viewer";
// Only a key: nothing is ever fetched from it.
const VIEWER_CACHE_KEY = "https://rerun-viewer.invalid/sha256/" + VIEWER_SHA256 + "/" + VIEWER_FILE;
// The Viewer's URL baked in by `loader build --viewer-url`, or "": next to
// this module.
const VIEWER_URL = __VIEWER_URL__;
// Whether the glue's init takes {module_or_path} (detected at build time).
const GLUE_INIT_TAKES_OBJECT = __GLUE_INIT_OBJECT__;

// The Viewer's wasm-bindgen glue as a factory: each call returns a fresh
// glue instance with its own Wasm memory.
const createGlue = __GLUE__;

// Go's wasm_exec.js, run only when the first loader boots.
function installGo() {
  __WASM_EXEC__
  return globalThis.Go;
}

const runtimes = (globalThis[Symbol.for("rerun.goLoader.runtimes")] ??= new Map());

// loaderWasm returns the Go loader Wasm, which loaderWasmHex returns as hex.
function loaderWasm() {
  const hex = loaderWasmHex();
  if (Uint8Array.fromHex) return Uint8Array.fromHex(hex);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

async function boot(rt) {
  const start = performance.now();
  const Go = installGo();
  const go = new Go();
  const { instance } = await WebAssembly.instantiate(loaderWasm(), go.importObject);
  rt.go = go;
  return new Promise((resolve, reject) => {
    // The Go program takes this hook before go.run returns.
    globalThis.__rerunGoLoaderBoot = {
      resolve(api) {
        performance.measure("rerun-loader:boot", { start });
        resolve(api);
      },
    };
    let exited;
    try {
      exited = go.run(instance);
    } finally {
      delete globalThis.__rerunGoLoaderBoot;
    }
    const onExit = (e) => {
      exit(rt, e);
      reject(new Error("the Rerun loader exited before it started"));
    };
    exited.then(() => onExit(), onExit);
  });
}

// exit forgets a runtime whose Go program stopped, so the next render
// boots a fresh one, and says so in every widget it served: they no longer
// answer the kernel.
function exit(rt, reason) {
  if (runtimes.get(BUILD_ID) === rt) runtimes.delete(BUILD_ID);
  rt.early?.abort();
  console.error("rerun loader: the Go runtime stopped", reason ?? "");
  for (const el of rt.views) {
    showError(el, "The Rerun loader stopped unexpectedly, so this Viewer no longer follows the notebook. " +
      "Run the cell again to start a new one (details in the browser console).");
  }
  rt.views.clear();
}

function showError(el, text) {
  try {
    const box = document.createElement("pre");
    box.className = "rerun-loader-error";
    box.style.whiteSpace = "pre-wrap";
    box.textContent = text;
    el.append(box);
  } catch (e) {
    console.error("rerun loader:", text, e);
  }
}

// runtime returns this build's runtime record on the page, booting the Go
// loader on first use: {api: Promise of the loader's API, ready, early,
// views: the elements of its live widgets, go: the Go instance}.
function runtime() {
  let rt = runtimes.get(BUILD_ID);
  if (!rt) {
    rt = { ready: false, early: undefined, views: new Set() };
    rt.api = boot(rt);
    runtimes.set(BUILD_ID, rt);
    rt.api.then(() => { rt.ready = true; }, () => {
      if (runtimes.get(BUILD_ID) === rt) runtimes.delete(BUILD_ID);
      rt.early?.abort();
    });
  }
  return rt;
}

// adjacentViewerURL returns the Viewer next to this module, written as a
// literal new URL(…, import.meta.url) so that bundlers see the asset, copy
// it and rewrite the URL to where they put it; "" when the module has no
// directory (a blob: or data: URL).
function adjacentViewerURL() {
  try {
    return new URL("./__VIEWER_FILE__", import.meta.url).href;
  } catch {
    return "";
  }
}

// startEarlyFetch starts downloading the Viewer (from the page's viewer
// option, the baked-in URL or next to this module) while the Go loader
// boots, so the boot costs the first widget no time. The Go side is the
// authority on the Viewer's URL: it adopts this download when it resolves
// the same URL and aborts it otherwise. Modules from blob: or data: URLs
// (inline mode) have nothing next to them: the Viewer may be inlined.
function startEarlyFetch(option) {
  let url = option || VIEWER_URL;
  if (!url) {
    url = adjacentViewerURL();
    if (!/^https?:/i.test(url)) {
      const controller = new AbortController();
      const response = inlinedViewer(controller.signal);
      response.catch(() => {});
      return { url: "", response, abort: () => controller.abort() };
    }
    const href = import.meta.url.split("#")[0];
    const query = href.indexOf("?");
    if (query >= 0 && !url.includes("?")) url += href.slice(query);
  }
  const controller = new AbortController();
  const response = fetchViewer(url, { signal: controller.signal });
  response.catch(() => {}); // the Go side reports failures
  return { url, response, abort: () => controller.abort() };
}

// inlinedViewer returns the Viewer inlined in this module as a Response:
// the copy in Cache Storage when an earlier page kept it, else the one the
// marker function decodes, kept for the next page once the page is idle
// (hashing and storing 47 MB would delay this page's Viewer by ~0.4 s).
// It resolves to null when the module has no Viewer inlined. A Response
// from Cache Storage carries the URL V8 caches compiled code under. Both
// say their link is local, so the loader does not count their bytes.
async function inlinedViewer(signal) {
  let cache;
  try {
    cache = await globalThis.caches?.open(VIEWER_CACHE); // secure contexts only
    const kept = await cache?.match(VIEWER_CACHE_KEY);
    if (kept) return kept;
  } catch {
    cache = undefined; // storage refused (private window, quota): go without
  }
  const fresh = await fetchViewer(null, { signal });
  if (!cache || !fresh?.ok || !globalThis.crypto?.subtle) return fresh;
  const bytes = await fresh.arrayBuffer();
  const headers = { "Content-Type": "application/wasm", "rerun-final-length": String(bytes.byteLength), "__LINK_HEADER__": "local" };
  const idle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 1000));
  idle(() => keepViewer(cache, bytes, headers).catch(() => {}), { timeout: 10000 });
  return new Response(bytes, { headers });
}

// keepViewer stores the Viewer's bytes in cache when they are the ones
// this build names, and deletes other builds' copies: one Viewer is kept.
async function keepViewer(cache, bytes, headers) {
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  if (Array.from(sum, (b) => b.toString(16).padStart(2, "0")).join("") !== VIEWER_SHA256) return;
  await cache.put(VIEWER_CACHE_KEY, new Response(bytes, { headers }));
  for (const key of await cache.keys()) {
    if (key.url !== VIEWER_CACHE_KEY) await cache.delete(key);
  }
}

// loaderAPI returns the page's Go loader API and the early download to hand
// to it, booting the loader first when needed. Only the first Viewer on
// the page waits for the boot; the Go side has not asked for the Viewer yet.
async function loaderAPI(viewerOption) {
  const rt = runtime();
  if (!rt.ready && rt.early === undefined) rt.early = startEarlyFetch(viewerOption) ?? null;
  const api = await rt.api;
  const early = rt.early ?? undefined;
  rt.early = null;
  return { rt, api, early };
}

// moduleProps are the props of every render and embed: what only this
// module instance knows.
function moduleProps(early) {
  return {
    moduleURL: import.meta.url, adjacentURL: adjacentViewerURL(), viewerURL: VIEWER_URL, fetchViewer, createGlue,
    viewerVersion: VIEWER_VERSION, glueInitTakesObject: GLUE_INIT_TAKES_OBJECT, early,
  };
}

function initialize() {
  // Start booting early; render reports any failure in its widget.
  runtime().api.catch(() => {});
}

async function render({ model, el, signal }) {
  const lifetime = new AbortController();
  const stop = () => lifetime.abort();
  if (signal) {
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  }
  let rt;
  try {
    const loader = await loaderAPI();
    rt = loader.rt;
    const failed = loader.api.render({ model, el, signal: lifetime.signal, ...moduleProps(loader.early) });
    if (failed instanceof Error) throw failed;
    rt.views.add(el);
  } catch (e) {
    console.error("rerun loader:", e);
    showError(el, "The Rerun Viewer could not start: " + (e && e.message ? e.message : String(e)));
  }
  return () => {
    rt?.views.delete(el);
    signal?.removeEventListener("abort", stop);
    stop();
  };
}

// The Viewer's events, as @rerun-io/web-viewer names them.
const VIEWER_EVENTS = ["ready", "recording_open", "selection_change", "time_update", "timeline_change", "play", "pause", "fullscreen"];

// WebViewer has the API of @rerun-io/web-viewer's WebViewer, so a page
// written for the npm package works by changing its import; every
// WebViewer and notebook widget of a page shares one Go runtime and one
// compiled Viewer. The Go loader runs its life (load, start, Retry,
// restart, panic watch, cleanup) as it runs a notebook widget's, and shows
// progress and failures in its element. Beyond upstream's API it has what
// mount() promises: send, sendTable, setTheme, setSize, setPanelStates and
// destroy, and an "error" event.
export class WebViewer {
  #state = "stopped"; // "starting", "ready", "failed" or "stopped"
  #ctl = null; // the Go controller of the running Viewer
  #life = null; // aborting it stops the Viewer
  #host = null; // the element the Viewer lives in, inside the parent
  #events = new Map();
  #allowFullscreen = false;
  #failure = "";

  /**
   * Start the Viewer in parent (default: document.body) and open rrd (a URL
   * or an array of URLs) once it runs. options are upstream's, plus viewer:
   * the URL of re_viewer_bg.wasm. Rejects with an Error that says what
   * failed and what to do; the element shows it too.
   */
  async start(rrd, parent, options, open_options) {
    if (this.#state !== "stopped") return;
    this.#state = "starting";
    this.#failure = "";
    options = { ...(options ?? {}) };
    const { viewer, base_url, width, height, theme, fallback_token, panel_state_overrides, allow_fullscreen, login } = options;
    for (const own of ["viewer", "base_url", "width", "height", "theme", "fallback_token", "panel_state_overrides", "allow_fullscreen", "login", "on_viewer_event", "fullscreen", "notebook"]) delete options[own];
    this.#allowFullscreen = !!allow_fullscreen;
    if (this.#allowFullscreen) {
      options.fullscreen = { get_state: () => this.#isFullscreen(), on_toggle: () => this.toggle_fullscreen() };
    }
    if (login) {
      options.login = {
        signed_in_url: new URL(login.signed_in_url, location.href).href,
        signed_out_url: new URL(login.signed_out_url, location.href).href,
      };
    }
    const viewerURL = viewer ? String(new URL(viewer, document.baseURI)) :
      base_url ? String(new URL("./__VIEWER_FILE__", new URL(base_url, document.baseURI))) : "";

    const host = document.createElement("div");
    host.className = "rerun-viewer";
    host.style.display = "contents";
    (parent ?? document.body).append(host);
    const life = new AbortController();
    this.#host = host;
    this.#life = life;
    life.signal.addEventListener("abort", () => host.remove(), { once: true });

    let settle;
    const started = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    const onEvent = (content) => {
      if (life.signal.aborted) return;
      if (content === "ready") {
        this.#state = "ready";
        settle.resolve();
        this.#dispatch("ready");
        return;
      }
      let event;
      try {
        event = JSON.parse(content);
      } catch {
        return;
      }
      this.#dispatch(event.type, event);
    };
    const onFailure = (title, detail) => {
      if (life.signal.aborted) return;
      const message = title + ": " + detail;
      const wasStarting = this.#state === "starting";
      this.#state = "failed";
      this.#failure = message;
      if (wasStarting) settle.reject(new Error(message));
      this.#dispatch("error", { message });
    };
    try {
      const { rt, api, early } = await loaderAPI(viewerURL);
      if (life.signal.aborted) {
        early?.abort();
        return;
      }
      const ctl = api.embed({
        el: host, signal: life.signal, ...moduleProps(early), viewer: viewerURL, options, onEvent, onFailure,
        traits: {
          _width: width ?? "640px", _height: height ?? "360px", _theme: theme, _fallback_token: fallback_token,
          _panel_states: panel_state_overrides, _url: undefined,
        },
      });
      if (ctl instanceof Error) throw ctl;
      this.#ctl = ctl;
      rt.views.add(host);
      life.signal.addEventListener("abort", () => rt.views.delete(host), { once: true });
    } catch (e) {
      if (this.#state === "starting") {
        this.#state = "failed";
        this.#failure = e && e.message ? e.message : String(e);
        showError(host, "The Rerun Viewer could not start: " + this.#failure);
      }
      throw e;
    }
    // A stop while starting resolves quietly, as upstream's does.
    const stopped = new Promise((resolve) => life.signal.addEventListener("abort", resolve, { once: true }));
    await Promise.race([started, stopped]);
    if (rrd && this.#state === "ready") this.open(rrd, open_options ?? undefined);
  }

  /** Stop the Viewer and free everything it holds; it can start again. */
  stop() {
    if (this.#state === "stopped") return;
    if (this.#isFullscreen()) document.exitFullscreen?.().catch(() => {});
    this.#state = "stopped";
    this.#life.abort();
    this.#life = this.#ctl = this.#host = null;
  }

  /** destroy is mount()'s name for stop. */
  destroy() {
    this.stop();
  }

  /** Whether the Viewer runs and takes data. */
  get ready() {
    return this.#state === "ready";
  }

  /** The Viewer's canvas, or null when it is stopped. */
  get canvas() {
    return this.#host?.querySelector("canvas") ?? null;
  }

  on(event, callback) {
    const callbacks = this.#events.get(event) ?? new Map();
    callbacks.set(callback, { once: false });
    this.#events.set(event, callbacks);
    return () => callbacks.delete(callback);
  }

  once(event, callback) {
    const callbacks = this.#events.get(event) ?? new Map();
    callbacks.set(callback, { once: true });
    this.#events.set(event, callbacks);
    return () => callbacks.delete(callback);
  }

  off(event, callback) {
    this.#events.get(event)?.delete(callback);
  }

  // Events are dispatched on the next tick, as upstream does: the Viewer
  // may be deep in its own call stack when it reports them.
  #dispatch(event, ...args) {
    setTimeout(() => {
      const callbacks = this.#events.get(event);
      if (!callbacks) return;
      for (const [callback, { once }] of [...callbacks]) {
        if (once) callbacks.delete(callback);
        try {
          callback(...args);
        } catch (e) {
          console.error(`rerun viewer: a ${event} listener threw`, e);
        }
      }
    }, 0);
  }

  // #controller returns the Go controller, or throws saying why there is
  // none.
  #controller(what) {
    if (this.#state === "ready") return this.#ctl;
    if (this.#state === "failed") throw new Error(`cannot ${what}: the Rerun Viewer failed (${this.#failure})`);
    throw new Error(`cannot ${what}: the Rerun Viewer is ${this.#state === "starting" ? "still starting (await start())" : "stopped"}`);
  }

  #call(what, method, ...args) {
    const result = this.#controller(what).call(method, ...args);
    if (result instanceof Error) throw result;
    return result;
  }

  #post(what, content, bytes) {
    const failed = this.#controller(what).post(content, bytes);
    if (failed instanceof Error) throw failed;
  }

  // #set changes a setting; unlike the Viewer's methods it works in a
  // failed Viewer too, whose Retry then starts with it.
  #set(what, trait, value) {
    if (!this.#ctl) throw new Error(`cannot ${what}: the Rerun Viewer is ${this.#state === "starting" ? "still starting (await start())" : "stopped"}`);
    const failed = this.#ctl.set(trait, value);
    if (failed instanceof Error) throw failed;
  }

  /** Open one recording or server URL, or an array of them. */
  open(rrd, options = {}) {
    for (const url of Array.isArray(rrd) ? rrd : [rrd]) {
      this.#post(`open ${url}`, { type: "open_url", url: absoluteURL(url), follow_if_http: !!options?.follow_if_http });
    }
  }

  /** Close what open opened. */
  close(rrd) {
    for (const url of Array.isArray(rrd) ? rrd : [rrd]) {
      this.#post(`close ${url}`, { type: "close_url", url: absoluteURL(url) });
    }
  }

  /** Send an .rrd (a Uint8Array or ArrayBuffer) to the Viewer; it is replayed if the Viewer restarts. */
  send(bytes) {
    this.#post("send a recording", { type: "rrd" }, bytes);
  }

  /** Send a table (Arrow IPC bytes) to the Viewer. */
  sendTable(bytes) {
    this.#post("send a table", { type: "table" }, bytes);
  }

  /** Apply a theme ("dark", "light" or "system"); the Viewer restarts with its data. */
  setTheme(theme) {
    this.#set("set the theme", "_theme", theme);
  }

  /** Resize: px numbers, CSS lengths or "auto". */
  setSize(width, height) {
    this.#set("resize", "_width", width);
    this.#set("resize", "_height", height);
  }

  /** Apply panel states: {top, blueprint, selection, time: "hidden" | "collapsed" | "expanded" | null}. */
  setPanelStates(states) {
    this.#set("set the panel states", "_panel_states", states);
  }

  /** Open a channel to push .rrd bytes and tables through, as upstream's open_channel. */
  open_channel(channel_name = "rerun-io/web-viewer") {
    const id = crypto.randomUUID();
    this.#call(`open channel ${channel_name}`, "open_channel", id, channel_name);
    let closed = false;
    const viewer = this;
    return {
      get ready() {
        return !closed && viewer.ready;
      },
      send_rrd(bytes) {
        if (this.ready) viewer.#call("send data", "send_rrd_to_channel", id, bytes);
      },
      send_table(bytes) {
        if (this.ready) viewer.#call("send a table", "send_table_to_channel", id, bytes);
      },
      close() {
        if (!this.ready) return;
        viewer.#call(`close channel ${channel_name}`, "close_channel", id);
        closed = true;
      },
    };
  }

  override_panel_state(panel, state) {
    this.#call(`set the ${panel} panel`, "override_panel_state", panel, state);
  }

  toggle_panel_overrides(value) {
    this.#call("toggle panel overrides", "toggle_panel_overrides", value);
  }

  get_active_recording_id() {
    return this.#call("get the active recording", "get_active_recording_id") ?? null;
  }

  set_active_recording_id(value) {
    this.#call("set the active recording", "set_active_recording_id", value);
  }

  get_playing(recording_id) {
    return this.#call("get the play state", "get_playing", recording_id) || false;
  }

  set_playing(recording_id, value) {
    this.#call("set the play state", "set_playing", recording_id, value);
  }

  get_current_time(recording_id, timeline) {
    return this.#call("get the current time", "get_time_for_timeline", recording_id, timeline) || 0;
  }

  set_current_time(recording_id, timeline, time) {
    this.#call("set the current time", "set_time_for_timeline", recording_id, timeline, time);
  }

  get_active_timeline(recording_id) {
    return this.#call("get the active timeline", "get_active_timeline", recording_id) ?? null;
  }

  set_active_timeline(recording_id, timeline) {
    this.#call("set the active timeline", "set_active_timeline", recording_id, timeline);
  }

  get_time_range(recording_id, timeline) {
    return this.#call("get the time range", "get_timeline_time_range", recording_id, timeline);
  }

  set_credentials(access_token, email) {
    this.#call("set credentials", "set_credentials", access_token, email);
  }

  /**
   * Toggle fullscreen (when started with allow_fullscreen), with the
   * browser's Fullscreen API: no styles to inject, so strict
   * Content-Security-Policies allow it.
   */
  toggle_fullscreen() {
    if (!this.#allowFullscreen) return;
    const box = this.#host?.firstElementChild;
    if (!box) throw new Error("cannot toggle fullscreen: the Rerun Viewer is stopped");
    if (this.#isFullscreen()) {
      document.exitFullscreen().catch(() => {});
      return;
    }
    box.addEventListener("fullscreenchange", () => {
      const on = this.#isFullscreen();
      this.#dispatch("fullscreen", on);
      if (on) box.addEventListener("fullscreenchange", () => this.#dispatch("fullscreen", false), { once: true });
    }, { once: true });
    box.requestFullscreen().catch((e) => console.error("rerun viewer: fullscreen refused", e));
  }

  #isFullscreen() {
    const box = this.#host?.firstElementChild;
    return !!box && document.fullscreenElement === box;
  }
}

// absoluteURL resolves a relative recording URL against the page, as a
// link would; URLs with a scheme (rerun+http:, https:, …) pass unchanged.
function absoluteURL(url) {
  url = String(url);
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : new URL(url, document.baseURI).href;
}

/**
 * mount starts a Viewer in element and resolves to its WebViewer once it
 * runs. options: recording (a URL or an array of URLs), width and height
 * (px numbers, CSS lengths or "auto"; default "auto": the element's width
 * at 16:9), theme, panelStates, fallbackToken, viewer (the URL of
 * re_viewer_bg.wasm), signal (an AbortSignal that destroys it), and any
 * WebViewer.start option. Rejects with an Error that says what failed and
 * what to do; the element shows it too.
 */
export async function mount(element, options = {}) {
  if (!(element instanceof Element)) throw new TypeError("mount: the first argument must be an element");
  const { recording, width = "auto", height = "auto", theme, panelStates, fallbackToken, signal, ...rest } = options;
  signal?.throwIfAborted();
  const viewer = new WebViewer();
  const destroy = () => viewer.destroy();
  signal?.addEventListener("abort", destroy, { once: true });
  try {
    await viewer.start(recording ?? null, element, {
      hide_welcome_screen: true, ...rest, width, height, theme, fallback_token: fallbackToken,
      panel_state_overrides: panelStates,
    });
  } catch (e) {
    // The element shows the failure, with a Retry button when another try
    // may cure it: error.viewer is the WebViewer, for its ready event.
    if (e instanceof Error) e.viewer = viewer;
    throw e;
  }
  signal?.throwIfAborted();
  return viewer;
}

export default { initialize, render };
