// Package loader is the browser-side runtime of the Rerun notebook widget:
// it resolves the Viewer Wasm next to widget.js, compiles it once per page,
// starts the Viewer (WebHandle) inside an anywidget view, speaks the widget
// protocol with the kernel and releases everything when the view goes away.
//
// The rules that need no browser (URL resolution, MIME checks, sizing) live
// in files that build on every target, so they are unit-tested and fuzzed
// natively; the rest builds only with GOOS=js.
package loader
