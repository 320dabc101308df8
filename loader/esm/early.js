// The early download of the Viewer, started while the Go loader boots, and
// inline mode's Viewer kept in Cache Storage across pages.
import { BUILD_ID, VIEWER_VERSION, VIEWER_SHA256, VIEWER_CACHE, VIEWER_CACHE_KEY, VIEWER_URL, GLUE_INIT_TAKES_OBJECT, createGlue, runtimes, loaderLocated, runtime } from "./runtime.js";

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

// viewerURL is where a Viewer of this module comes from, decided here
// only (the Go side fetches what it is given): the page's viewer option,
// else the URL baked in by --viewer-url, else next to this module. "" when
// the module has no http(s) directory (a blob: or data: URL, as in inline
// mode): the marker function may inline the Viewer.
export function viewerURL(option) {
  if (option) return option;
  if (VIEWER_URL) return VIEWER_URL;
  return nextToModule(adjacentViewerURL());
}

// nextToModule returns url, a file resolved next to this module, with the
// module's query (access tokens and signed URLs live there) unless a
// bundler gave the file one of its own; "" unless it is http(s).
export function nextToModule(url) {
  if (!/^https?:/i.test(url)) return "";
  return withQueryOf(url, import.meta.url);
}

// beside returns the file named name in the folder of url, with url's
// query, or "" unless url is http(s).
export function beside(url, name) {
  if (!/^https?:/i.test(url)) return "";
  return withQueryOf(new URL("./" + name, url).href, url);
}

// withQueryOf returns url with the query of from, unless it has its own.
function withQueryOf(url, from) {
  const href = String(from).split("#")[0];
  const query = href.indexOf("?");
  return query >= 0 && !url.includes("?") ? url + href.slice(query) : url;
}

// simdSupported asks WebAssembly.validate about the smallest module that
// uses SIMD, as the Go side does before it starts a widget.
function simdSupported() {
  try {
    return WebAssembly.validate(new Uint8Array(__SIMD_PROBE__));
  } catch {
    return false;
  }
}

// startEarlyFetch starts loading the Viewer from url ("": the one the
// marker function inlines) while the Go loader boots, so the boot costs
// the first widget no time. The widget it is for hands it to the Go side
// with the same url, which adopts it.
function startEarlyFetch(url) {
  const controller = new AbortController();
  const load = loadViewer(url, controller.signal);
  load.catch(() => {}); // the Go side reports failures
  return { __EARLY_RESPONSE__: load, __EARLY_ABORT__: () => controller.abort() };
}

// loadViewer fetches the Viewer from url ("": inlined) and starts
// compiling it as its bytes arrive, for the Go side to adopt: the only
// place the Viewer is fetched and compiled, so the first one on a page
// compiles while the Go loader is still booting. It resolves to
// {response, counter, module}: module is the compile (null when the
// response is no successful Response, which the Go side reports); counter
// is countBody's count of the download, which the Go side polls for its
// progress bar, or null where no download is to be watched: bytes the
// marker function already holds (no URL) or a server on the same machine
// (its link header says "local"), which arrive in less time than counting
// takes. The count reads a clone of the body, which is not free (a teed
// body reaches the compiler through JavaScript streams), and the compile
// gets the fetch's own Response: only that one lets V8 cache the compiled
// code with the HTTP cache entry. When the browser refuses to
// stream-compile the Response (its Content-Type is not application/wasm),
// module rejects with its body unread and the Go side compiles the bytes
// itself.
async function loadViewer(url, signal) {
  const response = await (url ? fetchViewer(url, { signal }) : inlinedViewer(signal));
  if (!(response instanceof Response) || !response.ok) return { __LOAD_RESPONSE__: response, __LOAD_COUNTER__: null, __LOAD_MODULE__: null };
  const counter = response.url && response.headers.get("__LINK_HEADER__") !== "local" ? countBody(response.clone()) : null;
  const module = inlineCompiles.get(response) ?? WebAssembly.compileStreaming(response);
  module.catch(() => {});
  return { __LOAD_RESPONSE__: response, __LOAD_COUNTER__: counter, __LOAD_MODULE__: module };
}

// countBody reads response's body to its end and counts its bytes in the
// object it returns, {received, done}, here in JavaScript: the Go side
// reads the count on its own ticker, not a crossing a chunk.
function countBody(response) {
  const count = { __COUNT_RECEIVED__: 0, __COUNT_DONE__: false };
  (async () => {
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        count.__COUNT_RECEIVED__ += value.byteLength;
      }
    } catch {
      // The compile reads the same bytes and reports the failure.
    } finally {
      count.__COUNT_DONE__ = true;
    }
  })();
  return count;
}

// inlineCompiles maps what the marker function's body made (a Response,
// the ArrayBuffer read from one) to the compile streamingResponse started
// on the same bytes.
const inlineCompiles = new WeakMap();

// streamingResponse returns a stand-in for the Response constructor for
// the marker function's body. rerun-notebook's body decodes the inlined
// Viewer into `new Response(stream)`, reads it whole with arrayBuffer()
// and returns `new Response(buffer, …)`: the compile would wait for the
// last byte of a 47 MB decode on the main thread. The stand-in tees such
// a stream into a streaming compile, which then runs beside the decode,
// and follows the bytes to the Response the body returns, for loadViewer
// to adopt that compile. Everything it makes is a real Response, so a body
// that does anything else still works: its Response is compiled as before.
function streamingResponse() {
  const Native = globalThis.Response;
  function Response(body, init) {
    if (!(body instanceof ReadableStream)) return follow(inlineCompiles.get(body), new Native(body, init));
    const [toCompile, toBody] = body.tee();
    const compile = WebAssembly.compileStreaming(new Native(toCompile, { headers: { "Content-Type": "application/wasm" } }));
    compile.catch(() => {}); // a stream that is no Wasm: the Response made of it is compiled instead
    return follow(compile, new Native(toBody, init));
  }
  Object.setPrototypeOf(Response, Native); // Response.json, Response.error…
  Response.prototype = Native.prototype; // instanceof Response
  return Response;
}

// follow records that compile is the compile of response's bytes, and of
// the ArrayBuffer its arrayBuffer() reads.
function follow(compile, response) {
  if (!compile) return response;
  inlineCompiles.set(response, compile);
  const read = response.arrayBuffer.bind(response);
  response.arrayBuffer = async () => {
    const buffer = await read();
    inlineCompiles.set(buffer, compile);
    return buffer;
  };
  return response;
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
  const fresh = await fetchViewer(null, { signal }, streamingResponse());
  if (!cache || !(fresh instanceof Response) || !fresh.ok || !globalThis.crypto?.subtle) return fresh;
  const bytes = await fresh.arrayBuffer();
  const headers = { "Content-Type": "application/wasm", "__FINAL_LENGTH_HEADER__": String(bytes.byteLength), "__LINK_HEADER__": "local" };
  const idle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 1000));
  idle(() => keepViewer(cache, bytes, headers).catch(() => {}), { timeout: 10000 });
  return follow(inlineCompiles.get(fresh), new Response(bytes, { headers }));
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

// prepare returns this build's runtime on the page, starting it on first
// use: the Viewer's early load of url first, then the loader's boot, which
// takes the main thread for a while before it first waits (the loader
// Wasm is decoded and handed to the compiler), so the download is under
// way meanwhile. loader is the page's URL of the Go loader, or "".
export function prepare(url, loader = "") {
  let rt = runtimes.get(BUILD_ID);
  if (rt && (rt.ready || rt.early !== undefined)) return rt;
  // A browser without Wasm SIMD cannot run the Viewer, nor can a module
  // whose Go loader cannot be found: the boot says so instead of
  // downloading it.
  const place = { viewer: url, loader };
  const early = simdSupported() && loaderLocated(place) ? startEarlyFetch(url) : null;
  rt ??= runtime(place);
  rt.early = early;
  return rt;
}

// loaderAPI returns the page's Go loader API and, to the first Viewer on
// the page only, the early load: only that Viewer waits for the boot, and
// the load started for it is its own.
export async function loaderAPI(url, loader = "") {
  const rt = prepare(url, loader);
  const early = rt.earlyClaimed ? null : rt.early;
  rt.earlyClaimed = true;
  const api = await rt.api;
  if (early) rt.early = null;
  return { rt, api, early };
}

// moduleProps are the props of every render and embed: what only this
// module instance knows, and the Viewer's URL with its early download.
export function moduleProps(url, early) {
  return {
    __PROP_VIEWER_URL__: url, __PROP_LOAD_VIEWER__: loadViewer, __PROP_CREATE_GLUE__: createGlue,
    __PROP_VIEWER_VERSION__: VIEWER_VERSION, __PROP_GLUE_INIT_TAKES_OBJECT__: GLUE_INIT_TAKES_OBJECT, __PROP_EARLY__: early,
  };
}

