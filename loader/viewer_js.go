//go:build js

package loader

import (
	"errors"
	"syscall/js"

	"github.com/gorerun/loader/wasmjs"
)

// glueFactory is a module instance's wasm-bindgen glue: each call of create
// makes a glue instance with its own Wasm memory.
type glueFactory struct {
	create  js.Value
	version string // the Viewer's version, for messages
	// initTakesObject is whether the glue's init takes {module_or_path}
	// (detected at build time) rather than the module itself.
	initTakesObject bool
}

// viewerOptions are the WebHandle options that come from traits.
type viewerOptions struct {
	fallbackToken string
	hasToken      bool
	theme         string
}

// The panel states are not among them: they are applied with
// override_panel_state once the Viewer runs, as the notebook widget does
// (the constructor wants other spellings of the states).

// viewer is one running Viewer: a glue instance, its WebHandle on a
// canvas, and the recording channel the kernel's data goes to.
type viewer struct {
	glue    glueFactory
	bg      js.Value
	handle  js.Value
	canvas  js.Value
	channel string
	opts    viewerOptions
	funcs   wasmjs.Funcs
}

// startViewer instantiates a fresh glue instance on module, creates the
// WebHandle with the notebook's options, starts it on canvas and opens the
// channel. On error everything it made is released.
//
// Glue init and start run to completion even when ctx ends meanwhile:
// freeing what they made must not race them.
func startViewer(ctx wasmjs.Context, glue glueFactory, module, canvas js.Value, opts viewerOptions,
	onEvent func(json js.Value), channel string) (_ *viewer, err error) {
	v := &viewer{glue: glue, bg: js.Undefined(), handle: js.Undefined(), canvas: canvas, channel: channel, opts: opts}
	defer func() {
		if err != nil {
			v.close()
		}
	}()
	owned := wasmjs.Background()

	bg, err := wasmjs.Invoke(glue.create)
	if err != nil {
		return nil, errors.Join(errors.New("create the Viewer glue"), err)
	}
	var initArg any = module
	if glue.initTakesObject {
		o := js.Global().Get("Object").New()
		o.Set("module_or_path", module)
		initArg = o
	}
	initP, err := wasmjs.Invoke(bg, initArg)
	if err == nil {
		_, err = wasmjs.Await(owned, initP)
	}
	if err != nil {
		return nil, errors.Join(errors.New("instantiate the Viewer"), err)
	}
	v.bg = bg
	if ctx.Err() != nil {
		return nil, errCancelled
	}

	ctor, err := wasmjs.Get(bg, "WebHandle")
	if err != nil {
		return nil, err
	}
	handle, err := wasmjs.New(ctor, v.handleOptions(onEvent))
	if err != nil {
		return nil, errors.Join(errors.New("create the Viewer"), err)
	}
	v.handle = handle
	startP, err := wasmjs.Call(handle, "start", canvas)
	if err == nil {
		_, err = wasmjs.Await(owned, startP)
	}
	if err != nil {
		return nil, errors.Join(errors.New("start the Viewer"), err)
	}
	if ctx.Err() != nil {
		return nil, errCancelled
	}
	if err := v.call("open_channel", channel, "temp"); err != nil {
		return nil, errors.Join(errors.New("open the recording channel"), err)
	}
	return v, nil
}

// handleOptions builds the WebHandle options the notebook uses.
func (v *viewer) handleOptions(onEvent func(json js.Value)) js.Value {
	o := js.Global().Get("Object").New()
	o.Set("notebook", true)
	o.Set("hide_welcome_screen", true)
	o.Set("width", "100%")
	o.Set("height", "100%")
	if v.opts.hasToken {
		o.Set("fallback_token", v.opts.fallbackToken)
	}
	// Older Viewers know no theme; an option left out is one they never
	// have to reject.
	if v.opts.theme != "" {
		o.Set("theme", v.opts.theme)
	}
	o.Set("on_viewer_event", v.funcs.Func(func(_ js.Value, args []js.Value) any {
		onEvent(argAt(args, 0))
		return nil
	}))
	return o
}

// call calls a WebHandle method, saying so plainly when this Viewer
// version does not have it.
func (v *viewer) call(method string, args ...any) error {
	fn, err := wasmjs.Get(v.handle, method)
	if err != nil {
		return err
	}
	if !wasmjs.IsFunction(fn) {
		return errors.New("the Rerun Viewer " + v.glue.version + " does not support " + method)
	}
	if _, err := wasmjs.Call(v.handle, method, args...); err != nil {
		return errors.Join(errors.New("the Viewer rejected "+method), err)
	}
	return nil
}

// get calls a WebHandle getter that may be missing in this version.
func (v *viewer) get(method string, args ...any) (js.Value, error) {
	fn, err := wasmjs.Get(v.handle, method)
	if err != nil {
		return js.Undefined(), err
	}
	if !wasmjs.IsFunction(fn) {
		return js.Undefined(), errors.New("the Rerun Viewer " + v.glue.version + " does not support " + method)
	}
	return wasmjs.Call(v.handle, method, args...)
}

func (v *viewer) sendData(kind Kind, data js.Value) error {
	method := "send_rrd_to_channel"
	if kind == KindTable {
		method = "send_table_to_channel"
	}
	return v.call(method, v.channel, data)
}

// overridePanel applies one panel state; "" restores the default.
func (v *viewer) overridePanel(panel, state string) error {
	var s any = js.Undefined() // the Viewer's default
	if state != "" {
		s = state
	}
	return v.call("override_panel_state", panel, s)
}

// timeCtrl applies a time_ctrl message to the active recording, as the
// notebook widget does: a nil timeline means the active one, a nil time
// leaves the time alone.
func (v *viewer) timeCtrl(timeline *string, t *float64, play bool) error {
	rec, err := v.get("get_active_recording_id")
	if err != nil {
		return err
	}
	if rec.Type() != js.TypeString {
		return errors.New("time_ctrl: no recording is open yet")
	}
	active, err := v.get("get_active_timeline", rec)
	if err != nil {
		return err
	}
	tl := ""
	switch {
	case timeline != nil:
		tl = *timeline
	case active.Type() == js.TypeString:
		tl = active.String()
	default:
		return errors.New("time_ctrl: the recording has no active timeline")
	}
	if active.Type() != js.TypeString || active.String() != tl {
		if err := v.call("set_active_timeline", rec, tl); err != nil {
			return err
		}
	}
	if err := v.call("set_playing", rec, play); err != nil {
		return err
	}
	if t != nil {
		return v.call("set_time_for_timeline", rec, tl, *t)
	}
	return nil
}

// panicked reports whether the Viewer panicked, with its message.
func (v *viewer) panicked() (string, bool) {
	p, err := v.get("has_panicked")
	if err != nil || !p.Truthy() {
		return "", false
	}
	msg := "the Viewer panicked"
	if m, err := v.get("panic_message"); err == nil && m.Type() == js.TypeString {
		msg = m.String()
	}
	return msg, true
}

// close destroys and frees the WebHandle, deinits the glue instance so its
// Wasm memory can be collected, and removes the canvas.
func (v *viewer) close() {
	if !v.handle.IsUndefined() {
		if _, err := wasmjs.Call(v.handle, "destroy"); err != nil {
			logError("destroy the Viewer: " + err.Error())
		}
		if _, err := wasmjs.Call(v.handle, "free"); err != nil {
			logError("free the Viewer: " + err.Error())
		}
		v.handle = js.Undefined()
	}
	if !v.bg.IsUndefined() {
		if deinit, err := wasmjs.Get(v.bg, "deinit"); err == nil && wasmjs.IsFunction(deinit) {
			if _, err := wasmjs.Call(v.bg, "deinit"); err != nil {
				logError("release the Viewer glue: " + err.Error())
			}
		}
		v.bg = js.Undefined()
	}
	v.canvas.Call("remove")
	v.funcs.Release()
}
