//go:build js

package wasmjs

import (
	"errors"
	"sync"
	"syscall/js"
)

// Await waits, in the calling goroutine, for v to settle when it is a
// thenable, and returns v itself when it is not (like JavaScript's await).
// A rejection is returned as an *Error.
//
// When ctx ends first, Await returns ctx.Err() at once; the callbacks it
// gave to the promise stay registered until the promise settles and then
// release themselves, so a late settlement never calls a released Func.
func Await(ctx Context, v js.Value) (js.Value, error) {
	if v.Type() != js.TypeObject && v.Type() != js.TypeFunction {
		return v, nil
	}
	then, err := Get(v, "then")
	if err != nil {
		return js.Undefined(), err
	}
	if !IsFunction(then) {
		return v, nil
	}

	type outcome struct {
		value js.Value
		err   error
	}
	settled := make(chan outcome, 1)
	var (
		once                sync.Once
		onResolve, onReject js.Func
	)
	settle := func(o outcome) {
		once.Do(func() {
			settled <- o
			release(onResolve)
			release(onReject)
		})
	}
	onResolve = newFunc(func(_ js.Value, args []js.Value) any {
		settle(outcome{value: arg(args, 0)})
		return nil
	})
	onReject = newFunc(func(_ js.Value, args []js.Value) any {
		settle(outcome{err: &Error{Value: arg(args, 0)}})
		return nil
	})
	if _, err := Call(v, "then", onResolve, onReject); err != nil {
		settle(outcome{err: err})
	}

	select {
	case o := <-settled:
		return o.value, o.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// Promise returns a JavaScript Promise settled by fn, which runs in its own
// goroutine so the caller (usually a js.FuncOf callback) never blocks. A
// non-nil error rejects the promise with an Error carrying its message.
func Promise(fn func() (any, error)) js.Value {
	executor := newFunc(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := runGuarded(fn)
			if err != nil {
				reject.Invoke(ErrorValue(err))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	// The Promise constructor runs the executor synchronously, so the Func
	// is no longer needed once New returns.
	defer release(executor)
	return js.Global().Get("Promise").New(executor)
}

// errPanicked reports a panic in Go code run on behalf of JavaScript.
var errPanicked = errors.New("wasmjs: Go code panicked")

// runGuarded runs fn and turns a panic into an error, so that a bug in one
// widget rejects its promise instead of killing the Go runtime for the page.
func runGuarded(fn func() (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = errors.Join(errPanicked, e)
				return
			}
			err = errPanicked
		}
	}()
	return fn()
}

// arg returns args[i], or undefined when the caller passed fewer arguments.
func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}
