//go:build js

package wasmjs

import (
	"sync"
	"sync/atomic"
	"syscall/js"
)

// liveFuncs counts the js.Funcs this package made and has not released.
var liveFuncs atomic.Int64

// LiveFuncs returns how many Go functions handed to JavaScript by this
// package are still alive: a leak check for tests and debugging.
func LiveFuncs() int64 { return liveFuncs.Load() }

// newFunc and release keep liveFuncs right; every js.Func of the package
// goes through them.
func newFunc(fn func(this js.Value, args []js.Value) any) js.Func {
	liveFuncs.Add(1)
	return js.FuncOf(fn)
}

func release(f js.Func) {
	liveFuncs.Add(-1)
	f.Release()
}

// Funcs owns Go functions handed to JavaScript and releases them together.
// Its zero value is ready to use.
type Funcs struct {
	mu       sync.Mutex
	funcs    []js.Func
	released bool
}

// Func wraps fn as a JavaScript function owned by fs. fn must not block:
// syscall/js runs it while the JavaScript event loop waits. A panic in fn
// is recovered and reported on the console, so a bug in one callback does
// not kill the Go runtime that every widget on the page shares.
//
// Detach the function from everything that can call it before Release:
// syscall/js reports a call of a released function on the console.
func (fs *Funcs) Func(fn func(this js.Value, args []js.Value) any) js.Func {
	f := newFunc(func(this js.Value, args []js.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				msg := "wasmjs: Go callback panicked"
				if e, ok := r.(error); ok {
					msg += ": " + e.Error()
				}
				js.Global().Get("console").Call("error", msg)
				result = nil
			}
		}()
		return fn(this, args)
	})
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.released {
		// Owner already gone: hand out a function that is already dead.
		release(f)
		return f
	}
	fs.funcs = append(fs.funcs, f)
	return f
}

// Release releases every function made by fs. Call it only once nothing in
// JavaScript can call them any more (listeners removed, promises settled).
func (fs *Funcs) Release() {
	fs.mu.Lock()
	funcs := fs.funcs
	fs.funcs, fs.released = nil, true
	fs.mu.Unlock()
	for _, f := range funcs {
		release(f)
	}
}

// Listener is an event listener added by AddEventListener.
type Listener struct {
	target js.Value
	event  string
	fn     js.Func
	once   sync.Once
}

// AddEventListener calls target.addEventListener(event, fn) with a Func
// that the returned Listener owns.
func AddEventListener(target js.Value, event string, fn func(ev js.Value)) (*Listener, error) {
	l := &Listener{target: target, event: event}
	l.fn = newFunc(func(_ js.Value, args []js.Value) any {
		fn(arg(args, 0))
		return nil
	})
	if _, err := Call(target, "addEventListener", event, l.fn); err != nil {
		release(l.fn)
		return nil, err
	}
	return l, nil
}

// Remove removes the listener and releases its Func. It is safe to call
// more than once.
func (l *Listener) Remove() {
	l.once.Do(func() {
		Call(l.target, "removeEventListener", l.event, l.fn)
		release(l.fn)
	})
}

// WithSignal returns a context that is cancelled when the JavaScript
// AbortSignal aborts (or already has), or when parent ends. Cancelling the
// returned context removes the listener from the signal. A signal that is
// null or undefined never aborts.
func WithSignal(parent Context, signal js.Value) (Context, func(), error) {
	ctx, cancel := WithCancel(parent)
	if signal.IsNull() || signal.IsUndefined() {
		return ctx, cancel, nil
	}
	aborted, err := Get(signal, "aborted")
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if aborted.Truthy() {
		cancel()
		return ctx, cancel, nil
	}
	l, err := AddEventListener(signal, "abort", func(js.Value) { cancel() })
	if err != nil {
		cancel()
		return nil, nil, err
	}
	AfterFunc(ctx, l.Remove)
	return ctx, cancel, nil
}
