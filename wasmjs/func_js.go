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

// crossings counts this package's crossings between Go and JavaScript:
// each call into JavaScript (a read, a write, a call, a string's text)
// and each call of a Func from JavaScript. JavaScript runs Go on one
// thread, so it needs no lock.
var crossings int64

// Crossings returns how many times Go and JavaScript crossed through this
// package so far: what a path costs, for tests and benchmarks.
func Crossings() int64 { return crossings }

// Func is a Go function handed to JavaScript. Pass it as an argument to
// Call, Invoke, New or Set.
type Func struct{ f js.Func }

// Value returns the JavaScript function.
func (f Func) Value() Value { return Value{f.f.Value} }

// newFunc wraps fn for JavaScript. A panic in fn is recovered and reported
// on the console, and a result syscall/js cannot convert becomes
// undefined: either would otherwise stop the Go runtime every widget on
// the page shares. Every Func of the package is made here and released by
// release, which keeps liveFuncs right.
func newFunc(fn func(this Value, args []Value) any) Func {
	liveFuncs.Add(1)
	return Func{js.FuncOf(func(this js.Value, args []js.Value) (result any) {
		crossings++
		defer func() {
			if r := recover(); r != nil {
				msg := "wasmjs: Go callback panicked"
				if e, ok := r.(error); ok {
					msg += ": " + e.Error()
				} else if s, ok := r.(string); ok {
					msg += ": " + s
				}
				consoleError(msg)
				result = nil
			}
		}()
		wrapped := make([]Value, len(args))
		for i, a := range args {
			wrapped[i] = Value{a}
		}
		v, err := ValueOf(fn(Value{this}, wrapped))
		if err != nil {
			consoleError("wasmjs: Go callback returned a value JavaScript cannot hold: " + err.Error())
			return nil
		}
		return v.v
	})}
}

func release(f Func) {
	liveFuncs.Add(-1)
	f.f.Release()
}

// consoleError writes msg to the console, if there is one.
func consoleError(msg string) {
	if console, err := Global().Get("console"); err == nil {
		console.Call("error", msg)
	}
}

// Funcs owns Go functions handed to JavaScript and releases them together.
// Its zero value is ready to use.
type Funcs struct {
	mu       sync.Mutex
	funcs    []Func
	released bool
}

// Func wraps fn as a JavaScript function owned by fs. fn must not block:
// syscall/js runs it while the JavaScript event loop waits. A panic in fn
// is recovered and reported on the console.
//
// Detach the function from everything that can call it before Release:
// syscall/js reports a call of a released function on the console.
func (fs *Funcs) Func(fn func(this Value, args []Value) any) Func {
	f := newFunc(fn)
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
	target Value
	event  string
	fn     Func
	once   sync.Once
}

// AddEventListener calls target.addEventListener(event, fn) with a Func
// that the returned Listener owns.
func AddEventListener(target Value, event string, fn func(ev Value)) (*Listener, error) {
	l := &Listener{target: target, event: event}
	l.fn = newFunc(func(_ Value, args []Value) any {
		fn(Arg(args, 0))
		return nil
	})
	if _, err := target.Call("addEventListener", event, l.fn); err != nil {
		release(l.fn)
		return nil, err
	}
	return l, nil
}

// Remove removes the listener and releases its Func. It is safe to call
// more than once.
func (l *Listener) Remove() {
	l.once.Do(func() {
		l.target.Call("removeEventListener", l.event, l.fn)
		release(l.fn)
	})
}

// WithSignal returns a context that is cancelled when the JavaScript
// AbortSignal aborts (or already has), or when parent ends. Cancelling the
// returned context removes the listener from the signal. A signal that is
// null or undefined never aborts.
func WithSignal(parent Context, signal Value) (Context, func(), error) {
	ctx, cancel := WithCancel(parent)
	if signal.IsNullish() {
		return ctx, cancel, nil
	}
	aborted, err := signal.Get("aborted")
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if aborted.Truthy() {
		cancel()
		return ctx, cancel, nil
	}
	l, err := AddEventListener(signal, "abort", func(Value) { cancel() })
	if err != nil {
		cancel()
		return nil, nil, err
	}
	AfterFunc(ctx, l.Remove)
	return ctx, cancel, nil
}

// Arg returns args[i], or undefined when the caller passed fewer arguments.
func Arg(args []Value, i int) Value {
	if i < len(args) {
		return args[i]
	}
	return Undefined()
}
