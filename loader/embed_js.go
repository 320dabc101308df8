//go:build js

package loader

import (
	"errors"
	"slices"
	"sync"

	"github.com/gorerun/loader/wasmjs"
)

// embed is the Go side of WebViewer.start, and so of mount() and
// <rerun-viewer>: a Viewer in an element of any web page, which the page
// drives through a localModel instead of a kernel. Besides hostProps, props
// carry:
//
//   - traits: the initial _width, _height, _theme, _fallback_token,
//     _panel_states and _url;
//   - options: more WebHandle options (WebViewer.start's), passed on;
//   - onEvent(content): "ready", then each Viewer event as its JSON text;
//   - onFailure(title, detail): the widget failed (it shows why itself).
//
// It returns a controller, {set(trait, value), post(content, bytes),
// call(method, ...args)}, whose functions live until signal aborts, or an
// Error.
func embed(p *page, args []wasmjs.Value) any {
	return hostCall("embed", args, func(r *propReader, early *earlyFetch) any {
		return embedWith(p, r, early)
	})
}

func embedWith(p *page, r *propReader, early *earlyFetch) any {
	h := readHostProps(r, early)
	initial := r.object("traits")
	onEvent := r.function("onEvent")
	onFailure := r.function("onFailure")
	h.glue.options = r.get("options")
	if r.err != nil {
		return wasmjs.ErrorValue(r.err)
	}
	values := map[string]field{}
	for _, name := range traits {
		v, err := initial.Get(name)
		if err != nil {
			return wasmjs.ErrorValue(errors.Join(errors.New("rerun loader: embed: traits."+name), err))
		}
		values[name] = fieldOf(v)
	}
	model := newLocalModel(values, func(content any) error {
		_, err := onEvent.Invoke(content)
		return err
	})
	starter := &embedStarter{glue: h.glue}
	var funcs wasmjs.Funcs
	controller := map[string]any{
		"set": funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			return errorOrNil(setTrait(model, args))
		}),
		"post": funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			return errorOrNil(postMessage(model, args))
		}),
		"call": funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			return starter.call(args)
		}),
	}
	failed := h.start(p, func(ctx wasmjs.Context, widgetUI ui) widgetParts {
		// JavaScript drops the controller when it aborts the signal.
		wasmjs.AfterFunc(ctx, funcs.Release)
		return widgetParts{
			model: model,
			ui: &reportingUI{widgetUI, func(title, detail string) {
				onFailure.Invoke(title, detail)
			}},
			starter: starter,
			src:     h.src,
			simd:    simdSupported,
		}
	})
	if failed != nil {
		funcs.Release()
		return failed
	}
	return controller
}

func errorOrNil(err error) any {
	if err != nil {
		return wasmjs.ErrorValue(err)
	}
	return nil
}

// setTrait is the controller's set(trait, value).
func setTrait(m *localModel, args []wasmjs.Value) error {
	name, _ := wasmjs.Arg(args, 0).AsString()
	if !slices.Contains(traits, name) {
		return errors.New("rerun loader: no such setting: " + quote(name))
	}
	return m.set(name, fieldOf(wasmjs.Arg(args, 1)))
}

// postMessage is the controller's post(content, bytes): a message as a
// kernel would send it, with bytes as its buffer.
func postMessage(m *localModel, args []wasmjs.Value) error {
	buffer := wasmjs.Arg(args, 1)
	return m.post(message{
		content: fieldOf(wasmjs.Arg(args, 0)),
		payload: func() (payload, error) { return bytesOf(buffer, "the data") },
	})
}

// embedStarter starts a page's Viewers and keeps the running one at hand
// for the page's direct calls (get_current_time, open_channel, …), which
// the widget protocol has no messages for.
type embedStarter struct {
	glue glueFactory

	mu      sync.Mutex
	running *webViewer
}

func (s *embedStarter) start(ctx wasmjs.Context, m module, canvas any, opts viewerOptions,
	onEvent func(any), channel string) (viewer, error) {
	v, err := s.glue.startWeb(ctx, m, canvas, opts, onEvent, channel)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.running = v
	s.mu.Unlock()
	return runningViewer{v, s}, nil
}

// runningViewer is a started Viewer that its starter forgets when it
// closes.
type runningViewer struct {
	*webViewer
	starter *embedStarter
}

func (v runningViewer) close() {
	v.starter.mu.Lock()
	if v.starter.running == v.webViewer {
		v.starter.running = nil
	}
	v.starter.mu.Unlock()
	v.webViewer.close()
}

// call is the controller's call(method, ...args): a WebHandle method of
// the running Viewer, its result, or an Error.
func (s *embedStarter) call(args []wasmjs.Value) any {
	method, _ := wasmjs.Arg(args, 0).AsString()
	s.mu.Lock()
	v := s.running
	s.mu.Unlock()
	if v == nil {
		return wasmjs.ErrorValue(errors.New("the Rerun Viewer is not running (it is starting, restarting, stopped or crashed)"))
	}
	rest := make([]any, 0, len(args))
	for _, a := range args[min(1, len(args)):] {
		rest = append(rest, a)
	}
	result, err := v.get(method, rest...)
	if err != nil {
		return wasmjs.ErrorValue(err)
	}
	return result
}
