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

// widget is one anywidget view showing one Viewer. It owns one context:
// cancelling it (the anywidget signal aborts, or the cleanup widget.js
// returned is called) is the whole cleanup story.
type widget struct {
	rt     *Runtime
	ctx    context.Context
	cancel context.CancelFunc
	id     string

	model js.Value
	el    js.Value
	src   moduleSource
	glue  js.Value // the module instance's glue factory

	funcs     wasmjs.Funcs
	listeners []modelListener
	inbox     inbox

	ui     *widgetUI
	bg     js.Value // this widget's glue instance, once initialized
	handle js.Value // this widget's WebHandle, once constructed
}

type modelListener struct {
	event string
	fn    js.Func
}

var widgetSeq struct {
	sync.Mutex
	n int
}

func newWidget(rt *Runtime, props js.Value) (*widget, error) {
	w := &widget{rt: rt, bg: js.Undefined(), handle: js.Undefined()}
	var err error
	get := func(name string, want js.Type) js.Value {
		if err != nil {
			return js.Undefined()
		}
		v, e := wasmjs.Get(props, name)
		if e == nil && v.Type() != want {
			e = errors.New("render props: " + name + " is " + v.Type().String() + ", want " + want.String())
		}
		err = e
		return v
	}
	w.model = get("model", js.TypeObject)
	w.el = get("el", js.TypeObject)
	w.src.moduleURL = get("moduleURL", js.TypeString).String()
	w.src.fetchViewer = get("fetchViewer", js.TypeFunction)
	w.glue = get("createGlue", js.TypeFunction)
	if err != nil {
		return nil, err
	}
	signal, err := wasmjs.Get(props, "signal")
	if err != nil {
		return nil, err
	}
	w.ctx, w.cancel, err = wasmjs.WithSignal(context.Background(), signal)
	if err != nil {
		return nil, errors.Join(errors.New("render props: signal"), err)
	}

	widgetSeq.Lock()
	widgetSeq.n++
	w.id = "rerun-notebook-" + strconv.Itoa(widgetSeq.n)
	widgetSeq.Unlock()
	w.inbox.wake = make(chan struct{}, 1)

	if w.ui, err = newWidgetUI(w.el); err != nil {
		w.cancel()
		return nil, err
	}
	w.resize()
	w.listen("change:_width", func([]js.Value) { w.resize() })
	w.listen("change:_height", func([]js.Value) { w.resize() })
	w.listen("msg:custom", func(args []js.Value) {
		w.inbox.push(message{content: argAt(args, 0), buffers: argAt(args, 1)})
	})
	return w, nil
}

// listen subscribes to a model event; teardown unsubscribes before it
// releases the Func.
func (w *widget) listen(event string, fn func(args []js.Value)) {
	f := w.funcs.Func(func(_ js.Value, args []js.Value) any {
		fn(args)
		return nil
	})
	if _, err := wasmjs.Call(w.model, "on", event, f); err != nil {
		logError("model.on(" + event + "): " + err.Error())
		return
	}
	w.listeners = append(w.listeners, modelListener{event, f})
}

// run loads and starts the Viewer, then serves the widget protocol until
// the widget's context ends, and tears everything down.
func (w *widget) run() {
	defer w.teardown()
	if err := w.start(); err != nil {
		if w.ctx.Err() == nil {
			logError(err.Error())
			w.ui.fail("The Rerun Viewer could not start", err.Error())
		}
		<-w.ctx.Done()
		return
	}
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.inbox.wake:
			for _, m := range w.inbox.drain() {
				w.handleMessage(m)
			}
		}
	}
}

// errCancelled stops start once the widget's context ended.
var errCancelled = errors.New("widget cleaned up")

func (w *widget) start() error {
	if !simdSupported() {
		return errors.New(noSIMDMessage)
	}
	module, err := w.rt.viewerModule(w.ctx, w.src, w.ui.status)
	if err != nil {
		return err
	}
	w.ui.status("Starting the Viewer…")

	// Glue init and start run to completion even when the widget is
	// cleaned up meanwhile: teardown must free what they made, not race
	// them.
	owned := context.WithoutCancel(w.ctx)
	bg, err := wasmjs.Invoke(w.glue)
	if err != nil {
		return errors.Join(errors.New("create the Viewer glue"), err)
	}
	initOpts := js.Global().Get("Object").New()
	initOpts.Set("module_or_path", module)
	initP, err := wasmjs.Invoke(bg, initOpts)
	if err == nil {
		_, err = wasmjs.Await(owned, initP)
	}
	if err != nil {
		return errors.Join(errors.New("instantiate the Viewer"), err)
	}
	w.bg = bg
	if w.ctx.Err() != nil {
		return errCancelled
	}

	handle, err := wasmjs.New(bg.Get("WebHandle"), w.handleOptions())
	if err != nil {
		return errors.Join(errors.New("create the Viewer"), err)
	}
	w.handle = handle
	startP, err := wasmjs.Call(handle, "start", w.ui.canvas)
	if err == nil {
		_, err = wasmjs.Await(owned, startP)
	}
	if err != nil {
		return errors.Join(errors.New("start the Viewer"), err)
	}
	if w.ctx.Err() != nil {
		return errCancelled
	}

	if _, err := wasmjs.Call(handle, "open_channel", w.id, "temp"); err != nil {
		return errors.Join(errors.New("open the recording channel"), err)
	}
	if url := w.trait("_url"); url.Type() == js.TypeString && url.String() != "" {
		if _, err := wasmjs.Call(handle, "add_receiver", url); err != nil {
			return errors.Join(errors.New("open "+url.String()), err)
		}
	}
	w.ui.ready()
	if _, err := wasmjs.Call(w.model, "send", "ready"); err != nil {
		return errors.Join(errors.New("tell the kernel the Viewer is ready"), err)
	}
	return nil
}

// handleOptions builds the WebHandle options the notebook uses.
func (w *widget) handleOptions() js.Value {
	o := js.Global().Get("Object").New()
	o.Set("notebook", true)
	o.Set("hide_welcome_screen", true)
	o.Set("width", "100%")
	o.Set("height", "100%")
	if token := w.trait("_fallback_token"); token.Type() == js.TypeString {
		o.Set("fallback_token", token)
	}
	if theme := w.trait("_theme"); theme.Type() == js.TypeString {
		o.Set("theme", theme)
	}
	if panels := w.trait("_panel_states"); panels.Type() == js.TypeObject {
		o.Set("panel_state_overrides", panels)
	}
	o.Set("on_viewer_event", w.funcs.Func(func(_ js.Value, args []js.Value) any {
		// The raw JSON goes to the kernel untouched, as upstream does: Python
		// parses it, so parsing it here would be wasted work.
		if _, err := wasmjs.Call(w.model, "send", argAt(args, 0)); err != nil {
			logError("forward viewer event: " + err.Error())
		}
		return nil
	}))
	return o
}

// trait reads a synced trait with model.get, the only way that works on
// every host (marimo passes no model to change callbacks).
func (w *widget) trait(name string) js.Value {
	v, err := wasmjs.Call(w.model, "get", name)
	if err != nil {
		logError("model.get(" + name + "): " + err.Error())
		return js.Undefined()
	}
	return v
}

func (w *widget) resize() {
	w.ui.resize(lengthOf(w.trait("_width")), lengthOf(w.trait("_height")))
}

func lengthOf(v js.Value) Length {
	switch v.Type() {
	case js.TypeNumber:
		return Length{Pixels: v.Float(), IsPx: true}
	case js.TypeString:
		return Length{Auto: v.String() == "auto"}
	}
	return Length{}
}

// message is a kernel → widget custom message.
type message struct {
	content js.Value
	buffers js.Value
}

func (w *widget) handleMessage(m message) {
	if err := w.dispatch(m); err != nil {
		logError("message from the kernel: " + err.Error())
		w.ui.notice(err.Error())
	}
}

func (w *widget) dispatch(m message) error {
	if m.content.Type() != js.TypeObject {
		return errors.New("ignored a message that is not an object")
	}
	typ := m.content.Get("type")
	if typ.Type() != js.TypeString {
		return errors.New("ignored a message without a string type")
	}
	switch t := typ.String(); t {
	case "rrd", "table":
		data, err := firstBuffer(m.buffers)
		if err != nil {
			return errors.New("ignored " + strconv.Quote(t) + " message: " + err.Error())
		}
		method := "send_rrd_to_channel"
		if t == "table" {
			method = "send_table_to_channel"
		}
		if _, err := wasmjs.Call(w.handle, method, w.id, data); err != nil {
			return errors.New("the Viewer rejected " + strconv.Quote(t) + " data: " + err.Error())
		}
		return nil
	default:
		return errors.New("ignored a message of unknown type " + strconv.Quote(t))
	}
}

// firstBuffer returns buffers[0] as a Uint8Array over exactly its bytes:
// a DataView from the host may be a window into a larger buffer.
func firstBuffer(buffers js.Value) (js.Value, error) {
	if buffers.Type() != js.TypeObject || buffers.Get("length").Type() != js.TypeNumber || buffers.Get("length").Int() < 1 {
		return js.Undefined(), errors.New("it carries no buffer")
	}
	return wasmjs.Uint8Array(buffers.Index(0))
}

// teardown releases everything the widget made, in the order that keeps
// JavaScript from calling released Go functions.
func (w *widget) teardown() {
	w.cancel()
	for _, l := range w.listeners {
		wasmjs.Call(w.model, "off", l.event, l.fn)
	}
	w.listeners = nil
	if !w.handle.IsUndefined() {
		if _, err := wasmjs.Call(w.handle, "destroy"); err != nil {
			logError("destroy the Viewer: " + err.Error())
		}
		if _, err := wasmjs.Call(w.handle, "free"); err != nil {
			logError("free the Viewer: " + err.Error())
		}
		w.handle = js.Undefined()
	}
	if !w.bg.IsUndefined() {
		if _, err := wasmjs.Call(w.bg, "deinit"); err != nil {
			logError("release the Viewer glue: " + err.Error())
		}
		w.bg = js.Undefined()
	}
	w.ui.remove()
	w.funcs.Release()
}

// inbox queues kernel messages in order without ever blocking the
// JavaScript callback that receives them.
type inbox struct {
	mu    sync.Mutex
	items []message
	wake  chan struct{}
}

func (q *inbox) push(m message) {
	q.mu.Lock()
	q.items = append(q.items, m)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *inbox) drain() []message {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

func argAt(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

func logError(msg string) {
	js.Global().Get("console").Call("error", "rerun loader: "+msg)
}
