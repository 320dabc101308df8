package loader

import (
	"errors"
	"runtime"
	"strconv"
	"sync"

	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

// widget is one view showing one Viewer. It owns one context: cancelling
// it (the host's signal aborts, or the cleanup widget.js returned is
// called) is the whole cleanup story. Its own goroutine (run) alone
// changes it: JavaScript's callbacks only push items into its inbox.
//
// Its files: this one its life and states, widget_messages.go what the
// kernel asks of it, widget_suspend.go suspension, restarts and the
// replay of its data, inbox.go the queue.
type widget struct {
	page   *page
	ctx    wasmjs.Context
	cancel func()
	id     string // the Viewer's recording channel

	model     model
	ui        ui
	starter   viewerStarter
	src       viewerSource
	simd      func() bool // nil: not checked
	lifecycle func(event string)
	// unknownKinds are the message types noted as unknown so far.
	unknownKinds []string

	stopListening func()
	inbox         inbox
	retry         chan struct{}

	state  widgetState
	module module
	viewer viewer // non-nil in stateRunning and stateRestoring
	// viewerGen numbers the Viewers started, so that news from one that
	// is gone does nothing.
	viewerGen int
	opts      viewerOptions
	url       string // the recording or server URL the Viewer has open (_url, partition_url)
	// opened are the URLs open_url opened and close_url did not close,
	// in order: a restart opens them again.
	opened []openedURL
	// channels are the page's channels, in the order it opened them.
	channels []pageChannel
	replay   replayLog

	// held are the kernel's messages and trait changes that arrived while
	// suspended, lost or restoring, handled in order once it runs.
	held []item
	// saved is the Viewer's state when it stopped, to put back.
	saved   viewerState
	restore restoreWait

	// Guarded by page.mu, for the page's budget: whether the widget is in
	// the viewport, the budget's sequence number of its last change,
	// whether it was asked to suspend, and whether its Viewer runs.
	inView     bool
	lastSeen   int64
	suspending bool
	started    bool // its Viewer runs (admitted and started)
}

// widgetParts are what a host hands over for one widget.
type widgetParts struct {
	model   model
	ui      ui
	starter viewerStarter
	src     viewerSource
	simd    func() bool
	// lifecycle, when not nil, hears of suspensions, resumptions and
	// lost contexts (names.LifecycleEvents).
	lifecycle func(event string)
}

var widgetSeq struct {
	sync.Mutex
	n int
}

// startWidget subscribes a new widget to its model and runs it in its own
// goroutine until ctx ends; cancel ends it. It fails only when the model
// cannot be listened to, and then releases what it was given.
func (p *page) startWidget(ctx wasmjs.Context, cancel func(), parts widgetParts) error {
	w := &widget{
		page: p, ctx: ctx, cancel: cancel,
		model: parts.model, ui: parts.ui, starter: parts.starter, src: parts.src, simd: parts.simd,
		lifecycle: parts.lifecycle,
		retry:     make(chan struct{}, 1),
	}
	w.inbox.wake = make(chan struct{}, 1)
	widgetSeq.Lock()
	widgetSeq.n++
	w.id = "rerun-notebook-" + strconv.Itoa(widgetSeq.n)
	widgetSeq.Unlock()

	w.resize()
	stop, err := w.model.listen(traits,
		func(trait string) { w.inbox.push(item{trait: trait}) },
		func(m message) { w.inbox.push(item{msg: m}) })
	if err != nil {
		cancel()
		w.src.early.discard()
		w.ui.remove()
		return errors.Join(errors.New("listen to the widget's model"), err)
	}
	w.stopListening = stop
	w.ui.watchView(func(inView bool) { p.viewChanged(w, inView) })

	p.mu.Lock()
	p.widgets++
	p.mu.Unlock()
	go func() {
		w.run()
		p.mu.Lock()
		p.widgets--
		p.mu.Unlock()
	}()
	return nil
}

// panicPollMS is how often a running Viewer is asked whether it
// panicked, in milliseconds.
const panicPollMS = 1000

// run loads and starts the Viewer, then serves the widget protocol until
// the widget's context ends, and tears everything down. Nothing that goes
// wrong in it stops the Go runtime: a panic fails this widget only.
func (w *widget) run() {
	defer w.teardown()
	defer func() {
		if r := recover(); r != nil {
			w.fail("The Rerun loader failed", errors.New("a bug in the loader: "+panicText(r)), false)
			<-w.ctx.Done()
		}
	}()
	if !w.startWithRetry() {
		return
	}
	tick, stopTick, err := w.page.clock.ticker(panicPollMS)
	if err != nil {
		w.fail("The Rerun Viewer cannot be watched for crashes", err, false)
		<-w.ctx.Done()
		return
	}
	defer stopTick()
	w.serve(tick)
}

// startWithRetry starts the Viewer, offering a Retry after failures that
// another try may cure. It reports whether the Viewer runs.
func (w *widget) startWithRetry() bool {
	for {
		err := w.start()
		if err == nil {
			return true
		}
		if w.ctx.Err() != nil {
			return false
		}
		canRetry := retryable(err)
		w.fail(names.StartFailedTitle, err, canRetry)
		if !canRetry {
			<-w.ctx.Done()
			return false
		}
		select {
		case <-w.ctx.Done():
			return false
		case <-w.retry:
			w.moveTo(stateStarting)
			w.ui.showOverlay()
		}
	}
}

// serve handles the kernel's messages, trait changes and news in arrival
// order and watches the Viewer for panics.
func (w *widget) serve(tick <-chan struct{}) {
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-tick:
			w.checkPanic()
		case <-w.inbox.wake:
			for _, it := range w.inbox.drain() {
				w.handle(it)
			}
		}
	}
}

// fail shows an error in the console and in place of the Viewer.
func (w *widget) fail(title string, err error, canRetry bool) {
	detail := err.Error()
	w.page.log(title + ": " + detail)
	if hint := hintFor(err); hint != "" {
		detail += "\n\n" + hint
	}
	var retry func()
	if canRetry {
		retry = func() {
			select {
			case w.retry <- struct{}{}:
			default:
			}
		}
	}
	w.ui.fail(title, detail, retry)
}

// errNoSIMD is a browser that cannot run the Viewer.
var errNoSIMD = errors.New("This browser is too old to run the Rerun Viewer: it lacks WebAssembly SIMD. " +
	"Use Chrome or Edge 91+, Firefox 89+ or Safari 16.4+.")

func (w *widget) start() error {
	if err := w.startFirst(); err != nil {
		w.moveTo(stateFailed)
		return err
	}
	w.moveTo(stateRunning)
	return nil
}

func (w *widget) startFirst() error {
	if w.simd != nil && !w.simd() {
		return errNoSIMD
	}
	w.ui.progress(loadProgress{})
	m, err := w.page.viewerModule(w.ctx, w.src, w.ui)
	// Only the first try can use the early download.
	w.src.early.discard()
	w.src.early = nil
	if err != nil {
		return err
	}
	w.module = m
	// A hidden widget (a collapsed output, a background tab) waits with
	// its compiled Viewer: a canvas with no size cannot start one.
	if err := w.ui.whenVisible(w.ctx); err != nil {
		return err
	}
	w.ui.progress(loadProgress{Phase: phaseStart})
	if err := w.startViewer(); err != nil {
		return err
	}
	w.ui.ready()
	if err := w.model.send("ready"); err != nil {
		return errors.Join(errors.New("tell the kernel the Viewer is ready"), err)
	}
	return nil
}

// startViewer starts a Viewer with the current traits on a fresh canvas,
// opens the _url and applies the panel states.
func (w *widget) startViewer() error {
	opts := w.currentOptions()
	if err := w.page.admit(w.ctx, w); err != nil {
		return err
	}
	lost := func() { w.inbox.push(item{control: controlLost}) }
	w.viewerGen++
	gen := w.viewerGen
	forward := func(event string) { w.forwardEvent(gen, event) }
	v, err := w.starter.start(w.ctx, w.module, w.ui.newCanvas(lost), opts, forward, w.id)
	if err != nil {
		w.page.release(w)
		return err
	}
	w.viewer, w.opts = v, opts
	w.page.started(w)
	if err := w.syncURL(); err != nil {
		return err
	}
	w.applyPanelStates()
	return nil
}

// report shows a problem that does not stop the Viewer in the console and
// in the widget.
func (w *widget) report(err error) {
	w.page.log(err.Error())
	w.ui.notice(err.Error())
}

// notify tells the page a Viewer of its own (not a notebook's kernel,
// which knows only the Viewer's events) suspended, resumed, lost its
// context or was restored.
func (w *widget) notify(event string) {
	if w.lifecycle != nil {
		w.lifecycle(event)
	}
}

// teardown releases everything the widget made, in the order that keeps
// JavaScript from calling released Go functions.
func (w *widget) teardown() {
	defer func() {
		if r := recover(); r != nil {
			w.page.log("clean up a widget: " + panicText(r))
		}
	}()
	w.cancel()
	w.src.early.discard() // when the widget ended before it asked for the Viewer
	w.stopListening()
	if w.viewer != nil {
		w.closeViewer()
	}
	w.moveTo(stateClosed)
	w.page.release(w)
	w.page.freeReplay(w.replay.size)
	w.replay = replayLog{}
	w.held = nil
	w.inbox.drain()
	w.ui.remove()
	// Every JavaScript value Go references stays pinned in wasm_exec.js's
	// table until a Go garbage collection finalizes it; the loader's heap is
	// tiny and would rarely collect on its own, so without this a torn-down
	// Viewer's glue instance (and its Wasm memory) would stay reachable.
	runtime.GC()
}
