// widget.js: the Rerun Viewer as an anywidget module, driven by a Go
// program compiled with GOOS=js GOARCH=wasm (the loader). Importing this
// module compiles and fetches nothing: the loader boots at the first
// initialize or render on the page, once per build, and is shared by every
// widget and every module instance of the same build.
// fetchViewer and loaderSource are defined ahead of the joined modules,
// outside the minified part (globals.d.ts declares them).
import { beside, nextToModule } from "./early.js";
export const BUILD_ID = "__BUILD_ID__";
export const VIEWER_VERSION = "__VIEWER_VERSION__";
const VIEWER_FILE = "__VIEWER_FILE__";
// The Viewer Wasm's SHA-256. A Viewer inlined in this module (rerun-
// notebook's inline mode) is kept in Cache Storage under it, so that the
// next page skips decoding it and V8 can cache its compiled code there.
export const VIEWER_SHA256 = "__VIEWER_SHA256__";
export const VIEWER_CACHE = "rerun-viewer";
// Only a key: nothing is ever fetched from it.
export const VIEWER_CACHE_KEY = "https://rerun-viewer.invalid/sha256/" + VIEWER_SHA256 + "/" + VIEWER_FILE;
// The Viewer's URL baked in by `loader build --viewer-url`, or "": next to
// this module.
export const VIEWER_URL = __VIEWER_URL__;
// Whether the glue's init takes {module_or_path} (detected at build time).
export const GLUE_INIT_TAKES_OBJECT = __GLUE_INIT_OBJECT__;

// The Viewer's wasm-bindgen glue as a factory: each call returns a fresh
// glue instance with its own Wasm memory.
export const createGlue = __GLUE__;

// Go's wasm_exec.js, run only when the first loader boots.
function installGo() {
  __WASM_EXEC__
  return globalThis.Go;
}

export const runtimes = (globalThis[Symbol.for("__RUNTIME_REGISTRY__")] ??= new Map());

// instantiateLoader compiles and instantiates the Go loader Wasm. Where
// it comes from is all that the two builds of this module differ in:
// loaderSource, defined ahead of this code outside the minified part,
// returns {url} in widget.js (the loader next to the module, fetched in
// parallel with the Viewer and compiled as it arrives, so V8 caches its
// code for the next page) and {gzip} in widget.standalone.js (the loader
// inside, gzipped, in base64, for where nothing travels next to the
// module), decompressed into a streaming compile. place is what the page
// said of where things are: {viewer, loader} URLs, either "".
async function instantiateLoader(go, place) {
  const source = loaderSource();
  if (source.gzip !== undefined) {
    const wasm = new Blob([base64Bytes(source.gzip)]).stream().pipeThrough(new DecompressionStream("gzip"));
    const response = new Response(wasm, { headers: { "Content-Type": "application/wasm" } });
    return (await WebAssembly.instantiateStreaming(response, go.importObject)).instance;
  }
  const response = await fetchLoader(loaderURLs(place));
  // instantiateStreaming refuses any other Content-Type.
  if (/^application\/wasm\b/i.test(response.headers.get("Content-Type") ?? "")) {
    return (await WebAssembly.instantiateStreaming(response, go.importObject)).instance;
  }
  return (await WebAssembly.instantiate(await response.arrayBuffer(), go.importObject)).instance;
}

// loaderURLs returns where the Go loader may be, in the order they are
// tried: the page's loader option alone when it gave one; else next to
// this module, then next to the Viewer the page or the build named (a
// module imported from a blob: URL has no folder, but its Viewer has).
function loaderURLs(place) {
  if (place?.loader) return [place.loader];
  const urls = [nextToModule(loaderSource().url)];
  if (place?.viewer) urls.push(beside(place.viewer, "__LOADER_FILE__"));
  return [...new Set(urls.filter(Boolean))];
}

// fetchLoader returns the first of urls that answers, or fails naming
// every URL it tried and what each answered.
async function fetchLoader(urls) {
  const tried = [];
  for (const url of urls) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
      tried.push(url + " answered HTTP " + response.status);
    } catch (e) {
      tried.push(url + " could not be fetched (" + (e && e.message ? e.message : e) + ")");
    }
  }
  const here = nextToModule(loaderSource().url) ? "" :
    "this module was imported from a " + String(import.meta.url).split(":")[0] + ": URL, with nothing next to it, ";
  if (!tried.length) {
    throw new Error(here + "so its Go loader, __LOADER_FILE__, cannot be found: import __WIDGET_FILE__ by its http(s) URL, " +
      "give the viewer option (the Go loader is looked for next to the Viewer) or the loader option, " +
      "or use __STANDALONE_WIDGET_FILE__ (loader build writes it next to __WIDGET_FILE__), which carries the Go loader inside");
  }
  throw new Error((here ? here + "and its" : "the") + " Go loader, __LOADER_FILE__, was not found: " + tried.join("; ") +
    ": serve __LOADER_FILE__ next to __WIDGET_FILE__ or next to the Viewer (copy the whole build folder), " +
    "or name it with the loader option");
}

// loaderLocated reports whether this module knows where its Go loader may
// be.
export function loaderLocated(place) {
  return loaderSource().gzip !== undefined || loaderURLs(place).length > 0;
}

// binaryOf returns {bytes}, a Uint8Array over exactly the bytes of data
// (a typed array or DataView keeps its window; an ArrayBuffer is whole),
// or {problem}, what is wrong with it, naming it what.
export function binaryOf(data, what) {
  try {
    if (ArrayBuffer.isView(data)) {
      if (!data.buffer.detached) return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    } else if (Object.prototype.toString.call(data).match(/^\[object (Shared)?ArrayBuffer\]$/)) {
      if (!data.detached) return { bytes: new Uint8Array(data) };
    } else {
      return { problem: what + " is not binary data (a Uint8Array, an ArrayBuffer or a DataView)" };
    }
  } catch (e) {
    return { problem: what + " cannot be read (was it transferred to a worker?): " + (e?.message ?? e) };
  }
  return { problem: what + " cannot be read (was it transferred to a worker?): its ArrayBuffer was transferred away" };
}

// base64Bytes decodes base64, natively where the browser can.
function base64Bytes(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function boot(rt, place) {
  const start = performance.now();
  const Go = installGo();
  const go = new Go();
  const instance = await instantiateLoader(go, place);
  rt.go = go;
  return new Promise((resolve, reject) => {
    // The Go program takes this hook before go.run returns.
    globalThis.__BOOT_HOOK__ = {
      resolve(api) {
        performance.measure("rerun-loader:boot", { start });
        resolve(api);
      },
    };
    let exited;
    try {
      exited = go.run(instance);
    } finally {
      delete globalThis.__BOOT_HOOK__;
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
  rt.early?.__EARLY_ABORT__();
  quiet(rt.go);
  console.error("rerun loader: the Go runtime stopped", reason ?? "");
  for (const el of rt.views) {
    showError(el, "The Rerun loader stopped unexpectedly, so this Viewer no longer follows the notebook. " +
      "Run the cell again to start a new one (details in the browser console).");
  }
  rt.views.clear();
}

// quiet drops every later call into a stopped Go program: the page still
// holds its timers and callbacks (model listeners, observers), and
// wasm_exec.js throws "Go program has already exited" from each of them,
// into the notebook's event handlers. Its widgets already say it stopped.
function quiet(go) {
  if (!go) return;
  for (const timer of go._scheduledTimeouts?.values() ?? []) clearTimeout(timer);
  go._scheduledTimeouts?.clear();
  go._resume = () => {};
}

export function showError(el, text) {
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
// loader on first use, from where place says (see instantiateLoader): {api: Promise of the loader's API, ready, early:
// the Viewer's early load (undefined: not started, null: none),
// earlyClaimed: whether a Viewer took it, views:
// the elements of its live widgets, go: the Go instance}.
export function runtime(place) {
  let rt = runtimes.get(BUILD_ID);
  if (!rt) {
    rt = { ready: false, early: undefined, earlyClaimed: false, views: new Set() };
    rt.api = boot(rt, place);
    runtimes.set(BUILD_ID, rt);
    rt.api.then(() => { rt.ready = true; }, () => {
      if (runtimes.get(BUILD_ID) === rt) runtimes.delete(BUILD_ID);
      rt.early?.__EARLY_ABORT__();
    });
  }
  return rt;
}

