//go:build js

package wasmjs

import (
	"errors"
	"syscall/js"
)

// Error is a value thrown by JavaScript (or a promise's rejection reason)
// seen from Go.
type Error struct {
	// Value is what was thrown: usually an Error object, but JavaScript can
	// throw anything.
	Value js.Value
}

// Error returns the JavaScript error's name and message, or the thrown
// value converted to a string when it is not an Error.
func (e *Error) Error() string {
	return describe(e.Value)
}

// Name returns the JavaScript error's name ("TypeError", "AbortError", …),
// or "" when the thrown value has none.
func (e *Error) Name() string {
	if e.Value.Type() != js.TypeObject {
		return ""
	}
	name := e.Value.Get("name")
	if name.Type() != js.TypeString {
		return ""
	}
	return name.String()
}

// describe turns any thrown value into text without ever throwing itself:
// String(x) on an object with a hostile toString can throw.
func describe(v js.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "non-printable JavaScript exception"
		}
	}()
	switch v.Type() {
	case js.TypeObject, js.TypeFunction:
		msg := v.Get("message")
		if msg.Type() == js.TypeString {
			name := v.Get("name")
			if name.Type() == js.TypeString && name.String() != "" {
				return name.String() + ": " + msg.String()
			}
			return msg.String()
		}
	}
	return js.Global().Get("String").Invoke(v).String()
}

// ErrorValue converts a Go error into a JavaScript Error, passing a wrapped
// JavaScript exception through unchanged so its stack survives.
func ErrorValue(err error) js.Value {
	var jsErr *Error
	if errors.As(err, &jsErr) && jsErr.Error() == err.Error() {
		return jsErr.Value
	}
	return js.Global().Get("Error").New(err.Error())
}

// catch turns a panic raised by syscall/js (a thrown js.Error or a
// js.ValueError from using a value of the wrong type) into an error.
func catch(err *error) {
	r := recover()
	if r == nil {
		return
	}
	switch x := r.(type) {
	case js.Error:
		*err = &Error{Value: x.Value}
	case *js.ValueError:
		*err = x
	case error:
		*err = x
	default:
		panic(r)
	}
}

// Call calls v[method](args...) and returns its result, or the exception it
// threw as an *Error.
func Call(v js.Value, method string, args ...any) (result js.Value, err error) {
	defer catch(&err)
	return v.Call(method, args...), nil
}

// Invoke calls the function fn(args...) with an undefined this.
func Invoke(fn js.Value, args ...any) (result js.Value, err error) {
	defer catch(&err)
	return fn.Invoke(args...), nil
}

// New calls new ctor(args...).
func New(ctor js.Value, args ...any) (result js.Value, err error) {
	defer catch(&err)
	return ctor.New(args...), nil
}

// Get reads v[name]; getters can throw and v may not be an object.
func Get(v js.Value, name string) (result js.Value, err error) {
	defer catch(&err)
	return v.Get(name), nil
}

// Set assigns v[name] = x; setters can throw and v may not be an object.
func Set(v js.Value, name string, x any) (err error) {
	defer catch(&err)
	v.Set(name, x)
	return nil
}

// IsFunction reports whether v is callable.
func IsFunction(v js.Value) bool {
	return v.Type() == js.TypeFunction
}

// Global returns globalThis[name].
func Global(name string) js.Value {
	return js.Global().Get(name)
}
