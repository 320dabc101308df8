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

// loaderWasm returns the Go loader Wasm, which loaderWasmHex carries as
// hex in its only comment.
function loaderWasm() {
  const source = loaderWasmHex.toString();
  const hex = source.slice(source.indexOf("/*") + 2, source.lastIndexOf("*/"));
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

// startEarlyFetch starts downloading the Viewer (from the baked-in URL, or
// next to this module) while the Go loader boots, so the boot costs the
// first widget no time. The Go side is the authority on the Viewer's URL:
// it adopts this download when it resolves the same URL and aborts it
// otherwise. Modules from blob: or data: URLs (inline mode) have nothing
// next to them.
function startEarlyFetch() {
  let url = VIEWER_URL;
  if (!url) {
    const href = import.meta.url.split("#")[0];
    if (!/^https?:/i.test(href)) return undefined;
    const query = href.indexOf("?");
    const path = query < 0 ? href : href.slice(0, query);
    url = path.slice(0, path.lastIndexOf("/") + 1) + VIEWER_FILE + (query < 0 ? "" : href.slice(query));
  }
  const controller = new AbortController();
  const response = fetchViewer(url, { signal: controller.signal });
  response.catch(() => {}); // the Go side reports failures
  return { url, response, abort: () => controller.abort() };
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
    rt = runtime();
    // Only the first render on the page waits for the boot; the Go side
    // has not asked for the Viewer yet.
    if (!rt.ready && rt.early === undefined) rt.early = startEarlyFetch() ?? null;
    const api = await rt.api;
    const early = rt.early ?? undefined;
    rt.early = null;
    const failed = api.render({
      model, el, signal: lifetime.signal, moduleURL: import.meta.url, viewerURL: VIEWER_URL, fetchViewer, createGlue,
      viewerVersion: VIEWER_VERSION, glueInitTakesObject: GLUE_INIT_TAKES_OBJECT, early,
    });
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

export default { initialize, render };
