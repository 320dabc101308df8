package loader

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

// stallMS is how long a Viewer download may go without a byte before the
// widgets waiting for it say it stalled and offer to retry. The watchdog
// counts it in steps of stallStepMS, each a timer of its own: a main
// thread busy for longer than stallMS (decoding, other widgets, a starved
// CPU) delays the timers and lets the bytes that arrived meanwhile be
// counted between two steps, so only a download that sends nothing while
// the page could have seen it stalls.
const (
	stallMS     = 10_000
	stallStepMS = 1_000
)

// page is the loader of one page and one build: widget.js boots one Go
// runtime per page per build id, and every widget of that build, from
// every module instance, shares it and its compiled Viewer.
type page struct {
	clock   clock
	log     func(msg string) // the console, for errors
	info    func(msg string) // the console, for what went slower than it should but not wrong
	stallMS int

	mu       sync.Mutex
	load     *viewerLoad // the compiled Viewer, or the load under way; nil before and after a failure
	compiles int         // Viewer modules compiled on this page
	fetches  int         // downloads of the Viewer
	adopted  int         // early downloads the loads took over
	widgets  int         // widgets alive
	budget   budget      // the running Viewers
}

func newPage(c clock, log, info func(msg string)) *page {
	return &page{clock: c, log: log, info: info, stallMS: stallMS, budget: budget{max: defaultMaxRunning}}
}

// pageStats is what a page holds, for tests and for debugging leaks.
type pageStats struct {
	compiles, fetches, adopted, widgets int
	running                             int // Viewers counted against the budget
	moduleCached                        bool
}

func (p *page) stats() pageStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return pageStats{
		compiles:     p.compiles,
		fetches:      p.fetches,
		adopted:      p.adopted,
		widgets:      p.widgets,
		running:      len(p.budget.running),
		moduleCached: p.load != nil && p.load.finished(),
	}
}

// viewerSource is where a widget's Viewer comes from.
type viewerSource struct {
	// url is the Viewer's URL as widget.js decided it (the one place that
	// rule lives: the page's viewer option, the build's --viewer-url, or
	// next to the module with its query), or "" for the Viewer the marker
	// function inlines.
	url      string
	compiler compiler
	// early is the download of url that widget.js started while the Go
	// runtime booted, or nil.
	early *earlyFetch
}

// progressWatcher is a widget waiting for the load, which shows its
// progress.
type progressWatcher interface {
	progress(loadProgress)
}

// viewerLoad is one fetch and compile of the Viewer, shared by every
// widget waiting for it. Its fields other than done, module and err are
// guarded by page.mu.
type viewerLoad struct {
	done   chan struct{}
	module module
	err    error

	cancel   func() // aborts the fetch when nobody waits any more
	waiters  int
	progress loadProgress
	watchers map[progressWatcher]struct{}
	stalled  *stallError // set when the watchdog gave up on the download
}

func (l *viewerLoad) finished() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// viewerModule returns the page's compiled Viewer, fetching and compiling
// it only when no earlier widget did; w shows the progress. A failed load
// is forgotten so the next widget (or a Retry) tries again. ctx ends only
// this caller's wait, and the download is aborted only when no widget
// waits for it any more.
func (p *page) viewerModule(ctx wasmjs.Context, src viewerSource, w progressWatcher) (module, error) {
	p.mu.Lock()
	l := p.load
	if l == nil {
		loadCtx, cancel := wasmjs.WithCancel(wasmjs.Background())
		l = &viewerLoad{done: make(chan struct{}), cancel: cancel, watchers: map[progressWatcher]struct{}{}}
		p.load = l
		src.early.handOver()
		go p.run(loadCtx, l, src)
	} else {
		src.early.discard()
	}
	if l.finished() {
		p.mu.Unlock()
		return l.module, l.err
	}
	l.waiters++
	l.watchers[w] = struct{}{}
	w.progress(l.progress)
	p.mu.Unlock()

	select {
	case <-l.done:
	case <-ctx.Done():
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	l.waiters--
	delete(l.watchers, w)
	if !l.finished() {
		if l.waiters == 0 {
			l.cancel()
			if p.load == l {
				p.load = nil
			}
		}
		return nil, ctx.Err()
	}
	return l.module, l.err
}

// report updates the load's progress and shows it in every waiting
// widget; it reports whether the download moved.
func (p *page) report(l *viewerLoad, pr loadProgress) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.finished() || pr.Phase < l.progress.Phase {
		return false
	}
	moved := pr.Phase > l.progress.Phase || pr.Received > l.progress.Received
	if pr.Phase == l.progress.Phase && !shouldReport(l.progress, pr) {
		// Not worth a repaint, but the download is alive.
		l.progress.Received = max(l.progress.Received, pr.Received)
		return moved
	}
	l.progress = pr
	for w := range l.watchers {
		w.progress(pr)
	}
	return moved
}

// run fetches and compiles the Viewer for l and settles it.
func (p *page) run(ctx wasmjs.Context, l *viewerLoad, src viewerSource) {
	m, err := p.fetchAndCompile(ctx, l, src)
	p.mu.Lock()
	if l.stalled != nil {
		m, err = nil, l.stalled
	}
	if err == nil {
		p.compiles++
		// A compile that finished after every widget gave up on it is
		// still worth keeping for the next one.
		if p.load == nil {
			p.load = l
		}
	} else if p.load == l {
		p.load = nil
	}
	l.module, l.err = m, err
	close(l.done)
	p.mu.Unlock()
	l.cancel()
}

func (p *page) fetchAndCompile(ctx wasmjs.Context, l *viewerLoad, src viewerSource) (_ module, err error) {
	defer recoverAs(&err, "the Viewer load")
	url := src.url
	if err := ctx.Err(); err != nil {
		// Every widget left before the load began.
		src.early.drop()
		return nil, err
	}

	early, adopted := src.early.take()
	if adopted {
		stop := wasmjs.AfterFunc(ctx, src.early.abort)
		defer stop()
	}
	p.mu.Lock()
	p.fetches++
	if adopted {
		p.adopted++
	}
	p.mu.Unlock()

	if !overNetwork(url) {
		// Bytes already in the page (the inlined Viewer, a blob: or data:
		// URL) cannot stall, however long a busy main thread takes over
		// them.
		if url == "" {
			p.report(l, loadProgress{Phase: phaseDecode})
		}
		return src.compiler.compile(ctx, url, early, func(pr loadProgress) { p.report(l, pr) })
	}
	watchdog := p.watch(l, url)
	defer watchdog.stop()
	p.report(l, loadProgress{Phase: phaseDownload})
	return src.compiler.compile(ctx, url, early, func(pr loadProgress) {
		if p.report(l, pr) {
			watchdog.reset(pr)
		}
	})
}

// overNetwork reports whether the Viewer at url comes over a network, the
// one source that can stall: "" is the inlined Viewer, and blob: and
// data: URLs are bytes the page holds.
func overNetwork(url string) bool {
	scheme, _, found := strings.Cut(url, ":")
	scheme = lowerASCII(scheme)
	return found && (scheme == "http" || scheme == "https")
}

// watchdog gives up on a download that makes no progress for the page's
// stall time: it aborts the load, which then fails with a *stallError.
type watchdog struct {
	p      *page
	l      *viewerLoad
	url    string
	cancel func()

	mu       sync.Mutex
	stopTime func() bool
	idle     int // steps of stallStepMS without progress
	step     int // the armed step's number: a step that fired as it was replaced does nothing
	done     bool
}

func (p *page) watch(l *viewerLoad, url string) *watchdog {
	w := &watchdog{p: p, l: l, url: url}
	// The load's own cancel aborts the download; a stall uses it too.
	w.cancel = l.cancel
	w.reset(loadProgress{Phase: phaseDownload})
	return w
}

// reset restarts the countdown after progress, and ends it once the bytes
// are all in.
func (w *watchdog) reset(pr loadProgress) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	if w.stopTime != nil {
		w.stopTime()
	}
	if pr.Phase != phaseDownload {
		w.done = true
		return
	}
	w.idle = 0
	w.arm(pr.Received)
}

// arm starts the next step; w.mu is held.
func (w *watchdog) arm(received int64) {
	w.step++
	step := w.step
	w.stopTime = w.p.clock.afterMS(stallStepMS, func() { w.fire(step, received) })
}

// fire ends a step of stallStepMS without progress: the download stalled
// once they add up to the page's stall time.
func (w *watchdog) fire(step int, received int64) {
	w.mu.Lock()
	if w.done || step != w.step {
		w.mu.Unlock()
		return
	}
	if w.idle++; w.idle*stallStepMS < w.p.stallMS {
		w.arm(received)
		w.mu.Unlock()
		return
	}
	w.done = true
	w.mu.Unlock()
	w.p.mu.Lock()
	received = max(received, w.l.progress.Received)
	w.l.stalled = &stallError{URL: w.url, Received: received, Seconds: w.p.stallMS / 1000}
	w.p.mu.Unlock()
	w.cancel()
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	if w.stopTime != nil {
		w.stopTime()
	}
}

// stallError is a Viewer download that made no progress for a while.
type stallError struct {
	URL      string // "" for the Viewer the marker function inlines
	Received int64  // bytes received before it stalled
	Seconds  int
}

func (e *stallError) Error() string {
	what := e.URL
	if what == "" {
		what = "the inlined Viewer"
	}
	return "the download of " + what + " stalled: no data for " + strconv.Itoa(e.Seconds) +
		" s after " + strconv.FormatInt(e.Received, 10) + " bytes (" + mib(e.Received) + ")"
}

// fetchError is a failure to get the Viewer Wasm.
type fetchError struct {
	URL        string // "" for the Viewer the marker function inlines
	Status     int    // HTTP status, when the server answered
	StatusText string // HTTP status text, when the server answered
	Network    bool   // the browser refused it: network down, CORS, mixed content
	Err        error  // the network, CORS or marker-function failure
}

func (e *fetchError) Error() string {
	what := e.URL
	if what == "" {
		what = "the inlined Viewer"
	}
	if e.Err == nil {
		msg := "fetch " + what + ": HTTP " + strconv.Itoa(e.Status)
		if e.StatusText != "" {
			msg += " " + e.StatusText
		}
		return msg
	}
	if e.Network {
		return "fetch " + what + ": network/CORS error (" + e.Err.Error() + ")"
	}
	return "fetch " + what + ": " + e.Err.Error()
}

func (e *fetchError) Unwrap() error { return e.Err }

// compileError is a Viewer Wasm that arrived but does not compile:
// truncated, not Wasm at all, or cut off mid-download.
type compileError struct {
	URL string
	Err error
}

func (e *compileError) Error() string {
	what := e.URL
	if what == "" {
		what = "the inlined Viewer"
	}
	return "compile the Viewer from " + what + ": " + e.Err.Error()
}

func (e *compileError) Unwrap() error { return e.Err }

// assetHint says what a notebook user can do about a Viewer that cannot be
// fetched.
const assetHint = "Check that " + names.ViewerFile + " is served next to widget.js, with CORS headers " +
	"(Access-Control-Allow-Origin), or point RERUN_NOTEBOOK_ASSET at a widget.js URL that serves both " +
	"(for example the one `loader serve` prints), or set RERUN_NOTEBOOK_ASSET=inline."

// mismatchError is the LinkError of a glue and Wasm from different
// builds, named.
type mismatchError struct{ err error }

func (e *mismatchError) Error() string { return names.MismatchedBuild + ": " + e.err.Error() }

func (e *mismatchError) Unwrap() error { return e.err }

// mismatchHint says what a user can do about a glue and Wasm from
// different builds.
const mismatchHint = "Serve the " + names.ViewerFile + " this widget.js was built with (widget.js and " + names.ViewerFile +
	" from one `loader build`), or rebuild widget.js for the Viewer the server has. A stale cache in between can cause it too."

// stallHint says what a user can do about a stalled download.
const stallHint = "The server or the network stopped sending the Viewer. Retry once it is back."

// hintFor returns what a user can do about a failed load, or "".
func hintFor(err error) string {
	if _, stalled := wasmjs.As[*stallError](err); stalled {
		return stallHint
	}
	if retryable(err) {
		return assetHint
	}
	if _, mismatched := wasmjs.As[*mismatchError](err); mismatched {
		return mismatchHint
	}
	return ""
}

// retryable reports whether trying the load again may help: the network
// or the server may come back.
func retryable(err error) bool {
	_, stalled := wasmjs.As[*stallError](err)
	_, fetching := wasmjs.As[*fetchError](err)
	_, compiling := wasmjs.As[*compileError](err)
	return stalled || fetching || compiling
}

// recoverAs turns a panic in the calling function into an error, so a bug
// or a host value nobody foresaw fails one widget or one load instead of
// stopping the Go runtime every widget on the page shares.
func recoverAs(err *error, what string) {
	if r := recover(); r != nil {
		*err = errors.New("the loader hit a bug in " + what + ": " + panicText(r))
	}
}

func panicText(r any) string {
	switch x := r.(type) {
	case error:
		return x.Error()
	case string:
		return x
	}
	return "a panic"
}
