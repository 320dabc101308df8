// Returns the Viewer Wasm Response; rerun-notebook's inline mode replaces the text between the markers.
async function fetchViewer(url, init) {
//!<INLINE-MARKER-OPEN>
return url ? await fetch(url, init) : null;
//!<INLINE-MARKER-CLOSE>
}
