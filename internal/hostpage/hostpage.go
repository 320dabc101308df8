// Package hostpage holds a minimal anywidget host (host.js) and the pages
// that use it: the browser tests' host page and the demo page of
// `loader serve`. It is plain files, so serving it pulls in no browser
// tooling.
package hostpage

import _ "embed"

// HostJS is the anywidget host module.
//
//go:embed host.js
var HostJS []byte

// TestPage is an empty page that imports host.js as window.host.
//
//go:embed test.html
var TestPage []byte

// DemoPage shows the Viewer from ./widget.js with ./recording.rrd loaded.
//
//go:embed demo.html
var DemoPage []byte
