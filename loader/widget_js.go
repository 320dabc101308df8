//go:build js

package loader

import (
	"errors"
	"runtime"
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
	ctx    wasmjs.Context
	cancel func()
	id     string

	model  js.Value
	src    moduleSource
	glue   glueFactory
	module js.Value // the compiled Viewer, once loaded

	funcs     wasmjs.Funcs
	listeners []modelListener
	inbox     inbox

	ui     *widgetUI
	viewer *viewer // nil until started, and after a crash
	url    string  // the recording or server URL the Viewer has open (_url, partition_url)
	replay replayLog
}

type modelListener struct {
	event string
	fn    js.Func
}

var widgetSeq struct {
	sync.Mutex
	n int
}

func newWidget(rt *Runtime, props js.Value, early *earlyFetch) (*widget, error) {
	w := &widget{rt: rt}
	w.src.early = early
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
	el := get("el", js.TypeObject)
	w.src.moduleURL = get("moduleURL", js.TypeString).String()
	w.src.fetchViewer = get("fetchViewer", js.TypeFunction)
	w.glue.create = get("createGlue", js.TypeFunction)
	w.glue.version = get("viewerVersion", js.TypeString).String()
	w.glue.initTakesObject = get("glueInitTakesObject", js.TypeBoolean).Bool()
	if err != nil {
		return nil, err
	}
	signal, err := wasmjs.Get(props, "signal")
	if err != nil {
		return nil, err
	}
	w.ctx, w.cancel, err = wasmjs.WithSignal(wasmjs.Background(), signal)
	if err != nil {
		return nil, errors.Join(errors.New("render props: signal"), err)
	}

	widgetSeq.Lock()
	widgetSeq.n++
	w.id = "rerun-notebook-" + strconv.Itoa(widgetSeq.n)
	widgetSeq.Unlock()
	w.inbox.wake = make(chan struct{}, 1)

	if w.ui, err = newWidgetUI(el); err != nil {
		w.cancel()
		return nil, err
	}
	w.resize()
	w.listen("change:_width", func([]js.Value) { w.resize() })
	w.listen("change:_height", func([]js.Value) { w.resize() })
	for _, trait := range []string{"_url", "_panel_states", "_theme", "_fallback_token"} {
		w.listen("change:"+trait, func([]js.Value) { w.inbox.push(item{trait: trait}) })
	}
	w.listen("msg:custom", func(args []js.Value) {
		w.inbox.push(item{content: argAt(args, 0), buffers: argAt(args, 1)})
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

// panicPollMS is how often a running Viewer is asked whether it
// panicked, in milliseconds.
const panicPollMS = 1000

// run loads and starts the Viewer, then serves the widget protocol until
// the widget's context ends, and tears everything down.
func (w *widget) run() {
	defer w.teardown()
	if err := w.start(); err != nil {
		if w.ctx.Err() == nil {
			w.fail("The Rerun Viewer could not start", err)
		}
		<-w.ctx.Done()
		return
	}
	tick, err := wasmjs.NewTicker(panicPollMS)
	if err != nil {
		w.fail("The Rerun Viewer cannot be watched for crashes", err)
		<-w.ctx.Done()
		return
	}
	defer tick.Stop()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-tick.C:
			w.checkPanic()
		case <-w.inbox.wake:
			for _, it := range w.inbox.drain() {
				w.handle(it)
			}
		}
	}
}

func (w *widget) fail(title string, err error) {
	logError(title + ": " + err.Error())
	detail := err.Error()
	_, fetching := wasmjs.As[*FetchError](err)
	_, compiling := wasmjs.As[*CompileError](err)
	if fetching || compiling {
		detail += "\n\n" + assetHint
	}
	w.ui.fail(title, detail)
}

// errCancelled stops start once the widget's context ended.
var errCancelled = errors.New("widget cleaned up")

func (w *widget) start() error {
	if !simdSupported() {
		return errors.New(noSIMDMessage)
	}
	module, err := w.rt.viewerModule(w.ctx, w.src, w.ui)
	if err != nil {
		return err
	}
	w.module = module
	w.ui.progress(Progress{Phase: PhaseStart})
	if err := w.startViewer(); err != nil {
		return err
	}
	w.ui.ready()
	if _, err := wasmjs.Call(w.model, "send", "ready"); err != nil {
		return errors.Join(errors.New("tell the kernel the Viewer is ready"), err)
	}
	return nil
}

// startViewer starts a Viewer with the current traits on a fresh canvas,
// opens its channel and the _url, and applies the panel states.
func (w *widget) startViewer() error {
	opts := w.currentOptions()
	v, err := startViewer(w.ctx, w.glue, w.module, w.ui.newCanvas(), opts, w.forwardEvent, w.id)
	if err != nil {
		return err
	}
	w.viewer = v
	if err := w.syncURL(); err != nil {
		return err
	}
	w.applyPanelStates()
	return nil
}

// forwardEvent sends a raw viewer event to the kernel. The JSON goes
// untouched, as upstream sends it: Python parses it, so parsing it here
// would be wasted work.
func (w *widget) forwardEvent(json js.Value) {
	if _, err := wasmjs.Call(w.model, "send", json); err != nil {
		logError("forward a viewer event: " + err.Error())
	}
}

// currentOptions reads the traits that become WebHandle options.
func (w *widget) currentOptions() viewerOptions {
	var o viewerOptions
	if token := w.trait("_fallback_token"); token.Type() == js.TypeString {
		o.fallbackToken, o.hasToken = token.String(), true
	}
	if theme := w.trait("_theme"); theme.Type() == js.TypeString {
		o.theme = theme.String()
	}
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

// panelStates reads _panel_states as panel → state ("" for the default),
// reporting invalid entries.
func (w *widget) panelStates() map[string]string {
	v := w.trait("_panel_states")
	states := map[string]string{}
	if v.Type() != js.TypeObject {
		if !v.IsNull() && !v.IsUndefined() {
			w.report(errors.New("_panel_states is " + v.Type().String() + ", want an object or null"))
		}
		return states
	}
	fields := jsFields{v}
	for _, panel := range Panels {
		state, err := PanelState(panel, fields.Field(panel))
		if err != nil {
			w.report(err)
			continue
		}
		states[panel] = state
	}
	return states
}

func (w *widget) applyPanelStates() {
	for panel, state := range w.panelStates() {
		if err := w.viewer.overridePanel(panel, state); err != nil {
			w.report(err)
		}
	}
}

// syncURL makes the Viewer's open URL match _url.
func (w *widget) syncURL() error {
	want := ""
	if u := w.trait("_url"); u.Type() == js.TypeString {
		want = u.String()
	}
	return w.switchURL(want)
}

// switchURL closes the URL the Viewer has open and opens another ("" for
// none), as _url changes and partition_url messages ask.
func (w *widget) switchURL(url string) error {
	if url == w.url {
		return nil
	}
	if w.url != "" {
		if err := w.viewer.call("remove_receiver", w.url); err != nil {
			return err
		}
	}
	w.url = ""
	if url != "" {
		if err := w.viewer.call("add_receiver", url); err != nil {
			return err
		}
	}
	w.url = url
	return nil
}

// item is a kernel message or a trait change, queued in arrival order.
type item struct {
	trait   string // a changed trait; empty for a message
	content js.Value
	buffers js.Value
}

func (w *widget) handle(it item) {
	if w.viewer == nil {
		return // crashed: the widget shows why
	}
	var err error
	if it.trait != "" {
		err = w.traitChanged(it.trait)
	} else {
		err = w.dispatch(it.content, it.buffers)
	}
	if err != nil {
		w.report(err)
	}
}

// report shows a problem that does not stop the Viewer in the console and
// in the widget.
func (w *widget) report(err error) {
	logError(err.Error())
	w.ui.notice(err.Error())
}

func (w *widget) traitChanged(name string) error {
	switch name {
	case "_url":
		return w.syncURL()
	case "_panel_states":
		w.applyPanelStates()
	case "_theme", "_fallback_token":
		if w.currentOptions() != w.viewer.opts {
			return w.restart()
		}
	}
	return nil
}

// restart replaces the Viewer with one built from the current traits
// (theme and fallback token are start options the Viewer cannot change
// while it runs), then replays the recordings sent so far.
func (w *widget) restart() error {
	w.ui.progress(Progress{Phase: PhaseRestart})
	w.ui.showOverlay()
	w.viewer.close()
	w.viewer, w.url = nil, ""
	if err := w.startViewer(); err != nil {
		w.fail("The Rerun Viewer could not restart", err)
		return nil
	}
	for _, e := range w.replay.entries {
		if err := w.viewer.sendData(e.kind, e.bytes); err != nil {
			w.report(err)
		}
	}
	w.ui.ready()
	if w.replay.dropped > 0 {
		w.report(errors.New("the Viewer restarted to apply a new theme or token; " + mib(w.replay.dropped) +
			" of data sent earlier was too large to keep for replay: send it again"))
	}
	return nil
}

func (w *widget) dispatch(content, buffers js.Value) error {
	if content.Type() != js.TypeObject {
		return &MessageError{Reason: ErrNotObject.Error()}
	}
	m, err := DecodeMessage(jsFields{content})
	if err != nil {
		return err
	}
	var data js.Value
	if m.NeedsBuffer() {
		if data, err = firstBuffer(buffers); err != nil {
			return &MessageError{Kind: string(m.Kind), Reason: err.Error()}
		}
	}
	v := w.viewer
	switch m.Kind {
	case KindRRD, KindTable:
		if err := v.sendData(m.Kind, data); err != nil {
			return err
		}
		w.replay.add(m.Kind, data)
		return nil
	case KindTimeCtrl:
		return v.timeCtrl(m.Timeline, m.Time, m.Play)
	case KindRecordingID:
		return v.call("set_active_recording_id", m.ID)
	case KindPartitionURL:
		return w.switchURL(m.URL)
	case KindOpenURL:
		return v.call("add_receiver", m.URL)
	case KindCloseURL:
		return v.call("remove_receiver", m.URL)
	case KindSetCredentials:
		return v.call("set_credentials", m.AccessToken, m.Email)
	}
	return nil
}

// checkPanic shows a Viewer panic in this widget and releases the dead
// Viewer.
func (w *widget) checkPanic() {
	if w.viewer == nil {
		return
	}
	msg, panicked := w.viewer.panicked()
	if !panicked {
		return
	}
	w.viewer.close()
	w.viewer = nil
	w.fail("The Rerun Viewer crashed", errors.New(msg))
}

// firstBuffer returns buffers[0] as a Uint8Array over exactly its bytes:
// a DataView from the host may be a window into a larger buffer.
func firstBuffer(buffers js.Value) (js.Value, error) {
	if buffers.Type() != js.TypeObject {
		return js.Undefined(), errors.New("it carries no buffer")
	}
	n, err := wasmjs.Get(buffers, "length")
	if err != nil || n.Type() != js.TypeNumber || n.Int() < 1 {
		return js.Undefined(), errors.New("it carries no buffer")
	}
	first, err := wasmjs.Get(buffers, "0")
	if err != nil {
		return js.Undefined(), err
	}
	u8, err := wasmjs.Uint8Array(first)
	if err != nil {
		return js.Undefined(), errors.New("its buffer is not binary data")
	}
	return u8, nil
}

// teardown releases everything the widget made, in the order that keeps
// JavaScript from calling released Go functions.
func (w *widget) teardown() {
	w.cancel()
	w.src.early.discard() // when the widget ended before it asked for the Viewer
	for _, l := range w.listeners {
		wasmjs.Call(w.model, "off", l.event, l.fn)
	}
	w.listeners = nil
	if w.viewer != nil {
		w.viewer.close()
		w.viewer = nil
	}
	w.replay = replayLog{}
	w.ui.remove()
	w.funcs.Release()
	releaseJSRefs()
}

// releaseJSRefs lets JavaScript collect what this Go program referenced.
// Every js.Value pins its JavaScript object in wasm_exec.js's table until
// a Go garbage collection finalizes the Value; the loader's Go heap is
// tiny and would rarely collect on its own, so without this a torn-down
// Viewer's glue instance (and its Wasm memory) would stay reachable.
func releaseJSRefs() {
	runtime.GC()
}

// inbox queues kernel messages and trait changes in order without ever
// blocking the JavaScript callback that receives them.
type inbox struct {
	mu    sync.Mutex
	items []item
	wake  chan struct{}
}

func (q *inbox) push(it item) {
	q.mu.Lock()
	q.items = append(q.items, it)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *inbox) drain() []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// replayBudget bounds the bytes a widget keeps to replay after a restart:
// keeping everything would double the memory of large recordings for a
// rarely used path.
const replayBudget = 32 << 20

// replayLog keeps the recordings and tables sent to the Viewer, up to
// replayBudget, so a restart can send them again.
type replayLog struct {
	entries []replayEntry
	size    int64
	dropped int64 // bytes not kept: the budget was exceeded
}

type replayEntry struct {
	kind  Kind
	bytes js.Value
}

func (r *replayLog) add(kind Kind, bytes js.Value) {
	n := int64(bytes.Get("byteLength").Int())
	if r.dropped > 0 || r.size+n > replayBudget {
		// Once anything is dropped, keep nothing: a partial replay would
		// show a recording that silently misses its start.
		r.dropped += r.size + n
		r.entries, r.size = nil, 0
		return
	}
	r.entries = append(r.entries, replayEntry{kind, bytes})
	r.size += n
}

// jsFields reads message fields from a JavaScript object without ever
// throwing.
type jsFields struct{ v js.Value }

func (f jsFields) Field(name string) Field {
	v, err := wasmjs.Get(f.v, name)
	if err != nil {
		return Field{Type: Other}
	}
	switch v.Type() {
	case js.TypeUndefined:
		return Field{Type: Missing}
	case js.TypeNull:
		return Field{Type: Null}
	case js.TypeString:
		return Field{Type: String, Str: v.String()}
	case js.TypeNumber:
		return Field{Type: Number, Num: v.Float()}
	case js.TypeBoolean:
		return Field{Type: Bool, Bool: v.Bool()}
	}
	return Field{Type: Other}
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
