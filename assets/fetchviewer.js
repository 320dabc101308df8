// Returns the Viewer Wasm Response; rerun-notebook's inline mode replaces the text between the markers.
async function fetchViewer(url) {
//!<INLINE-MARKER-OPEN>
return url ? await fetch(url) : null;
//!<INLINE-MARKER-CLOSE>
}
