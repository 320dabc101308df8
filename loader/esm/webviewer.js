import { VIEWER_VERSION, binaryOf, showError } from "./runtime.js";
import { viewerURL, loaderAPI, moduleProps } from "./early.js";

const LIFECYCLE_EVENTS = __LIFECYCLE_EVENTS__;

// pagePlace returns where a page's start options say the Viewer and the
// Go loader are, as absolute URLs: viewer (the option, else beside
// base_url, else the build's own rule) and loader ("": found by the
// rules of loaderURLs).
/** @param {{viewer?: string, base_url?: string, loader?: string}} [options] */
export function pagePlace({ viewer, base_url, loader } = {}) {
  return {
    viewer: viewerURL(viewer ? String(new URL(viewer, document.baseURI)) :
      base_url ? String(new URL("./__VIEWER_FILE__", new URL(base_url, document.baseURI))) : ""),
    loader: loader ? String(new URL(loader, document.baseURI)) : "",
  };
}

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
  #handle = null; // the running Viewer's WebHandle, which the Go side hands over
  #life = null; // aborting it stops the Viewer
  #host = null; // the element the Viewer lives in, inside the parent
  #events = new Map();
  #allowFullscreen = false;
  #panels = undefined; // the panel states given so far, which a restart applies again
  #failure = "";

  /**
   * Start the Viewer in parent (default: document.body) and open rrd (a URL
   * or an array of URLs) once it runs. options are upstream's, plus viewer:
   * the URL of re_viewer_bg.wasm, and loader: the URL of the Go loader
   * (default: next to this module, else next to the Viewer). Rejects with an Error that says what
   * failed and what to do; the element shows it too.
   */
  async start(rrd, parent, options, open_options) {
    if (this.#state !== "stopped") return;
    this.#state = "starting";
    this.#failure = "";
    options = { ...(options ?? {}) };
    const { width, height, theme, fallback_token, panel_state_overrides, allow_fullscreen, login } = options;
    const place = pagePlace(options);
    for (const own of ["viewer", "loader", "base_url", "width", "height", "theme", "fallback_token", "panel_state_overrides", "allow_fullscreen", "login", "on_viewer_event", "fullscreen", "notebook"]) delete options[own];
    this.#allowFullscreen = !!allow_fullscreen;
    this.#panels = panel_state_overrides ?? undefined;
    if (this.#allowFullscreen) {
      options.fullscreen = { get_state: () => this.#isFullscreen(), on_toggle: () => this.toggle_fullscreen() };
    }
    if (login) {
      options.login = {
        signed_in_url: new URL(login.signed_in_url, location.href).href,
        signed_out_url: new URL(login.signed_out_url, location.href).href,
      };
    }
    const url = place.viewer;

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
      // A lifecycle event is its name; a Viewer event the Viewer's JSON.
      let event = { type: content };
      if (!LIFECYCLE_EVENTS.includes(content)) {
        try {
          event = JSON.parse(content);
        } catch {
          return;
        }
      }
      // Back from a lost context (which failed it): it runs again.
      if (event.type === "__EVENT_RESTORED__" || event.type === "__EVENT_RESUMED__") this.#state = "ready";
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
      const { rt, api, early } = await loaderAPI(url, place.loader);
      if (life.signal.aborted) {
        early?.__EARLY_ABORT__();
        return;
      }
      const ctl = api.__API_EMBED__({
        __PROP_EL__: host, __PROP_SIGNAL__: life.signal, ...moduleProps(url, early), __PROP_OPTIONS__: options,
        __PROP_ON_EVENT__: onEvent, __PROP_ON_FAILURE__: onFailure,
        __PROP_ON_HANDLE__: (handle) => { if (!life.signal.aborted) this.#handle = handle; },
        __PROP_TRAITS__: {
          __TRAIT_WIDTH__: width ?? "640px", __TRAIT_HEIGHT__: height ?? "360px", __TRAIT_THEME__: theme,
          __TRAIT_FALLBACK_TOKEN__: fallback_token, __TRAIT_PANEL_STATES__: panel_state_overrides, __TRAIT_URL__: undefined,
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
        showError(host, "__START_FAILED__: " + this.#failure);
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
    this.#life = this.#ctl = this.#host = this.#handle = null;
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

  // #call calls a method of the running Viewer's WebHandle directly.
  #call(what, method, ...args) {
    this.#controller(what);
    const handle = this.#handle;
    if (!handle) throw new Error(`cannot ${what}: the Rerun Viewer is not running (it is restarting or crashed)`);
    if (typeof handle[method] !== "function") throw new Error(`cannot ${what}: the Rerun Viewer ${VIEWER_VERSION} does not support ${method}`);
    return handle[method](...args);
  }

  #post(what, content, bytes) {
    const ctl = this.#controller(what);
    const data = bytes === undefined ? {} : binaryOf(bytes, "the data");
    const failed = ctl.__CONTROLLER_POST__(content, data.bytes ?? null, data.bytes?.byteLength ?? -1, data.problem ?? "");
    if (failed instanceof Error) throw failed;
  }

  // #set changes a setting; unlike the Viewer's methods it works in a
  // failed Viewer too, whose Retry then starts with it.
  #set(what, trait, value) {
    if (!this.#ctl) throw new Error(`cannot ${what}: the Rerun Viewer is ${this.#state === "starting" ? "still starting (await start())" : "stopped"}`);
    const failed = this.#ctl.__CONTROLLER_SET__(trait, value);
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
    this.#set("set the theme", "__TRAIT_THEME__", theme);
  }

  /** Resize: px numbers, CSS lengths or "auto". */
  setSize(width, height) {
    this.#set("resize", "__TRAIT_WIDTH__", width);
    this.#set("resize", "__TRAIT_HEIGHT__", height);
  }

  /** Apply panel states: {top, blueprint, selection, time: "hidden" | "collapsed" | "expanded" | null}. */
  setPanelStates(states) {
    this.#set("set the panel states", "__TRAIT_PANEL_STATES__", states);
    this.#panels = states ?? undefined;
  }

  /**
   * Open a channel to push .rrd bytes and tables through, as upstream's
   * open_channel: a stream of its own in the Viewer, which close() ends.
   * It goes through the loader like send(), so a restarted or resumed
   * Viewer gets the channel again, with what it sent (within the replay
   * budget), closed again if it was.
   */
  open_channel(channel_name = "rerun-io/web-viewer") {
    const channel = crypto.randomUUID();
    this.#post(`open channel ${channel_name}`, { type: "open_channel", channel, name: channel_name });
    let closed = false;
    const viewer = this;
    return {
      get ready() {
        return !closed && viewer.ready;
      },
      send_rrd(bytes) {
        if (this.ready) viewer.#post("send data", { type: "rrd", channel }, bytes);
      },
      send_table(bytes) {
        if (this.ready) viewer.#post("send a table", { type: "table", channel }, bytes);
      },
      close() {
        if (!this.ready) return;
        viewer.#post(`close channel ${channel_name}`, { type: "close_channel", channel });
        closed = true;
      },
    };
  }

  // A panel state is a setting, not a call on the Viewer, so that a
  // restarted or resumed Viewer has it too.
  override_panel_state(panel, state) {
    this.#controller(`set the ${panel} panel`);
    this.setPanelStates({ ...this.#panels, [panel]: state ?? null });
  }

  toggle_panel_overrides(value) {
    this.#call("toggle panel overrides", "toggle_panel_overrides", value);
  }

  get_active_recording_id() {
    return this.#call("get the active recording", "get_active_recording_id") ?? null;
  }

  // Through the loader, as the kernel's recording_id: a resumed Viewer
  // switches to it too.
  set_active_recording_id(value) {
    this.#post("set the active recording", { type: "recording_id", recording_id: value });
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
    this.#post("set credentials", { type: "set_credentials", access_token, email });
  }

  /**
   * The open recording as .rrd bytes, streamed, where the Viewer has
   * save_recording (newer than 0.33); otherwise it throws, naming the
   * method and the Viewer version.
   * @returns {ReadableStream<Uint8Array>}
   */
  save_recording() {
    return this.#call("save the recording", "save_recording");
  }

  /**
   * The blueprint as .rbl bytes, streamed, where the Viewer has
   * save_blueprint; otherwise it throws as save_recording does.
   * @returns {ReadableStream<Uint8Array>}
   */
  save_blueprint() {
    return this.#call("save the blueprint", "save_blueprint");
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

