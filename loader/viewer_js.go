//go:build js

package loader

import (
	"errors"
	"slices"
	"strconv"

	"github.com/gorerun/loader/wasmjs"
)

// glueFactory is a module instance's wasm-bindgen glue: each call of create
// makes a glue instance with its own Wasm memory. It starts Viewers.
type glueFactory struct {
	create  wasmjs.Value
	version string // the Viewer's version, for messages
	// initTakesObject is whether the glue's init takes {module_or_path}
	// (detected at build time) rather than the module itself.
	initTakesObject bool
	// notebook starts the Viewer in notebook mode (anywidget hosts).
	notebook bool
	// options are more WebHandle options from the page (WebViewer.start's),
	// or undefined; the loader's own win over them.
	options wasmjs.Value
}

// The panel states are not among the start options: they are applied with
// override_panel_state once the Viewer runs, as the notebook widget does
// (the constructor wants other spellings of the states).

// webViewer is one running Viewer: a glue instance, its WebHandle on a
// canvas, and the recording channel the kernel's data goes to.
type webViewer struct {
	glue    glueFactory
	bg      wasmjs.Value
	handle  wasmjs.Value
	canvas  wasmjs.Value
	channel string
	// channelName is channel as a JavaScript string, made once: each
	// message names it, and a Go string crosses anew each time.
	channelName wasmjs.Value
	funcs       wasmjs.Funcs
	// asked is the recording last made active: the Viewer switches to it
	// in one of its next frames, and until then a fresh Viewer says none
	// is active.
	asked string
	// methods are the WebHandle's methods and the parameters each
	// declares, learnt once when it is made: Viewers differ by version
	// (0.35 dropped add_receiver's follow_if_http), and a call then needs
	// no crossing to find out. nil when they could not be read.
	methods map[string]int
	// noted are the differences of this Viewer already said once.
	noted []string
}

// start instantiates a fresh glue instance on m, creates the WebHandle
// with the notebook's options, starts it on canvas and opens the channel.
// On error everything it made is released.
//
// Glue init and start run to completion even when ctx ends meanwhile:
// freeing what they made must not race them.
func (g glueFactory) start(ctx wasmjs.Context, m module, canvas any, opts viewerOptions,
	onEvent func(string), channel string) (viewer, error) {
	v, err := g.startWeb(ctx, m, canvas, opts, onEvent, channel)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (g glueFactory) startWeb(ctx wasmjs.Context, m module, canvas any, opts viewerOptions,
	onEvent func(string), channel string) (_ *webViewer, err error) {
	c, _ := canvas.(wasmjs.Value)
	v := &webViewer{glue: g, canvas: c, channel: channel}
	defer func() {
		if err != nil {
			v.close()
		}
	}()
	owned := wasmjs.Background()

	bg, err := g.create.Invoke()
	if err != nil {
		return nil, errors.Join(errors.New("create the Viewer glue"), err)
	}
	var initArg any = m
	if g.initTakesObject {
		initArg = map[string]any{"module_or_path": m}
	}
	instantiating := performanceNow()
	initP, err := bg.Invoke(initArg)
	if err == nil {
		_, err = wasmjs.Await(owned, initP)
	}
	measure("rerun-loader:instantiate", instantiating)
	if jsErr, ok := wasmjs.As[*wasmjs.Error](err); ok && jsErr.Name() == "LinkError" {
		return nil, &mismatchError{err}
	}
	if err != nil {
		return nil, errors.Join(errors.New("instantiate the Viewer"), err)
	}
	v.bg = bg
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	ctor, err := bg.Get("WebHandle")
	if err != nil {
		return nil, err
	}
	handle, err := ctor.New(v.handleOptions(opts, onEvent))
	if err != nil {
		return nil, errors.Join(errors.New("create the Viewer"), err)
	}
	v.handle = handle
	if v.methods, err = probeMethods(handle); err != nil {
		logError("the Viewer's methods cannot be read, so each is looked up when called: " + err.Error())
	}
	starting := performanceNow()
	startP, err := handle.Call("start", c)
	if err == nil {
		_, err = wasmjs.Await(owned, startP)
	}
	measure("rerun-loader:start", starting)
	if err != nil {
		return nil, errors.Join(errors.New("start the Viewer"), err)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if v.channelName, err = wasmjs.ValueOf(channel); err != nil {
		return nil, err
	}
	if err := v.call("open_channel", v.channelName, "temp"); err != nil {
		return nil, errors.Join(errors.New("open the recording channel"), err)
	}
	return v, nil
}

// handleOptions builds the WebHandle options: the page's, then the
// loader's.
func (v *webViewer) handleOptions(opts viewerOptions, onEvent func(string)) any {
	o := map[string]any{
		"width":  "100%",
		"height": "100%",
		"on_viewer_event": v.funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			// The Viewer reports each event as its JSON text. The widget
			// gets it as a Go string: it reads the events while it puts a
			// revived Viewer's state back, and a JavaScript value would
			// never match.
			if text, ok := wasmjs.Arg(args, 0).AsString(); ok {
				onEvent(text)
			} else {
				logError("a Viewer event that is not JSON text is not forwarded: " + describeValue(wasmjs.Arg(args, 0)))
			}
			return nil
		}),
	}
	if opts.hasToken {
		o["fallback_token"] = opts.fallbackToken
	}
	// Older Viewers know no theme; an option left out is one they never
	// have to reject.
	if opts.theme != "" {
		o["theme"] = opts.theme
	}
	if v.glue.notebook {
		o["notebook"] = true
		o["hide_welcome_screen"] = true
	}
	if !v.glue.options.IsObject() {
		return o
	}
	object, err := wasmjs.Global().Get("Object")
	if err == nil {
		var merged wasmjs.Value
		if merged, err = object.Call("assign", map[string]any{}, v.glue.options, o); err == nil {
			return merged
		}
	}
	logError("the Viewer options cannot be read, so they are left out: " + err.Error())
	return o
}

// probeMethods reads the methods of a WebHandle's prototype and their
// lengths. It reads each property's descriptor, not the property: a
// wasm-bindgen getter run on the prototype would reach into the Viewer
// with no object behind it.
func probeMethods(handle wasmjs.Value) (map[string]int, error) {
	object, err := wasmjs.Global().Get("Object")
	if err != nil {
		return nil, err
	}
	proto, err := object.Call("getPrototypeOf", handle)
	if err != nil {
		return nil, err
	}
	descriptors, err := object.Call("getOwnPropertyDescriptors", proto)
	if err != nil {
		return nil, err
	}
	keys, err := object.Call("keys", descriptors)
	if err != nil {
		return nil, err
	}
	count, err := keys.Get("length")
	if err != nil {
		return nil, err
	}
	n, _ := count.AsNumber()
	methods := map[string]int{}
	for i := range int(n) {
		key, err := keys.Get(strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		name, _ := key.AsString()
		d, err := descriptors.Get(name)
		if err != nil {
			return nil, err
		}
		fn, err := d.Get("value")
		if err != nil || !fn.IsFunction() {
			continue
		}
		length, err := fn.Get("length")
		if err != nil {
			return nil, err
		}
		params, _ := length.AsNumber()
		methods[name] = int(params)
	}
	return methods, nil
}

// note says a difference of this Viewer on the console, once.
func (v *webViewer) note(what string) {
	if !slices.Contains(v.noted, what) {
		v.noted = append(v.noted, what)
		logInfo("the Rerun Viewer " + v.glue.version + " " + what)
	}
}

// method returns a WebHandle method, saying so plainly when this Viewer
// version does not have it.
func (v *webViewer) method(name string) error {
	if v.methods != nil {
		if _, ok := v.methods[name]; !ok {
			return errors.New("the Rerun Viewer " + v.glue.version + " does not support " + name)
		}
		return nil
	}
	fn, err := v.handle.Get(name)
	if err != nil {
		return err
	}
	if !fn.IsFunction() {
		return errors.New("the Rerun Viewer " + v.glue.version + " does not support " + name)
	}
	return nil
}

// call calls a WebHandle method.
func (v *webViewer) call(method string, args ...any) error {
	if err := v.method(method); err != nil {
		return err
	}
	if _, err := v.invoke(method, args...); err != nil {
		return errors.Join(errors.New("the Viewer rejected "+method), err)
	}
	return nil
}

// invoke calls a WebHandle method that method found: in one crossing when
// the probe found it a plain function of the WebHandle's prototype.
func (v *webViewer) invoke(method string, args ...any) (wasmjs.Value, error) {
	if v.methods != nil {
		return v.handle.CallMethod(method, args...)
	}
	return v.handle.Call(method, args...)
}

// get calls a WebHandle getter.
func (v *webViewer) get(method string, args ...any) (wasmjs.Value, error) {
	if err := v.method(method); err != nil {
		return wasmjs.Undefined(), err
	}
	return v.invoke(method, args...)
}

func (v *webViewer) sendData(channel string, kind messageKind, data payload) error {
	b, ok := data.(bytes)
	if !ok {
		return errors.New("the Viewer takes bytes only")
	}
	method := "send_rrd_to_channel"
	if kind == kindTable {
		method = "send_table_to_channel"
	}
	if channel == "" {
		return v.call(method, v.channelName, b.u8)
	}
	return v.call(method, channel, b.u8)
}

func (v *webViewer) openChannel(channel, name string) error {
	return v.call("open_channel", channel, name)
}

func (v *webViewer) closeChannel(channel string) error { return v.call("close_channel", channel) }

// openURL calls add_receiver as this Viewer declares it: with
// follow_if_http before 0.35, with the URL alone from then on.
func (v *webViewer) openURL(url string, follow bool) error {
	if params, known := v.methods["add_receiver"]; follow && known && params < 2 {
		v.note("opens URLs without follow_if_http (its add_receiver takes the URL alone)")
		follow = false
	}
	var err error
	if follow {
		err = v.call("add_receiver", url, true)
	} else {
		err = v.call("add_receiver", url) // as the notebook widget calls it
	}
	if err != nil {
		return err
	}
	return v.wake()
}

// wake has the Viewer draw a frame. From 0.26 on, add_receiver only queues
// the new source for the Viewer's next frame, and a Viewer with nothing
// moving draws none until some input comes: a URL opened in an idle
// Viewer would wait for a pointer move over it. A mouseleave on its canvas
// is input the Viewer answers with a frame; its only other effect is to
// drop the hover highlight of a pointer resting there until it moves.
func (v *webViewer) wake() error {
	mouseEvent, err := wasmjs.Global().Get("MouseEvent")
	if err != nil {
		return err
	}
	leave, err := mouseEvent.New("mouseleave")
	if err != nil {
		return err
	}
	_, err = v.canvas.Call("dispatchEvent", leave)
	return err
}
func (v *webViewer) closeURL(url string) error { return v.call("remove_receiver", url) }

func (v *webViewer) setRecordingID(id string) error {
	if err := v.call("set_active_recording_id", id); err != nil {
		return err
	}
	v.asked = id
	return nil
}

func (v *webViewer) setCredentials(accessToken, email string) error {
	return v.call("set_credentials", accessToken, email)
}

func (v *webViewer) overridePanel(panel, state string) error {
	var s any = wasmjs.Undefined() // the Viewer's default
	if state != "" {
		s = state
	}
	return v.call("override_panel_state", panel, s)
}

// timeCtrl applies a time_ctrl message to the active recording, as the
// notebook widget does: a nil timeline means the active one, a nil time
// leaves the time alone.
func (v *webViewer) timeCtrl(timeline *string, t *float64, play bool) error {
	rec, err := v.get("get_active_recording_id")
	if err != nil {
		return err
	}
	recID, ok := rec.AsString()
	if !ok && v.asked != "" {
		// The restored state, or the kernel, asked for a recording the
		// Viewer has not switched to yet: the time goes to it.
		recID, ok = v.asked, true
	}
	if !ok {
		return errors.New("time_ctrl: no recording is open yet")
	}
	return v.timeCtrlOn(recID, timeline, t, play)
}

// timeCtrlOn applies a time_ctrl message to the recording recID, active
// or not.
func (v *webViewer) timeCtrlOn(recID string, timeline *string, t *float64, play bool) error {
	active, err := v.get("get_active_timeline", recID)
	if err != nil {
		return err
	}
	activeName, hasActive := active.AsString()
	tl := activeName
	switch {
	case timeline != nil:
		tl = *timeline
	case !hasActive:
		return errors.New("time_ctrl: the recording has no active timeline")
	}
	if !hasActive || activeName != tl {
		if err := v.call("set_active_timeline", recID, tl); err != nil {
			return err
		}
	}
	if err := v.call("set_playing", recID, play); err != nil {
		return err
	}
	if t != nil {
		return v.call("set_time_for_timeline", recID, tl, *t)
	}
	return nil
}

func (v *webViewer) state() viewerState {
	var st viewerState
	rec, err := v.get("get_active_recording_id")
	if err != nil {
		return st
	}
	st.recordingID, _ = rec.AsString()
	if st.recordingID == "" {
		return st
	}
	if tl, err := v.get("get_active_timeline", st.recordingID); err == nil {
		st.timeline, _ = tl.AsString()
	}
	if st.timeline != "" {
		if t, err := v.get("get_time_for_timeline", st.recordingID, st.timeline); err == nil {
			st.time, _ = t.AsNumber()
		}
	}
	if p, err := v.get("get_playing", st.recordingID); err == nil {
		st.playing = p.Truthy()
	}
	return st
}

// restore names the recording it puts back wherever the Viewer takes one:
// the active recording becomes st's only in one of the Viewer's next
// frames, so the time cannot go to the active one.
func (v *webViewer) restore(st viewerState) error {
	if err := v.setRecordingID(st.recordingID); err != nil {
		return err
	}
	if st.timeline == "" {
		return nil
	}
	return v.timeCtrlOn(st.recordingID, &st.timeline, &st.time, st.playing)
}

func (v *webViewer) panicked() (string, bool) {
	p, err := v.get("has_panicked")
	if err != nil || !p.Truthy() {
		return "", false
	}
	msg := "the Viewer panicked"
	if m, err := v.get("panic_message"); err == nil {
		if s, ok := m.AsString(); ok {
			msg = s
		}
	}
	return msg, true
}

// close destroys and frees the WebHandle, deinits the glue instance so its
// Wasm memory can be collected, gives up the canvas's WebGL context and
// removes the canvas.
func (v *webViewer) close() {
	if !v.handle.IsUndefined() {
		if _, err := v.handle.Call("destroy"); err != nil {
			logError("destroy the Viewer: " + err.Error())
		}
		if _, err := v.handle.Call("free"); err != nil {
			logError("free the Viewer: " + err.Error())
		}
		v.handle = wasmjs.Undefined()
	}
	if !v.bg.IsUndefined() {
		if deinit, err := v.bg.Get("deinit"); err == nil && deinit.IsFunction() {
			if _, err := v.bg.Call("deinit"); err != nil {
				logError("release the Viewer glue: " + err.Error())
			}
		}
		v.bg = wasmjs.Undefined()
	}
	releaseContext(v.canvas)
	v.canvas.Call("remove")
	v.funcs.Release()
}

// releaseContext gives up a canvas's WebGL context now. A context lives
// until its canvas is garbage-collected, and the browser counts it against
// its 16 per page until then: it would take the context of a running
// Viewer away to make room for a new one.
func releaseContext(canvas wasmjs.Value) {
	gl, err := canvas.Call("getContext", "webgl2")
	if err != nil || gl.IsNullish() {
		return // another kind of context (WebGPU), or none
	}
	if ext, err := gl.Call("getExtension", "WEBGL_lose_context"); err == nil && !ext.IsNullish() {
		ext.Call("loseContext")
	}
}
