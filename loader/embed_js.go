//go:build js

package loader

import (
	"errors"
	"github.com/gorerun/loader/names"
	"slices"

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
//   - onEvent(content): "ready", then each Viewer event as its JSON text,
//     and each lifecycle event (names.LifecycleEvents) as its name;
//   - onFailure(title, detail): the widget failed (it shows why itself);
//   - onHandle(handle): the running Viewer's WebHandle, after every start
//     and restart, and null when it stops, so that the page calls its
//     getters and channels (which the widget protocol has no messages
//     for) directly.
//
// It returns a controller, {set(trait, value), post(content, bytes,
// byteLength, problem)},
// whose functions live until signal aborts, or an Error.
func embed(p *page, args []wasmjs.Value) any {
	return hostCall("embed", args, func(r *propReader, early *earlyFetch) any {
		return embedWith(p, r, early)
	})
}

func embedWith(p *page, r *propReader, early *earlyFetch) any {
	h := readHostProps(r, early)
	initial := r.object(names.PropTraits)
	onEvent := r.function(names.PropOnEvent)
	onFailure := r.function(names.PropOnFailure)
	onHandle := r.function(names.PropOnHandle)
	h.glue.options = r.get(names.PropOptions)
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
	starter := &embedStarter{glue: h.glue, onHandle: func(handle any) { onHandle.Invoke(handle) }}
	var funcs wasmjs.Funcs
	controller := map[string]any{
		names.ControllerSet: funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			return errorOrNil(setTrait(model, args))
		}),
		names.ControllerPost: funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
			return errorOrNil(postMessage(model, args))
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
			lifecycle: func(event string) {
				onEvent.Invoke(event)
			},
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

// postMessage is the controller's post(content, bytes, byteLength,
// problem): a message as a kernel would send it, its buffer handed over as
// payloadOf reads it.
func postMessage(m *localModel, args []wasmjs.Value) error {
	return m.post(message{content: fieldOf(wasmjs.Arg(args, 0)), payload: payloadOf(args, 1)})
}

// embedStarter starts a page's Viewers and hands the page each one's
// WebHandle while it runs.
type embedStarter struct {
	glue     glueFactory
	onHandle func(handle any)
}

func (s *embedStarter) start(ctx wasmjs.Context, m module, canvas any, opts viewerOptions,
	onEvent func(string), channel string) (viewer, error) {
	v, err := s.glue.startWeb(ctx, m, canvas, opts, onEvent, channel)
	if err != nil {
		return nil, err
	}
	s.onHandle(v.handle)
	return handedViewer{v, s}, nil
}

// handedViewer is a started Viewer whose handle the page holds: closing
// it takes the handle back first. A widget closes its Viewer before it
// starts another, so the page never loses a newer handle.
type handedViewer struct {
	*webViewer
	starter *embedStarter
}

func (v handedViewer) close() {
	v.starter.onHandle(nil)
	v.webViewer.close()
}
