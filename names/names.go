// Package names holds the names every side of the loader must agree on:
// the build that composes the bundle, the server that serves it, the Go
// loader in the browser, its JavaScript half (which gets them through the
// build's placeholders), loader check and the tests, and the one module
// both sides probe Wasm SIMD with. It imports nothing,
// so any package can use it.
package names

// The files of a bundle.
const (
	// WidgetFile is the anywidget ES module: the bootstrap, wasm_exec.js
	// and the Viewer's glue. It fetches the Go loader, LoaderFile, from
	// next to itself, in parallel with the Viewer.
	WidgetFile = "widget.js"
	// LoaderFile is the Go loader Wasm that WidgetFile fetches.
	LoaderFile = "rerun-loader.wasm"
	// StandaloneWidgetFile is WidgetFile with the Go loader inside: the one
	// file for where nothing travels next to it (what loader install puts
	// in rerun_notebook, whose inline and serve-local modes hand the
	// browser widget.js and the Viewer only; blob: imports).
	StandaloneWidgetFile = "widget.standalone.js"
	// ElementFile defines the <rerun-viewer> element; it imports WidgetFile.
	ElementFile = "rerun-viewer.js"
	// ViewerFile is the Viewer Wasm, found next to WidgetFile.
	ViewerFile = "re_viewer_bg.wasm"
)

// The inline markers rerun-notebook's inline mode looks for around the
// Viewer's fetch (docs/protocol.md, "Asset modes").
const (
	MarkerOpen  = "//!<INLINE-MARKER-OPEN>"
	MarkerClose = "//!<INLINE-MARKER-CLOSE>"
)

// Response headers of a Viewer download.
const (
	// FinalLengthHeader carries a file's uncompressed size, so progress
	// bars know the total of an encoded download.
	FinalLengthHeader = "rerun-final-length"
	// LinkHeader says whether loader serve takes the browser for one on
	// its own machine ("local") or not ("remote"); the loader counts no
	// bytes of a local download.
	LinkHeader = "rerun-link"
)

// BootHook is the page-global that widget.js sets, just before it runs the
// Go program, to an object whose resolve method takes the loader's API.
const BootHook = "__rerunGoLoaderBoot"

// RuntimeRegistry is the key of the page-global Symbol.for registry that
// maps a build id to its Go runtime record, shared by every module
// instance of a build on the page.
const RuntimeRegistry = "rerun.goLoader.runtimes"

// ViewerEvents are the Viewer's events as @rerun-io/web-viewer names them
// (its "ready" aside): what WebViewer and <rerun-viewer> dispatch.
var ViewerEvents = []string{"recording_open", "selection_change", "time_update", "timeline_change", "play", "pause", "fullscreen"}

// The events the loader adds for a Viewer of a web page (WebViewer,
// mount(), <rerun-viewer>; not a notebook's kernel): the page's budget of
// running Viewers suspended it or resumed it, the browser took its
// graphics context away, or it was restored after that.
const (
	EventSuspended   = "suspended"
	EventResumed     = "resumed"
	EventContextLost = "context_lost"
	EventRestored    = "restored"
)

// LifecycleEvents are those events.
var LifecycleEvents = []string{EventSuspended, EventResumed, EventContextLost, EventRestored}

// Failure titles the loader shows and loader check recognises.
const (
	// StartFailedTitle heads the failure of a Viewer that did not start,
	// in Go's widgets and in the JavaScript that fails before them.
	StartFailedTitle = "The Rerun Viewer could not start"
	// CrashTitle heads the failure a Viewer panic shows (with the panic's
	// message after a colon).
	CrashTitle = "The Rerun Viewer crashed"
	// MismatchedBuild names a Viewer glue and Wasm from different builds.
	MismatchedBuild = "re_viewer.js and " + ViewerFile + " come from different builds"
)

// SIMDProbe is the smallest module that uses Wasm SIMD: a function that
// splats 0 into a v128 and asks v128.any_true of it. Browsers without SIMD
// reject it in WebAssembly.validate instead of failing later with a cryptic
// CompileError on the 47 MB Viewer. widget.js asks it before it starts
// downloading the Viewer, the Go loader before it starts a widget.
var SIMDProbe = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
	0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
	0x0a, 0x0a, 0x01, 0x08, 0x00, // code section: one body of 8 bytes, no locals
	0x41, 0x00, // i32.const 0
	0xfd, 0x0f, // i8x16.splat
	0xfd, 0x53, // v128.any_true
	0x0b, // end
}

// The Python package that carries the loader binary in its wheels
// (`pip install rerun-loader`) runs it with PythonEnv set to its own
// interpreter: the default Python whose rerun_notebook install,
// uninstall and status work on.
const (
	PythonPackage = "rerun_loader"
	PythonScript  = "rerun-loader"
	PythonEnv     = "RERUN_LOADER_PYTHON"
)
