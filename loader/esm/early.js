// The early download of the Viewer, started while the Go loader boots, and
// inline mode's Viewer kept in Cache Storage across pages.

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
  const headers = { "Content-Type": "application/wasm", "__FINAL_LENGTH_HEADER__": String(bytes.byteLength), "__LINK_HEADER__": "local" };
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

