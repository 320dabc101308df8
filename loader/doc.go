// Package loader is the browser-side runtime of the Rerun notebook widget:
// it fetches the Viewer Wasm from where widget.js says it is (viewerURL in
// esm/early.js, the one place that decides), compiles it once per page,
// starts the Viewer (WebHandle) inside an anywidget view, speaks the widget
// protocol with the kernel and releases everything when the view goes away.
//
// Its core builds and runs on every target: page.go (the page's one Viewer
// load, shared by the widgets that wait for it), widget.go (a widget's life
// from render to cleanup) and the rules (URLs, MIME types, sizes, messages).
// It reaches the browser only through the interfaces of host.go, which the
// *_js.go files implement over wasmjs, so the race detector and fakes see
// the whole state machine natively.
package loader
