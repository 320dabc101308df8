//go:build js

package loader

import (
	"errors"
	"strconv"
	"sync"

	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

// markerCompiler compiles the Viewer that widget.js's loadViewer fetches
// and compiles, through the module instance's marker function (inline
// mode rewrites its body to return the inlined Viewer).
type markerCompiler struct {
	loadViewer wasmjs.Value
}

// warnedMIME makes the wrong-MIME warning once per page (a Go runtime
// serves one page).
var warnedMIME sync.Once

func (c markerCompiler) compile(ctx wasmjs.Context, url string, early any, report func(loadProgress)) (module, error) {
	start := performanceNow()
	load, err := c.load(ctx, url, early)
	if err != nil {
		return nil, err
	}
	resp, _ := load.Get(names.LoadResponse)
	if resp.IsNullish() && url == "" {
		return nil, errNoAdjacentURL
	}
	head, err := readHead(resp, url)
	if err != nil {
		return nil, err
	}
	counter, _ := load.Get(names.LoadCounter)
	if err := countBytes(ctx, counter, head, report); err != nil {
		return nil, &fetchError{URL: url, Err: err}
	}
	compiling, _ := load.Get(names.LoadModule)
	m, err := adoptCompile(ctx, compiling, resp, head, url, report)
	if err != nil {
		return nil, err
	}
	measure("rerun-loader:fetch+compile", start)
	return m, nil
}

// load returns what loadViewer resolved to: the early load's, or a new one
// aborted when ctx ends.
func (c markerCompiler) load(ctx wasmjs.Context, url string, early any) (wasmjs.Value, error) {
	var pending wasmjs.Value
	if v, ok := early.(wasmjs.Value); ok {
		pending = v
	} else {
		ctor, err := wasmjs.Global().Get("AbortController")
		var abort wasmjs.Value
		if err == nil {
			abort, err = ctor.New()
		}
		var signal wasmjs.Value
		if err == nil {
			signal, err = abort.Get("signal")
		}
		if err != nil {
			return wasmjs.Undefined(), &fetchError{URL: url, Err: err}
		}
		stop := wasmjs.AfterFunc(ctx, func() { abort.Call("abort") })
		defer stop()
		if pending, err = c.loadViewer.Invoke(url, signal); err != nil {
			return wasmjs.Undefined(), &fetchError{URL: url, Err: err}
		}
	}
	load, err := wasmjs.Await(ctx, pending)
	if err != nil {
		if ctx.Err() != nil {
			return wasmjs.Undefined(), ctx.Err()
		}
		jsErr, isJS := wasmjs.As[*wasmjs.Error](err)
		return wasmjs.Undefined(), &fetchError{URL: url, Err: err, Network: isJS && jsErr.Name() == "TypeError"}
	}
	if load.Type() != wasmjs.TypeObject {
		return wasmjs.Undefined(), &fetchError{URL: url, Err: errors.New("widget.js's loadViewer resolved to " + describeValue(load))}
	}
	return load, nil
}

// responseHead is what the loader reads of a Response before its body.
type responseHead struct {
	contentType string
	total       int64 // the true size of the body, 0 when unknown
}

// readHead checks that resp is a successful Response and reads its
// headers. A marker function may return anything at all.
func readHead(resp wasmjs.Value, url string) (responseHead, error) {
	notResponse := func(err error) (responseHead, error) {
		return responseHead{}, &fetchError{URL: url, Err: errors.Join(
			errors.New("the module's fetchViewer function returned "+describeValue(resp)+", not a fetch Response"), err)}
	}
	if resp.Type() != wasmjs.TypeObject {
		return notResponse(nil)
	}
	ok, err := resp.Get("ok")
	if err != nil {
		return notResponse(err)
	}
	headers, err := resp.Get("headers")
	if err != nil || headers.Type() != wasmjs.TypeObject {
		return notResponse(err)
	}
	if !ok.Truthy() {
		status, _ := resp.Get("status")
		statusText, _ := resp.Get("statusText")
		text, _ := statusText.AsString()
		return responseHead{}, &fetchError{URL: url, Status: status.Int(), StatusText: text}
	}
	header := func(name string) string {
		v, err := headers.Call("get", name)
		if err != nil {
			return ""
		}
		s, _ := v.AsString()
		return s
	}
	return responseHead{
		contentType: header("content-type"),
		total:       downloadTotal(header(names.FinalLengthHeader), header("content-length"), header("content-encoding")),
	}, nil
}

// describeValue names a JavaScript value's type for a message.
func describeValue(v wasmjs.Value) string {
	if s, ok := v.AsString(); ok {
		return "the string " + quote(s)
	}
	return v.Type().String()
}

// progressPollMS is how often a download's count is read for the
// progress bar, in milliseconds.
const progressPollMS = 100

// countBytes reports download progress from counter, the count of the
// body that widget.js keeps ({received, done}; countBody in esm/early.js),
// read every progressPollMS until it is done or ctx ends. With no counter
// there is no download to watch, and the widget says it compiles.
func countBytes(ctx wasmjs.Context, counter wasmjs.Value, head responseHead, report func(loadProgress)) error {
	total := head.total
	if counter.IsNullish() {
		report(loadProgress{Phase: phaseCompile, Total: total})
		return nil
	}
	tick, err := wasmjs.NewTicker(progressPollMS)
	if err != nil {
		return err
	}
	go func() {
		defer tick.Stop()
		defer func() {
			if r := recover(); r != nil {
				logError("count the Viewer's bytes: " + panicText(r))
			}
		}()
		var reported int64
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			r, err := counter.Get(names.CountReceived)
			received, _ := r.AsNumber()
			done, _ := counter.Get(names.CountDone)
			switch {
			case err != nil || done.Truthy():
				// An error here is the body's, and the compile reports it.
				report(loadProgress{Phase: phaseCompile, Received: int64(received), Total: total})
				return
			case int64(received) != reported:
				reported = int64(received)
				report(loadProgress{Phase: phaseDownload, Received: reported, Total: total})
			}
		}
	}()
	return nil
}

// adoptCompile awaits the compile loadViewer started. When the browser
// refused to stream-compile resp (not labelled application/wasm: the
// body is still unread), it compiles the whole body instead, with one
// warning per page.
func adoptCompile(ctx wasmjs.Context, compiling, resp wasmjs.Value, head responseHead, url string, report func(loadProgress)) (module, error) {
	// From here on, cancelling ctx aborts the body, which fails the reads
	// below promptly; awaiting them to the end keeps the counting Funcs
	// alive for as long as the stream can call them.
	settled := wasmjs.Background()
	m, err := wasmjs.Await(settled, compiling)
	if err == nil {
		return m, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if used, _ := resp.Get("bodyUsed"); used.Truthy() {
		return nil, &compileError{URL: url, Err: err}
	}
	warnMIME(url, head.contentType)
	buf, err := resp.Call("arrayBuffer")
	if err == nil {
		buf, err = wasmjs.Await(settled, buf)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, &fetchError{URL: url, Err: err}
	}
	report(loadProgress{Phase: phaseCompile, Received: head.total, Total: head.total})
	webAssembly, err := wasmjs.Global().Get("WebAssembly")
	if err == nil {
		compiling, err = webAssembly.Call("compile", buf)
	}
	if err == nil {
		m, err = wasmjs.Await(settled, compiling)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &compileError{URL: url, Err: err}
	}
	return m, nil
}

func warnMIME(url, contentType string) {
	warnedMIME.Do(func() {
		got := "no Content-Type"
		if contentType != "" {
			got = "Content-Type " + strconv.Quote(contentType)
		}
		if console, err := wasmjs.Global().Get("console"); err == nil {
			console.Call("warn", "rerun loader: "+url+" was served with "+got+
				" instead of application/wasm, so the Viewer is compiled without streaming (slower). Serve .wasm files as application/wasm.")
		}
	})
}
