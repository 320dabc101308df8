//go:build js

package loader

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall/js"

	"github.com/gorerun/loader/wasmjs"
)

// bootHook is the page-global that widget.js sets, just before it runs the
// Go program, to an object whose resolve method takes the loader's API. The
// Go program reads it before it first yields, so widget.js can delete it as
// soon as go.run returns.
const bootHook = "__rerunGoLoaderBoot"

// Runtime is the loader for one page and one build: widget.js boots one Go
// runtime per page per build id and every widget of that build, from every
// module instance, shares it and its compiled Viewer module.
type Runtime struct {
	api wasmjs.Funcs

	mu       sync.Mutex
	module   *moduleLoad // the compiled Viewer, or the load under way; nil before and after a failure
	compiles int         // Viewer modules compiled on this page
	fetches  int         // calls of a marker function
	adopted  int         // early downloads the loads took over
	widgets  int         // widgets alive
	warned   bool        // the wrong-MIME warning is printed once per page
}

// Main hands the loader's API to widget.js and then serves widgets for as
// long as the page lives.
func Main() {
	rt := &Runtime{}
	api := js.Global().Get("Object").New()
	api.Set("render", rt.api.Func(rt.render))
	api.Set("stats", rt.api.Func(rt.stats))

	hook := js.Global().Get(bootHook)
	if _, err := wasmjs.Call(hook, "resolve", api); err != nil {
		js.Global().Get("console").Call("error", "rerun loader: cannot hand over its API: "+err.Error())
		return
	}
	select {}
}

// render is the Go side of anywidget's render hook. props carries the
// anywidget view (model, el, signal) and what only the calling module
// instance knows: its URL, its marker function and its glue factory.
// It returns at once; the widget loads in its own goroutine and shows its
// progress and errors in its own element.
func (rt *Runtime) render(_ js.Value, args []js.Value) any {
	if len(args) != 1 || args[0].Type() != js.TypeObject {
		return wasmjs.ErrorValue(errors.New("rerun loader: render needs one props object"))
	}
	early := earlyFetchOf(args[0])
	w, err := newWidget(rt, args[0], early)
	if err != nil {
		early.discard()
		logError(err.Error())
		return wasmjs.ErrorValue(err)
	}
	rt.mu.Lock()
	rt.widgets++
	rt.mu.Unlock()
	go func() {
		w.run()
		rt.mu.Lock()
		rt.widgets--
		rt.mu.Unlock()
	}()
	return nil
}

// stats reports what the runtime holds, for tests and for debugging leaks
// from the console: rerun loader stats are one call away.
func (rt *Runtime) stats(js.Value, []js.Value) any {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	cached := rt.module != nil && rt.module.finished()
	return map[string]any{
		"compiles":     rt.compiles,
		"fetches":      rt.fetches,
		"earlyAdopted": rt.adopted,
		"liveWidgets":  rt.widgets,
		"moduleCached": cached,
		"liveFuncs":    int(wasmjs.LiveFuncs()),
	}
}

// moduleSource is what a module instance knows about where its Viewer Wasm
// comes from.
type moduleSource struct {
	moduleURL   string
	fetchViewer js.Value // the marker function; inline mode rewrites its body
	early       *earlyFetch
}

// earlyFetch is the download of the Viewer that widget.js starts through
// the marker function while the runtime boots, from its own reading of the
// adjacent URL. The widget that received it owns it until it hands it over
// to the load it starts; the load adopts it only when it resolves the same
// URL. Whoever owns it last aborts it if nobody adopted it.
type earlyFetch struct {
	url        string
	response   js.Value // a Promise of the Response
	abort      js.Value // aborts the download
	handedOver atomic.Bool
	once       sync.Once
}

// earlyFetchOf returns the early download in render props, or nil.
func earlyFetchOf(props js.Value) *earlyFetch {
	v, err := wasmjs.Get(props, "early")
	if err != nil || v.Type() != js.TypeObject {
		return nil
	}
	url, err1 := wasmjs.Get(v, "url")
	response, err2 := wasmjs.Get(v, "response")
	abort, err3 := wasmjs.Get(v, "abort")
	if errors.Join(err1, err2, err3) != nil || url.Type() != js.TypeString || abort.Type() != js.TypeFunction {
		return nil
	}
	return &earlyFetch{url: url.String(), response: response, abort: abort}
}

// handOver makes the load that is about to start its owner.
func (e *earlyFetch) handOver() {
	if e != nil {
		e.handedOver.Store(true)
	}
}

// discard aborts the download unless it was handed over to a load; the
// widget calls it when it goes.
func (e *earlyFetch) discard() {
	if e != nil && !e.handedOver.Load() {
		e.drop()
	}
}

// take returns the download's Response promise when it is for url and
// aborts it otherwise. The load calls it once.
func (e *earlyFetch) take(url string) (js.Value, bool) {
	if e == nil {
		return js.Undefined(), false
	}
	taken := false
	e.once.Do(func() {
		if taken = e.url == url; !taken {
			wasmjs.Invoke(e.abort)
		}
	})
	return e.response, taken
}

// drop aborts the download unless it was taken.
func (e *earlyFetch) drop() {
	if e != nil {
		e.once.Do(func() { wasmjs.Invoke(e.abort) })
	}
}

// moduleLoad is one fetch and compile of the Viewer, shared by every widget
// waiting for it. Its fields other than done, module and err are guarded by
// Runtime.mu.
type moduleLoad struct {
	done   chan struct{}
	module js.Value
	err    error

	cancel   func() // aborts the fetch when nobody waits any more
	waiters  int
	progress Progress
	watchers map[*widgetUI]struct{}
}

func (l *moduleLoad) finished() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// viewerModule returns the page's compiled Viewer module, fetching and
// compiling it only when no earlier widget did; ui shows the progress.
// A failed load is forgotten so the next widget tries again. ctx ends only
// this caller's wait, and the download is aborted only when no widget
// waits for it any more.
func (rt *Runtime) viewerModule(ctx wasmjs.Context, src moduleSource, ui *widgetUI) (js.Value, error) {
	rt.mu.Lock()
	l := rt.module
	if l == nil {
		loadCtx, cancel := wasmjs.WithCancel(wasmjs.Background())
		l = &moduleLoad{done: make(chan struct{}), cancel: cancel, watchers: map[*widgetUI]struct{}{}}
		rt.module = l
		src.early.handOver()
		go rt.load(loadCtx, l, src)
	} else {
		src.early.discard()
	}
	if l.finished() {
		rt.mu.Unlock()
		return l.module, l.err
	}
	l.waiters++
	l.watchers[ui] = struct{}{}
	ui.progress(l.progress)
	rt.mu.Unlock()

	select {
	case <-l.done:
	case <-ctx.Done():
	}

	rt.mu.Lock()
	defer rt.mu.Unlock()
	l.waiters--
	delete(l.watchers, ui)
	if !l.finished() {
		if l.waiters == 0 {
			l.cancel()
			if rt.module == l {
				rt.module = nil
			}
		}
		return js.Undefined(), ctx.Err()
	}
	return l.module, l.err
}

// report updates the load's progress and shows it in every waiting widget.
func (rt *Runtime) report(l *moduleLoad, p Progress) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if p.Phase < l.progress.Phase || p.Phase == l.progress.Phase && !shouldReport(l.progress, p) {
		return
	}
	l.progress = p
	for ui := range l.watchers {
		ui.progress(p)
	}
}

func (rt *Runtime) load(ctx wasmjs.Context, l *moduleLoad, src moduleSource) {
	module, err := rt.fetchAndCompile(ctx, l, src)
	rt.mu.Lock()
	if err == nil {
		rt.compiles++
		// A compile that finished after every widget gave up on it is
		// still worth keeping for the next one.
		if rt.module == nil {
			rt.module = l
		}
	} else if rt.module == l {
		rt.module = nil
	}
	l.module, l.err = module, err
	close(l.done)
	rt.mu.Unlock()
	l.cancel()
}

// fetchAndCompile gets the Viewer's Response through the marker function
// and compiles it, streaming when the server labels it application/wasm,
// while reporting the download's progress.
func (rt *Runtime) fetchAndCompile(ctx wasmjs.Context, l *moduleLoad, src moduleSource) (js.Value, error) {
	url, err := ViewerURL(src.moduleURL)
	var urlArg any = url
	switch {
	case err == ErrNoAdjacentURL:
		urlArg, url = nil, "the inlined Viewer"
	case err != nil:
		return js.Undefined(), err
	}

	if err := ctx.Err(); err != nil {
		// Every widget left before the load began.
		src.early.drop()
		return js.Undefined(), err
	}
	rt.report(l, Progress{Phase: PhaseDownload})
	start := now()
	var resp js.Value
	if early, ok := src.early.take(url); ok {
		stop := wasmjs.AfterFunc(ctx, func() { wasmjs.Invoke(src.early.abort) })
		defer stop()
		resp, err = early, nil
		rt.mu.Lock()
		rt.fetches++
		rt.adopted++
		rt.mu.Unlock()
	} else {
		abort := js.Global().Get("AbortController").New()
		stop := wasmjs.AfterFunc(ctx, func() { abort.Call("abort") })
		defer stop()
		init := js.Global().Get("Object").New()
		init.Set("signal", abort.Get("signal"))
		rt.mu.Lock()
		rt.fetches++
		rt.mu.Unlock()
		resp, err = wasmjs.Invoke(src.fetchViewer, urlArg, init)
	}
	if err == nil {
		resp, err = wasmjs.Await(ctx, resp)
	}
	if err != nil {
		return js.Undefined(), &FetchError{URL: url, Err: err}
	}
	if resp.IsNull() || resp.IsUndefined() {
		return js.Undefined(), ErrNoAdjacentURL
	}
	if !resp.Get("ok").Truthy() {
		return js.Undefined(), &FetchError{URL: url, Status: resp.Get("status").Int(), StatusText: resp.Get("statusText").String()}
	}

	headers := resp.Get("headers")
	header := func(name string) string {
		v := headers.Call("get", name)
		if v.Type() != js.TypeString {
			return ""
		}
		return v.String()
	}
	total := DownloadTotal(header("rerun-final-length"), header("content-length"), header("content-encoding"))
	counted, err := rt.countBytes(ctx, resp, total, l)
	if err != nil {
		return js.Undefined(), &FetchError{URL: url, Err: err}
	}

	// From here on, cancelling ctx aborts the body, which fails the reads
	// below promptly; awaiting them to the end keeps the counting Funcs
	// alive for as long as the stream can call them.
	settled := wasmjs.Background()
	wasm := js.Global().Get("WebAssembly")
	var compiling js.Value
	if contentType := header("content-type"); IsWasmContentType(contentType) {
		compiling, err = wasmjs.Call(wasm, "compileStreaming", counted)
	} else {
		rt.warnMIME(url, contentType)
		var buf js.Value
		buf, err = wasmjs.Call(counted, "arrayBuffer")
		if err == nil {
			buf, err = wasmjs.Await(settled, buf)
		}
		if ctx.Err() != nil {
			return js.Undefined(), ctx.Err()
		}
		if err != nil {
			return js.Undefined(), &FetchError{URL: url, Err: err}
		}
		rt.report(l, Progress{Phase: PhaseCompile, Received: total, Total: total})
		compiling, err = wasmjs.Call(wasm, "compile", buf)
	}
	if err == nil {
		compiling, err = wasmjs.Await(settled, compiling)
	}
	if err != nil {
		if ctx.Err() != nil {
			return js.Undefined(), ctx.Err()
		}
		return js.Undefined(), &CompileError{URL: url, Err: err}
	}
	measure("rerun-loader:fetch+compile", start)
	return compiling, nil
}

// now is the page's performance clock, in milliseconds.
func now() float64 {
	return js.Global().Get("performance").Call("now").Float()
}

// measure records a performance measure from start to now, so profilers
// (and tests) see the loader's phases on the page's timeline.
func measure(name string, start float64) {
	opts := js.Global().Get("Object").New()
	opts.Set("start", start)
	opts.Set("end", now())
	wasmjs.Call(js.Global().Get("performance"), "measure", name, opts)
}

// countBytes reports download progress from a clone of resp, read to the
// end alongside the compile. The compile gets the fetch's own Response:
// only that one carries what V8 needs to cache the compiled code with the
// HTTP cache entry, so a reload skips compiling. It returns resp.
//
// The clone is not free: a teed body reaches the compiler through
// JavaScript streams, which costs ~250 ms of a 350 ms fetch and compile on
// loopback (make bench). A Response with no URL is one the inline marker
// function made from bytes already in memory: nothing to wait for, so it
// is not counted.
func (rt *Runtime) countBytes(ctx wasmjs.Context, resp js.Value, total int64, l *moduleLoad) (js.Value, error) {
	if url, err := wasmjs.Get(resp, "url"); err == nil && url.Type() == js.TypeString && url.String() == "" {
		return resp, nil
	}
	clone, err := wasmjs.Call(resp, "clone")
	if err != nil {
		return js.Undefined(), err
	}
	body := clone.Get("body")
	if body.IsNull() || body.IsUndefined() {
		return resp, nil
	}
	reader, err := wasmjs.Call(body, "getReader")
	if err != nil {
		return js.Undefined(), err
	}
	go func() {
		var received int64
		for {
			chunk, err := wasmjs.Call(reader, "read")
			if err == nil {
				chunk, err = wasmjs.Await(ctx, chunk)
			}
			if err != nil || chunk.Get("done").Truthy() {
				// An error here is the body's, and the compile reports it.
				rt.report(l, Progress{Phase: PhaseCompile, Received: received, Total: total})
				return
			}
			received += int64(chunk.Get("value").Get("byteLength").Int())
			rt.report(l, Progress{Phase: PhaseDownload, Received: received, Total: total})
		}
	}()
	return resp, nil
}

func (rt *Runtime) warnMIME(url, contentType string) {
	rt.mu.Lock()
	warned := rt.warned
	rt.warned = true
	rt.mu.Unlock()
	if warned {
		return
	}
	got := "no Content-Type"
	if contentType != "" {
		got = "Content-Type " + strconv.Quote(contentType)
	}
	js.Global().Get("console").Call("warn", "rerun loader: "+url+" was served with "+got+
		" instead of application/wasm, so the Viewer is compiled without streaming (slower). Serve .wasm files as application/wasm.")
}

// assetHint says what a notebook user can do about a Viewer that cannot be
// fetched.
const assetHint = "Check that re_viewer_bg.wasm is served next to widget.js, with CORS headers " +
	"(Access-Control-Allow-Origin), or point RERUN_NOTEBOOK_ASSET at a widget.js URL that serves both " +
	"(for example the one `loader serve` prints), or set RERUN_NOTEBOOK_ASSET=inline."

// FetchError is a failure to get the Viewer Wasm.
type FetchError struct {
	URL        string
	Status     int    // HTTP status, when the server answered
	StatusText string // HTTP status text, when the server answered
	Err        error  // the network, CORS or marker-function failure
}

func (e *FetchError) Error() string {
	if e.Err == nil {
		msg := "fetch " + e.URL + ": HTTP " + strconv.Itoa(e.Status)
		if e.StatusText != "" {
			msg += " " + e.StatusText
		}
		return msg
	}
	if jsErr, ok := wasmjs.As[*wasmjs.Error](e.Err); ok && jsErr.Name() == "TypeError" {
		return "fetch " + e.URL + ": network/CORS error (" + e.Err.Error() + ")"
	}
	return "fetch " + e.URL + ": " + e.Err.Error()
}

func (e *FetchError) Unwrap() error { return e.Err }

// CompileError is a Viewer Wasm that arrived but does not compile:
// truncated, not Wasm at all, or cut off mid-download.
type CompileError struct {
	URL string
	Err error
}

func (e *CompileError) Error() string {
	return "compile the Viewer from " + e.URL + ": " + e.Err.Error()
}

func (e *CompileError) Unwrap() error { return e.Err }
