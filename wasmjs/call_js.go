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
	Value Value
}

// Error returns the JavaScript error's name and message, or the thrown
// value converted to a string when it is not an Error.
func (e *Error) Error() string {
	return describe(e.Value)
}

// Name returns the JavaScript error's name ("TypeError", "AbortError", …),
// or "" when the thrown value has none.
func (e *Error) Name() string {
	name, err := e.Value.Get("name")
	if err != nil {
		return ""
	}
	s, _ := name.AsString()
	return s
}

// describe turns any thrown value into text without ever throwing itself:
// getters and toString can throw.
func describe(v Value) string {
	if msg, err := v.Get("message"); err == nil {
		if m, ok := msg.AsString(); ok {
			if name, err := v.Get("name"); err == nil {
				if n, ok := name.AsString(); ok && n != "" {
					return n + ": " + m
				}
			}
			return m
		}
	}
	s, err := Global().invokeMember("String", v)
	if err != nil {
		return "non-printable JavaScript exception"
	}
	return s.String()
}

// invokeMember calls the global function v[name] with an undefined this.
func (v Value) invokeMember(name string, args ...any) (Value, error) {
	fn, err := v.Get(name)
	if err != nil {
		return Undefined(), err
	}
	return fn.Invoke(args...)
}

// ErrorValue converts a Go error into a JavaScript Error, passing a wrapped
// JavaScript exception through unchanged so its stack survives.
func ErrorValue(err error) Value {
	if jsErr, ok := As[*Error](err); ok && jsErr.Error() == err.Error() {
		return jsErr.Value
	}
	v, e := Global().invokeMember("Error", err.Error())
	if e != nil {
		return Undefined()
	}
	return v
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
		*err = &Error{Value: Value{x.Value}}
	case *js.ValueError:
		*err = x
	case error:
		*err = x
	case string:
		// syscall/js panics with a plain string for some misuse, such as
		// converting a Go value it does not know.
		if !strings.HasPrefix(x, "ValueOf: ") && !strings.HasPrefix(x, "syscall/js: ") {
			panic(r)
		}
		*err = errors.New(x)
	default:
		panic(r)
	}
}
