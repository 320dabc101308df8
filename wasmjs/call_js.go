//go:build js

package wasmjs

import (
	"errors"
	"strings"
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
	name, err := Get(e.Value, "name")
	if err != nil || name.Type() != js.TypeString {
		return ""
	}
	return name.String()
}

// describe turns any thrown value into text without ever throwing itself:
// getters and toString can throw.
func describe(v js.Value) string {
	if msg, err := Get(v, "message"); err == nil && msg.Type() == js.TypeString {
		if name, err := Get(v, "name"); err == nil && name.Type() == js.TypeString && name.String() != "" {
			return name.String() + ": " + msg.String()
		}
		return msg.String()
	}
	s, err := Invoke(js.Global().Get("String"), v)
	if err != nil {
		return "non-printable JavaScript exception"
	}
	return s.String()
}

// ErrorValue converts a Go error into a JavaScript Error, passing a wrapped
// JavaScript exception through unchanged so its stack survives.
func ErrorValue(err error) js.Value {
	if jsErr, ok := As[*Error](err); ok && jsErr.Error() == err.Error() {
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
	case string:
		// syscall/js panics with a plain string for some misuse, such as
		// calling a property that is not a function.
		if !strings.HasPrefix(x, "syscall/js: ") {
			panic(r)
		}
		*err = errors.New(x)
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

// Get reads v[name]. A getter may throw, and syscall/js's own Get lets
// that exception escape through the Go runtime and kill it, so objects
// are read through Reflect.get, whose exceptions Call catches.
func Get(v js.Value, name string) (js.Value, error) {
	switch v.Type() {
	case js.TypeObject, js.TypeFunction:
		return Call(reflectObject(), "get", v, name)
	case js.TypeUndefined, js.TypeNull:
		return js.Undefined(), errors.New("cannot read " + strconvQuote(name) + " of " + v.Type().String())
	}
	// syscall/js reads properties of objects only; a primitive has none
	// worth reading here.
	return js.Undefined(), nil
}

// Set assigns v[name] = x through Reflect.set, for the same reason as Get.
func Set(v js.Value, name string, x any) error {
	if t := v.Type(); t != js.TypeObject && t != js.TypeFunction {
		return errors.New("cannot set " + strconvQuote(name) + " on " + t.String())
	}
	ok, err := Call(reflectObject(), "set", v, name, x)
	if err != nil {
		return err
	}
	if !ok.Truthy() {
		return errors.New("cannot set " + strconvQuote(name) + ": the object refused it")
	}
	return nil
}

func reflectObject() js.Value { return js.Global().Get("Reflect") }

func strconvQuote(s string) string { return `"` + s + `"` }

// IsFunction reports whether v is callable.
func IsFunction(v js.Value) bool {
	return v.Type() == js.TypeFunction
}

// Global returns globalThis[name].
func Global(name string) js.Value {
	return js.Global().Get(name)
}

// As is errors.As for one error type, found by walking the Unwrap chain
// and trees. The errors package's own As and Is link a reflection package
// into the Wasm.
func As[T error](err error) (T, bool) {
	switch e := err.(type) {
	case nil:
	case T:
		return e, true
	case interface{ Unwrap() error }:
		return As[T](e.Unwrap())
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			if t, ok := As[T](inner); ok {
				return t, true
			}
		}
	}
	var zero T
	return zero, false
}
