//go:build js

package loader

import (
	"errors"

	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

// Main hands the loader's API to widget.js and then serves widgets for as
// long as the page lives.
func Main() {
	p := newPage(jsClock{}, logError, logInfo)
	var funcs wasmjs.Funcs // the API lives as long as the page
	api, err := wasmjs.ValueOf(map[string]any{
		names.APIRender: funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any { return render(p, args) }),
		names.APIEmbed:  funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any { return embed(p, args) }),
		names.APIStats:  funcs.Func(func(wasmjs.Value, []wasmjs.Value) any { return stats(p) }),
		// setMaxRunningViewers(n) sets how many Viewers of the page run at
		// once and returns the budget; without n it only returns it.
		names.APISetMaxRunningViewers: funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			if n, ok := wasmjs.Arg(args, 0).AsNumber(); ok && n >= 1 {
				p.setMaxRunning(int(n))
			}
			return p.maxRunning()
		}),
	})
	if err == nil {
		var hook wasmjs.Value
		if hook, err = wasmjs.Global().Get(names.BootHook); err == nil {
			_, err = hook.Call("resolve", api)
		}
	}
	if err != nil {
		logError("cannot hand over its API: " + err.Error())
		return
	}
	select {}
}

// render is the Go side of anywidget's render hook. props carries the
// anywidget view (model, el, signal) and what only the calling module
// instance knows (see hostProps).
// It returns at once (an Error when props are unusable, which widget.js
// shows in the element); the widget loads in its own goroutine and shows
// its progress and errors in its own element.
func render(p *page, args []wasmjs.Value) any {
	return hostCall("render", args, func(r *propReader, early *earlyFetch) any {
		return renderWith(p, r, early)
	})
}

// hostCall runs fn, the Go side of a call from widget.js (render, embed)
// with one props object, so that no host input can stop the runtime: a
// panic becomes an Error for widget.js to show, and the early download is
// aborted when the call fails (fn returns an Error).
func hostCall(name string, args []wasmjs.Value, fn func(r *propReader, early *earlyFetch) any) (result any) {
	props := wasmjs.Arg(args, 0)
	early := earlyFetchOf(props)
	defer func() {
		if r := recover(); r != nil {
			result = wasmjs.ErrorValue(errors.New("rerun loader: a bug in " + name + ": " + panicText(r)))
		}
		if _, failed := result.(wasmjs.Value); failed {
			early.discard()
		}
	}()
	if len(args) != 1 || !props.IsObject() {
		return wasmjs.ErrorValue(errors.New("rerun loader: " + name + " needs one props object"))
	}
	return fn(&propReader{props: props}, early)
}

func renderWith(p *page, r *propReader, early *earlyFetch) any {
	m := r.object(names.PropModel)
	relay := r.function(names.PropRelayMessage)
	h := readHostProps(r, early)
	if r.err != nil {
		return wasmjs.ErrorValue(r.err)
	}
	glue := h.glue
	glue.notebook = true
	return h.start(p, func(_ wasmjs.Context, widgetUI ui) widgetParts {
		return widgetParts{model: anywidgetModel{v: m, relay: relay}, ui: widgetUI, starter: glue, src: h.src, simd: simdSupported}
	})
}

// hostProps are the props render and embed share: the element, the
// lifetime, and what only the calling module instance knows — the URL of
// its Viewer, its marker function, its glue factory and the early download
// it started.
type hostProps struct {
	el     wasmjs.Value
	signal wasmjs.Value
	glue   glueFactory
	src    viewerSource
}

func readHostProps(r *propReader, early *earlyFetch) hostProps {
	h := hostProps{
		el:     r.object(names.PropEl),
		signal: r.get(names.PropSignal),
		glue:   glueFactory{create: r.function(names.PropCreateGlue), version: r.str(names.PropViewerVersion)},
		src: viewerSource{
			url:      r.str(names.PropViewerURL),
			compiler: markerCompiler{loadViewer: r.function(names.PropLoadViewer)},
			early:    early,
		},
	}
	h.glue.initTakesObject, _ = r.get(names.PropGlueInitTakesObject).AsBool()
	return h
}

// start starts a widget in h.el for as long as h.signal allows, with the
// parts parts returns for its lifetime and UI. It returns nil or the Error
// to show.
func (h hostProps) start(p *page, parts func(wasmjs.Context, ui) widgetParts) any {
	ctx, cancel, err := wasmjs.WithSignal(wasmjs.Background(), h.signal)
	if err != nil {
		return wasmjs.ErrorValue(errors.Join(errors.New("rerun loader: props: signal"), err))
	}
	widgetUI, err := newWidgetUI(h.el)
	if err != nil {
		cancel()
		return wasmjs.ErrorValue(errors.Join(errors.New("rerun loader: cannot draw in the element"), err))
	}
	if err := p.startWidget(ctx, cancel, parts(ctx, widgetUI)); err != nil {
		return wasmjs.ErrorValue(errors.Join(errors.New("rerun loader"), err))
	}
	return nil
}

// propReader reads render props, keeping the first problem.
type propReader struct {
	props wasmjs.Value
	err   error
}

func (r *propReader) get(name string) wasmjs.Value {
	if r.err != nil {
		return wasmjs.Undefined()
	}
	v, err := r.props.Get(name)
	if err != nil {
		r.err = errors.Join(errors.New("rerun loader: render props: "+name), err)
	}
	return v
}

func (r *propReader) want(name string, v wasmjs.Value, ok bool, want string) wasmjs.Value {
	if r.err == nil && !ok {
		r.err = errors.New("rerun loader: render props: " + name + " is " + v.Type().String() + ", want " + want)
	}
	return v
}

func (r *propReader) object(name string) wasmjs.Value {
	v := r.get(name)
	return r.want(name, v, v.Type() == wasmjs.TypeObject, "an object")
}

func (r *propReader) function(name string) wasmjs.Value {
	v := r.get(name)
	return r.want(name, v, v.IsFunction(), "a function")
}

func (r *propReader) str(name string) string {
	v := r.get(name)
	s, ok := v.AsString()
	r.want(name, v, ok, "a string")
	return s
}

// earlyFetchOf returns the early download in render props, or nil.
func earlyFetchOf(props wasmjs.Value) *earlyFetch {
	v, err := props.Get(names.PropEarly)
	if err != nil || v.Type() != wasmjs.TypeObject {
		return nil
	}
	r := propReader{props: v}
	response := r.get(names.EarlyResponse)
	abort := r.function(names.EarlyAbort)
	if r.err != nil {
		return nil
	}
	return &earlyFetch{response: response, abort: func() { abort.Invoke() }}
}

// stats reports what the runtime holds, for tests and for debugging leaks
// from the console: rerun loader stats are one call away.
func stats(p *page) map[string]any {
	s := p.stats()
	return map[string]any{
		"compiles":     s.compiles,
		"fetches":      s.fetches,
		"earlyAdopted": s.adopted,
		"liveWidgets":  s.widgets,
		"moduleCached": s.moduleCached,
		"liveFuncs":    int(wasmjs.LiveFuncs()),
		"crossings":    int(wasmjs.Crossings()),
		"running":      s.running,
	}
}

// jsClock is the page's setTimeout and setInterval.
type jsClock struct{}

func (jsClock) afterMS(ms int, f func()) func() bool { return wasmjs.AfterMS(ms, f) }

func (jsClock) ticker(ms int) (<-chan struct{}, func(), error) {
	t, err := wasmjs.NewTicker(ms)
	if err != nil {
		return nil, nil, err
	}
	return t.C, t.Stop, nil
}

// logError writes a loader error to the console.
func logError(msg string) {
	if console, err := wasmjs.Global().Get("console"); err == nil {
		console.Call("error", "rerun loader: "+msg)
	}
}

// logInfo writes news that is no error to the console.
func logInfo(msg string) {
	if console, err := wasmjs.Global().Get("console"); err == nil {
		console.Call("info", "rerun loader: "+msg)
	}
}

// performanceNow is the page's performance clock, in milliseconds.
func performanceNow() float64 {
	perf, err := wasmjs.Global().Get("performance")
	if err != nil {
		return 0
	}
	t, _ := perf.Call("now")
	n, _ := t.AsNumber()
	return n
}

// measure records a performance measure from start to now, so profilers
// (and tests) see the loader's phases on the page's timeline.
func measure(name string, start float64) {
	perf, err := wasmjs.Global().Get("performance")
	if err != nil {
		return
	}
	perf.Call("measure", name, map[string]any{"start": start, "end": performanceNow()})
}
