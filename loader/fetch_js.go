//go:build js

package loader

import (
	"errors"
	"strconv"
	"sync"

	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

// markerCompiler fetches the Viewer through a module instance's marker
// function (inline mode rewrites its body to return the inlined Viewer)
// and compiles it with WebAssembly.compileStreaming when it can.
type markerCompiler struct {
	fetchViewer wasmjs.Value
}

// warnedMIME makes the wrong-MIME warning once per page (a Go runtime
// serves one page).
var warnedMIME sync.Once

func (c markerCompiler) compile(ctx wasmjs.Context, url string, early any, report func(loadProgress)) (module, error) {
	start := performanceNow()
	resp, err := c.fetch(ctx, url, early)
	if err != nil {
		return nil, err
	}
	head, err := readHead(resp, url)
	if err != nil {
		return nil, err
	}
	counted, err := countBytes(ctx, resp, head, report)
	if err != nil {
		return nil, &fetchError{URL: url, Err: err}
	}
	m, err := compileResponse(ctx, counted, head, url, report)
	if err != nil {
		return nil, err
	}
	measure("rerun-loader:fetch+compile", start)
	return m, nil
}

// fetch returns the Viewer's Response: the early download's, or a new one
// from the marker function, aborted when ctx ends.
func (c markerCompiler) fetch(ctx wasmjs.Context, url string, early any) (wasmjs.Value, error) {
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
		var urlArg any = url
		if url == "" {
			urlArg = nil
		}
		if pending, err = c.fetchViewer.Invoke(urlArg, map[string]any{"signal": signal}); err != nil {
			return wasmjs.Undefined(), &fetchError{URL: url, Err: err}
		}
	}
	resp, err := wasmjs.Await(ctx, pending)
	if err != nil {
		if ctx.Err() != nil {
			return wasmjs.Undefined(), ctx.Err()
		}
		jsErr, isJS := wasmjs.As[*wasmjs.Error](err)
		return wasmjs.Undefined(), &fetchError{URL: url, Err: err, Network: isJS && jsErr.Name() == "TypeError"}
	}
	if resp.IsNullish() && url == "" {
		return wasmjs.Undefined(), errNoAdjacentURL
	}
	return resp, nil
}

// responseHead is what the loader reads of a Response before its body.
type responseHead struct {
	contentType string
	total       int64 // the true size of the body, 0 when unknown
	local       bool  // the server says the link is local (names.LinkHeader)
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
		local:       header(names.LinkHeader) == "local",
	}, nil
}

// describeValue names a JavaScript value's type for a message.
func describeValue(v wasmjs.Value) string {
	if s, ok := v.AsString(); ok {
		return "the string " + quote(s)
	}
	return v.Type().String()
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
// is not counted and the widget says it compiles; nor is one the server
// says comes from its own machine (head.local), which arrives in less time
// than counting takes.
func countBytes(ctx wasmjs.Context, resp wasmjs.Value, head responseHead, report func(loadProgress)) (wasmjs.Value, error) {
	total := head.total
	if head.local {
		report(loadProgress{Phase: phaseCompile, Total: total})
		return resp, nil
	}
	if url, err := resp.Get("url"); err == nil {
		if s, ok := url.AsString(); ok && s == "" {
			report(loadProgress{Phase: phaseCompile, Total: total})
			return resp, nil
		}
	}
	clone, err := resp.Call("clone")
	if err != nil {
		return wasmjs.Undefined(), err
	}
	body, err := clone.Get("body")
	if err != nil || body.IsNullish() {
		return resp, nil
	}
	reader, err := body.Call("getReader")
	if err != nil {
		return wasmjs.Undefined(), err
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				logError("count the Viewer's bytes: " + panicText(r))
			}
		}()
		var received int64
		for {
			chunk, err := reader.Call("read")
			if err == nil {
				chunk, err = wasmjs.Await(ctx, chunk)
			}
			var done, value wasmjs.Value
			if err == nil {
				done, err = chunk.Get("done")
			}
			if err == nil {
				value, err = chunk.Get("value")
			}
			if err != nil || done.Truthy() {
				// An error here is the body's, and the compile reports it.
				report(loadProgress{Phase: phaseCompile, Received: received, Total: total})
				return
			}
			received += int64(wasmjs.ByteLength(value))
			report(loadProgress{Phase: phaseDownload, Received: received, Total: total})
		}
	}()
	return resp, nil
}

// compileResponse compiles the Viewer from resp: streaming when the
// server labels it application/wasm, else (with one warning per page)
// after reading the whole body.
func compileResponse(ctx wasmjs.Context, resp wasmjs.Value, head responseHead, url string, report func(loadProgress)) (module, error) {
	// From here on, cancelling ctx aborts the body, which fails the reads
	// below promptly; awaiting them to the end keeps the counting Funcs
	// alive for as long as the stream can call them.
	settled := wasmjs.Background()
	webAssembly, err := wasmjs.Global().Get("WebAssembly")
	if err != nil {
		return nil, &compileError{URL: url, Err: err}
	}
	var compiling wasmjs.Value
	if isWasmContentType(head.contentType) {
		compiling, err = webAssembly.Call("compileStreaming", resp)
	} else {
		warnMIME(url, head.contentType)
		var buf wasmjs.Value
		buf, err = resp.Call("arrayBuffer")
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
		compiling, err = webAssembly.Call("compile", buf)
	}
	if err == nil {
		compiling, err = wasmjs.Await(settled, compiling)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &compileError{URL: url, Err: err}
	}
	return compiling, nil
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
