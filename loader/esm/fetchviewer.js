// Returns the Viewer Wasm Response; rerun-notebook's inline mode replaces the text between the markers.
async function fetchViewer(url, init) {
__MARKER_OPEN__
return url ? await fetch(url, init) : null;
__MARKER_CLOSE__
}
