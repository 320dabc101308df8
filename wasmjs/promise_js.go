//go:build js

package wasmjs

import "sync"

// Await waits, in the calling goroutine, for v to settle when it is a
// thenable, and returns v itself when it is not (like JavaScript's await).
// A rejection is returned as an *Error.
//
// When ctx ends first, Await returns ctx.Err() at once; the callbacks it
// gave to the promise stay registered until the promise settles and then
// release themselves, so a late settlement never calls a released Func.
func Await(ctx Context, v Value) (Value, error) {
	if !v.IsObject() {
		return v, nil
	}
	then, err := v.Get("then")
	if err != nil {
		return Undefined(), err
	}
	if !then.IsFunction() {
		return v, nil
	}

	type outcome struct {
		value Value
		err   error
	}
	settled := make(chan outcome, 1)
	var (
		once                sync.Once
		onResolve, onReject Func
	)
	settle := func(o outcome) {
		once.Do(func() {
			settled <- o
			release(onResolve)
			release(onReject)
		})
	}
	onResolve = newFunc(func(_ Value, args []Value) any {
		settle(outcome{value: Arg(args, 0)})
		return nil
	})
	onReject = newFunc(func(_ Value, args []Value) any {
		settle(outcome{err: &Error{Value: Arg(args, 0)}})
		return nil
	})
	if _, err := v.Call("then", onResolve, onReject); err != nil {
		settle(outcome{err: err})
	}

	select {
	case o := <-settled:
		return o.value, o.err
	case <-ctx.Done():
		return Undefined(), ctx.Err()
	}
}
