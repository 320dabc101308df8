// A minimal anywidget host: enough of the anywidget front-end module (AFM)
// contract to mount a widget module in a plain page the way Jupyter's
// anywidget does, with no Jupyter at all. The browser tests drive it, and
// `loader serve` uses it for its demo page.

// Model is a widget model: synced traits, events and custom messages.
export class Model {
  #state;
  #listeners = new Map(); // event name -> [{ callback, context }]
  #waiters = [];
  // Every message the widget sent to the "kernel", in order.
  sent = [];

  constructor(traits = {}, { marimo = false } = {}) {
    this.#state = { ...traits };
    this.marimo = marimo;
  }

  get(name) {
    return this.#state[name];
  }

  // set changes a trait as the kernel would and fires change:<name>.
  // Jupyter passes (model, value) to the callbacks, marimo only (value).
  set(name, value) {
    this.#state[name] = value;
    const args = this.marimo ? [value] : [this, value];
    this.#emit("change:" + name, ...args);
  }

  save_changes() {}

  on(name, callback, context) {
    for (const n of String(name).split(" ")) {
      if (!this.#listeners.has(n)) this.#listeners.set(n, []);
      this.#listeners.get(n).push({ callback, context });
    }
  }

  // off(name?, callback?, context?) removes the matching listeners; a null
  // argument matches anything, as in Backbone.
  off(name, callback, context) {
    for (const [n, list] of this.#listeners) {
      if (name != null && n !== name) continue;
      this.#listeners.set(n, list.filter((l) =>
        !((callback == null || l.callback === callback) && (context == null || l.context === context))));
    }
  }

  listenerCount(name) {
    return (this.#listeners.get(name) ?? []).length;
  }

  send(content, callbacks, buffers) {
    this.sent.push(content);
    this.#waiters = this.#waiters.filter((w) => !w(content));
  }

  // deliver is a custom message from the kernel: content plus DataViews.
  deliver(content, buffers = []) {
    this.#emit("msg:custom", content, buffers);
  }

  // waitFor resolves with the first message the widget sent (already, from
  // index from on, or later) for which match returns true, or rejects after
  // timeoutMs.
  waitFor(match, timeoutMs = 60000, from = 0) {
    const found = this.sent.slice(from).find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error("timed out waiting for a message from the widget"));
      }, timeoutMs);
      const waiter = (content) => {
        if (!match(content)) return false;
        clearTimeout(timer);
        resolve(content);
        return true;
      };
      this.#waiters.push(waiter);
    });
  }

  // events returns the parsed viewer events the widget forwarded.
  events(type) {
    return this.sent
      .filter((m) => typeof m === "string" && m !== "ready")
      .map((m) => JSON.parse(m))
      .filter((e) => type === undefined || e.type === type);
  }

  #emit(name, ...args) {
    for (const { callback, context } of [...(this.#listeners.get(name) ?? [])]) {
      callback.apply(context, args);
    }
  }
}

// load imports a widget module from a URL, or from source text through a
// blob: URL revoked right after the import, as anywidget does for a string
// _esm (rerun-notebook's inline mode).
export async function load({ url, source }) {
  let mod;
  if (source !== undefined) {
    const blobURL = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    try {
      mod = await import(blobURL);
    } finally {
      URL.revokeObjectURL(blobURL);
    }
  } else {
    mod = await import(url);
  }
  let widget = mod.default;
  if (typeof widget === "function") widget = await widget();
  return widget;
}

const initialized = new WeakSet();

// initializeWithin loads a widget module and runs its initialize for
// model as anywidget 0.11's Runtime does: the import and initialize must
// be done within limitMs (anywidget allows 2000) of the model's creation,
// timed by AbortSignal.timeout as there, or the model fails with
// anywidget's own message. It resolves to the widget and how long the
// import and initialize took, in ms.
export async function initializeWithin(limitMs, spec, model) {
  const t0 = performance.now();
  let late;
  const expired = new Promise((_, reject) => {
    late = () => reject(new Error("[anywidget] Failed to initialize model."));
    AbortSignal.timeout(limitMs).addEventListener("abort", late);
  });
  const work = (async () => {
    const widget = await load(spec);
    const t1 = performance.now();
    await widget.initialize?.({ model, signal: new AbortController().signal, experimental: {} });
    initialized.add(model);
    return { widget, importMs: t1 - t0, initializeMs: performance.now() - t1 };
  })();
  return Promise.race([work, expired]);
}

// mount renders widget into el for model, calling initialize first when
// this model has not been initialized. It returns the view.
export async function mount(widget, model, el) {
  if (!initialized.has(model)) {
    initialized.add(model);
    await widget.initialize?.({ model, signal: new AbortController().signal, experimental: {} });
  }
  const view = new View(widget, model, el);
  await view.render();
  return view;
}

// addView mounts widget for model (a new one with traits unless given) in a new element at
// the end of #widgets, keeps the view in window.views, and returns it with
// its index there. The browser tests use it.
export async function addView(widget, traits, model = new Model(traits)) {
  const el = document.createElement("div");
  el.className = "widget";
  document.getElementById("widgets").append(el);
  const view = await mount(widget, model, el);
  (window.views ??= []).push(view);
  return { view, index: window.views.length - 1 };
}

// View is one rendering of a model. The widget sees the model through a
// view-bound proxy so the host can drop the view's listeners at cleanup.
export class View {
  #widget;
  #cleanup;
  #abort = new AbortController();

  constructor(widget, model, el) {
    this.#widget = widget;
    this.model = model;
    this.el = el;
  }

  async render() {
    const model = this.model;
    const view = this;
    const bound = {
      get: (n) => model.get(n),
      set: (n, v) => model.set(n, v),
      save_changes: () => model.save_changes(),
      send: (c, cb, b) => model.send(c, cb, b),
      on: (n, cb) => model.on(n, cb, view),
      off: (n, cb) => model.off(n ?? null, cb ?? null, view),
    };
    model.off(null, null, view);
    this.el.replaceChildren();
    this.#cleanup = await this.#widget.render({ model: bound, el: this.el, signal: this.#abort.signal, experimental: {} });
  }

  // remove runs the widget's cleanup as anywidget does when the output is
  // cleared or the cell re-runs.
  async remove() {
    this.#abort.abort();
    try {
      await this.#cleanup?.();
    } finally {
      this.model.off(null, null, this);
      this.el.replaceChildren();
    }
  }
}

// bytesView returns a DataView over bytes that sits at an offset inside a
// larger buffer, like the views Jupyter hands to msg:custom callbacks.
export function bytesView(bytes, offset = 0) {
  const buf = new ArrayBuffer(bytes.byteLength + offset * 2);
  new Uint8Array(buf).fill(0xff);
  new Uint8Array(buf, offset, bytes.byteLength).set(bytes);
  return new DataView(buf, offset, bytes.byteLength);
}
