package loader

import (
	"sync"

	"github.com/gorerun/loader/wasmjs"
)

// The core of the loader (the page's shared Viewer load in page.go, the
// widget lifecycle in widget.go) reaches the browser only through the
// interfaces below. The *_js.go files adapt them to syscall/js through
// wasmjs; tests adapt them to fakes, so the state machines build, run and
// race-test natively.

// module is a compiled Viewer (a WebAssembly.Module), opaque to the core.
type module any

// payload is the binary buffer of a kernel message, opaque to the core but
// for its size.
type payload interface {
	size() int64
}

// compiler fetches and compiles the Viewer for one load. Each module
// instance of widget.js has its own: inline mode rewrites the marker
// function it fetches through.
type compiler interface {
	// compile fetches the Viewer from url ("" for the Viewer the marker
	// function inlines), or reads the early download's response when
	// early is not nil, and compiles it. report is called with the
	// download's progress and with PhaseCompile once the bytes are in.
	compile(ctx wasmjs.Context, url string, early any, report func(loadProgress)) (module, error)
}

// model is the widget's side of the kernel: its synced traits and
// messages (anywidget's model).
type model interface {
	// get reads a synced trait.
	get(name string) (field, error)
	// listen calls onChange when one of traits changes and onMessage for
	// each custom message from the kernel, until stop. Neither may block.
	listen(traits []string, onChange func(trait string), onMessage func(message)) (stop func(), err error)
	// send sends a message to the kernel: "ready", or a Viewer event.
	send(content any) error
}

// message is a custom message from the kernel.
type message struct {
	content field
	// payload returns the message's first buffer.
	payload func() (payload, error)
}

// ui is what a widget shows in its element.
type ui interface {
	// progress shows the loading phase and how far the download got.
	progress(loadProgress)
	// resize applies the _width and _height traits.
	resize(width, height length)
	// whenVisible returns once the widget's element is shown with a
	// non-zero size on a visible page, or with ctx's error.
	whenVisible(ctx wasmjs.Context) error
	// newCanvas replaces the Viewer's canvas with a fresh one; onLost is
	// called, without blocking, if the browser takes its graphics context
	// away (too many on the page, a GPU process crash).
	newCanvas(onLost func()) any
	// watchView calls onChange, without blocking, each time the widget
	// comes into the viewport or leaves it, until remove.
	watchView(onChange func(inView bool))
	// suspend keeps the Viewer's last picture (or, where the browser will
	// not read it back, a placeholder saying what it held) in its place
	// with text over it; a click calls resume. It is called while the
	// Viewer still runs; ready takes it away.
	suspend(text string, resume func())
	// showOverlay puts the loading overlay back over the Viewer.
	showOverlay()
	// ready hides the overlay once the Viewer draws.
	ready()
	// fail shows a failure in place of the Viewer; with a non-nil retry,
	// a Retry button that calls it.
	fail(title, detail string, retry func())
	// offerRestore shows that the Viewer stopped but can come back, with a
	// Restore button that calls restore. Unlike fail, it is no failure.
	offerRestore(title, detail string, restore func())
	// notice shows a problem that does not stop the Viewer.
	notice(text string)
	// remove takes everything out of the page.
	remove()
}

// viewerStarter starts Viewers from a compiled module.
type viewerStarter interface {
	// start starts a Viewer with opts on canvas and opens channel for the
	// kernel's data; onEvent receives the Viewer's events, each its JSON
	// text as the Viewer wrote it. On error everything it made is
	// released.
	start(ctx wasmjs.Context, m module, canvas any, opts viewerOptions, onEvent func(event string), channel string) (viewer, error)
}

// viewer is one running Viewer.
type viewer interface {
	// sendData sends a recording's or table's bytes to a channel: the
	// widget's own ("") or one the page opened.
	sendData(channel string, kind messageKind, data payload) error
	openChannel(channel, name string) error
	closeChannel(channel string) error
	timeCtrl(timeline *string, t *float64, play bool) error
	// openURL opens a recording or server URL; follow opens an HTTP
	// recording in following mode.
	openURL(url string, follow bool) error
	closeURL(url string) error
	setRecordingID(id string) error
	setCredentials(accessToken, email string) error
	// overridePanel applies one panel state; "" restores the default.
	overridePanel(panel, state string) error
	// state reads the active recording, timeline, time and play state,
	// as far as the Viewer can say.
	state() viewerState
	// restore puts a state that state read back once its recording is
	// open, which is not yet the active one then: the Viewer switches to
	// it in one of its next frames.
	restore(st viewerState) error
	// panicked reports whether the Viewer panicked, with its message.
	panicked() (string, bool)
	// close destroys the Viewer and releases its memory and canvas.
	close()
}

// viewerState is what a restarted Viewer is put back to.
type viewerState struct {
	recordingID, timeline string
	time                  float64
	playing               bool
}

// viewerOptions are the Viewer's start options that come from traits.
type viewerOptions struct {
	fallbackToken string
	hasToken      bool
	theme         string
}

// clock is the page's timers: setTimeout and setInterval in the browser.
// The loader links neither time nor context (see wasmjs.Context).
type clock interface {
	// afterMS runs f in its own goroutine after ms milliseconds unless
	// stop is called first.
	afterMS(ms int, f func()) (stop func() bool)
	// ticker sends on c every ms milliseconds until stop, dropping ticks
	// a slow receiver misses.
	ticker(ms int) (c <-chan struct{}, stop func(), err error)
}

// earlyFetch is the download of the Viewer that widget.js starts through
// the marker function while the runtime boots, for the widget whose Viewer
// URL it is. The widget owns it until it hands it over to the load it
// starts, which adopts it; whoever owns it last aborts it if nobody
// adopted it.
type earlyFetch struct {
	response any    // a Promise of the Response, for the compiler
	abort    func() // aborts the download

	mu         sync.Mutex
	handedOver bool
	settled    bool // taken or aborted
}

// handOver makes the load that is about to start its owner.
func (e *earlyFetch) handOver() {
	if e != nil {
		e.mu.Lock()
		e.handedOver = true
		e.mu.Unlock()
	}
}

// discard aborts the download unless it was handed over to a load; the
// widget calls it when it goes or no longer needs it.
func (e *earlyFetch) discard() {
	if e == nil {
		return
	}
	e.mu.Lock()
	handedOver := e.handedOver
	e.mu.Unlock()
	if !handedOver {
		e.drop()
	}
}

// take returns the download's response. Only the first call can take it.
func (e *earlyFetch) take() (any, bool) {
	if e == nil {
		return nil, false
	}
	e.mu.Lock()
	if e.settled {
		e.mu.Unlock()
		return nil, false
	}
	e.settled = true
	e.mu.Unlock()
	return e.response, true
}

// drop aborts the download unless it was taken or aborted already.
func (e *earlyFetch) drop() {
	if e == nil {
		return
	}
	e.mu.Lock()
	settled := e.settled
	e.settled = true
	e.mu.Unlock()
	if !settled {
		e.abort()
	}
}
