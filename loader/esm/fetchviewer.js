// Returns the Viewer Wasm Response; rerun-notebook's inline mode replaces
// the text between the markers. Response is the global one, except for the
// Viewer inlined here: then it is streamingResponse's stand-in, so that the
// body's `new Response(…)` hands the decoded bytes to a compile as they
// arrive (the body is Python's text; the function around it is ours).
async function fetchViewer(url, init, Response = globalThis.Response) {
__MARKER_OPEN__
return url ? await fetch(url, init) : null;
__MARKER_CLOSE__
}
