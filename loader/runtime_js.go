//go:build js

package loader

import (
	"context"
	"errors"
	"strconv"
	"sync"
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
	module   *moduleLoad
	compiles int
	widgets  int
	warned   bool // the wrong-MIME warning is printed once per page
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
	w, err := newWidget(rt, args[0])
	if err != nil {
		js.Global().Get("console").Call("error", "rerun loader: "+err.Error())
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
// from the console.
func (rt *Runtime) stats(js.Value, []js.Value) any {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return map[string]any{
		"compiles":     rt.compiles,
		"liveWidgets":  rt.widgets,
		"moduleCached": rt.module != nil,
	}
}

// moduleSource is what a module instance knows about where its Viewer Wasm
// comes from.
type moduleSource struct {
	moduleURL   string
	fetchViewer js.Value // the marker function; inline mode rewrites its body
}

// moduleLoad is one compile of the Viewer, shared by every widget waiting
// for it.
type moduleLoad struct {
	done   chan struct{}
	module js.Value
	err    error
}

// viewerModule returns the page's compiled Viewer module, fetching and
// compiling it only when no earlier widget did. A failed load is forgotten
// so the next widget tries again. ctx ends only this caller's wait: the
// compile is shared, so one widget going away does not cancel it.
func (rt *Runtime) viewerModule(ctx context.Context, src moduleSource, progress func(string)) (js.Value, error) {
	rt.mu.Lock()
	l := rt.module
	if l == nil {
		l = &moduleLoad{done: make(chan struct{})}
		rt.module = l
		go rt.load(l, src)
	}
	rt.mu.Unlock()

	select {
	case <-l.done:
	default:
		progress("Downloading the Viewer…")
		select {
		case <-l.done:
		case <-ctx.Done():
			return js.Undefined(), ctx.Err()
		}
	}
	if l.err != nil {
		return js.Undefined(), l.err
	}
	return l.module, nil
}

func (rt *Runtime) load(l *moduleLoad, src moduleSource) {
	module, err := rt.fetchAndCompile(context.Background(), src)
	rt.mu.Lock()
	if err != nil {
		rt.module = nil
	} else {
		rt.compiles++
	}
	rt.mu.Unlock()
	l.module, l.err = module, err
	close(l.done)
}

// fetchAndCompile gets the Viewer's Response through the marker function
// and compiles it, streaming when the server labels it application/wasm.
func (rt *Runtime) fetchAndCompile(ctx context.Context, src moduleSource) (js.Value, error) {
	url, err := ViewerURL(src.moduleURL)
	var urlArg any = url
	switch {
	case errors.Is(err, ErrNoAdjacentURL):
		urlArg, url = nil, "the inlined Viewer"
	case err != nil:
		return js.Undefined(), err
	}

	resp, err := wasmjs.Invoke(src.fetchViewer, urlArg)
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

	wasm := js.Global().Get("WebAssembly")
	contentType := resp.Get("headers").Call("get", "content-type")
	var compiling js.Value
	if contentType.Type() == js.TypeString && IsWasmContentType(contentType.String()) {
		compiling, err = wasmjs.Call(wasm, "compileStreaming", resp)
	} else {
		rt.warnMIME(url, contentType)
		var buf js.Value
		buf, err = wasmjs.Call(resp, "arrayBuffer")
		if err == nil {
			buf, err = wasmjs.Await(ctx, buf)
		}
		if err != nil {
			return js.Undefined(), &FetchError{URL: url, Err: err}
		}
		compiling, err = wasmjs.Call(wasm, "compile", buf)
	}
	if err == nil {
		compiling, err = wasmjs.Await(ctx, compiling)
	}
	if err != nil {
		return js.Undefined(), errors.Join(errors.New("compile the Viewer from "+url), err)
	}
	return compiling, nil
}

func (rt *Runtime) warnMIME(url string, contentType js.Value) {
	rt.mu.Lock()
	warned := rt.warned
	rt.warned = true
	rt.mu.Unlock()
	if warned {
		return
	}
	got := "no Content-Type"
	if contentType.Type() == js.TypeString {
		got = "Content-Type " + strconv.Quote(contentType.String())
	}
	js.Global().Get("console").Call("warn", "rerun loader: "+url+" was served with "+got+
		" instead of application/wasm, so the Viewer is compiled without streaming (slower). Serve .wasm files as application/wasm.")
}

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
	var jsErr *wasmjs.Error
	if errors.As(e.Err, &jsErr) && jsErr.Name() == "TypeError" {
		return "fetch " + e.URL + ": network/CORS error (" + e.Err.Error() + ")"
	}
	return "fetch " + e.URL + ": " + e.Err.Error()
}

func (e *FetchError) Unwrap() error { return e.Err }
