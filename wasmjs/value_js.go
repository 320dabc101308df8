//go:build js

package wasmjs

import (
	"errors"
	"syscall/js"
)

// Value is a JavaScript value whose every operation that can throw returns
// an error instead: syscall/js panics on a thrown exception, a getter or
// proxy trap that throws, or a value of the wrong type, and an unrecovered
// panic stops the Go runtime every widget on the page shares. The zero
// Value is undefined.
type Value struct{ v js.Value }

// Type is the JavaScript type of a Value.
type Type = js.Type

// The JavaScript types, so callers need not import syscall/js.
const (
	TypeUndefined = js.TypeUndefined
	TypeNull      = js.TypeNull
	TypeBoolean   = js.TypeBoolean
	TypeNumber    = js.TypeNumber
	TypeString    = js.TypeString
	TypeSymbol    = js.TypeSymbol
	TypeObject    = js.TypeObject
	TypeFunction  = js.TypeFunction
)

// Global returns globalThis.
func Global() Value { return Value{js.Global()} }

// Undefined returns undefined.
func Undefined() Value { return Value{js.Undefined()} }

// Null returns null.
func Null() Value { return Value{js.Null()} }

// ValueOf converts a Go value as syscall/js's ValueOf does (numbers,
// strings, booleans, nil, []any, map[string]any, Values and Funcs) and
// reports what it cannot convert instead of panicking.
func ValueOf(x any) (result Value, err error) {
	defer catch(&err)
	return Value{js.ValueOf(toJS(x))}, nil
}

// Type returns v's JavaScript type.
func (v Value) Type() Type { return v.v.Type() }

// IsUndefined reports whether v is undefined.
func (v Value) IsUndefined() bool { return v.v.IsUndefined() }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.v.IsNull() }

// IsNullish reports whether v is null or undefined.
func (v Value) IsNullish() bool { return v.v.IsNull() || v.v.IsUndefined() }

// IsObject reports whether v is an object or a function: something with
// properties.
func (v Value) IsObject() bool {
	t := v.v.Type()
	return t == TypeObject || t == TypeFunction
}

// IsFunction reports whether v is callable.
func (v Value) IsFunction() bool { return v.v.Type() == TypeFunction }

// Truthy reports whether v is truthy in JavaScript.
func (v Value) Truthy() bool { return v.v.Truthy() }

// Equal reports whether v and w are the same value (===).
func (v Value) Equal(w Value) bool { return v.v.Equal(w.v) }

// String returns v when it is a string, and a description like
// "<object>" otherwise; it never calls into JavaScript code.
func (v Value) String() string { return v.v.String() }

// AsString returns v when it is a string.
func (v Value) AsString() (string, bool) {
	if v.v.Type() != TypeString {
		return "", false
	}
	crossings++
	return v.v.String(), true
}

// AsNumber returns v when it is a number.
func (v Value) AsNumber() (float64, bool) {
	if v.v.Type() != TypeNumber {
		return 0, false
	}
	return v.v.Float(), true
}

// AsBool returns v when it is a boolean.
func (v Value) AsBool() (bool, bool) {
	if v.v.Type() != TypeBoolean {
		return false, false
	}
	return v.v.Bool(), true
}

// Int returns v as an int when it is a number, else 0.
func (v Value) Int() int {
	f, _ := v.AsNumber()
	return int(f)
}

// Get reads v[name]. Objects are read through Reflect.get, whose
// exceptions (a throwing getter, a proxy trap, a detached buffer's view)
// come back as an error; syscall/js's own Get would let them stop the Go
// runtime.
func (v Value) Get(name string) (Value, error) {
	switch v.Type() {
	case TypeObject, TypeFunction:
		return call(func() js.Value { return reflectObject().Call("get", v.v, name) })
	case TypeUndefined, TypeNull:
		return Undefined(), errors.New("cannot read " + quote(name) + " of " + v.Type().String())
	}
	// A primitive's properties are not worth reading here.
	return Undefined(), nil
}

// Set assigns v[name] = x through Reflect.set, for the same reason as Get.
func (v Value) Set(name string, x any) error {
	if !v.IsObject() {
		return errors.New("cannot set " + quote(name) + " on " + v.Type().String())
	}
	ok, err := call(func() js.Value { return reflectObject().Call("set", v.v, name, toJS(x)) })
	if err != nil {
		return err
	}
	if !ok.Truthy() {
		return errors.New("cannot set " + quote(name) + ": the object refused it")
	}
	return nil
}

// Call calls v[method](args...) and returns its result, or the exception it
// threw as an *Error. The method is read once, through Get, and applied
// with Reflect.apply: syscall/js's own Call reads it a second time when the
// call fails, and a throwing getter there would stop the Go runtime.
func (v Value) Call(method string, args ...any) (Value, error) {
	fn, err := v.Get(method)
	if err != nil {
		return Undefined(), err
	}
	if !fn.IsFunction() {
		return Undefined(), errors.New(quote(method) + " is not a function")
	}
	return call(func() js.Value { return reflectObject().Call("apply", fn.v, v.v, jsArgs(args)) })
}

// CallMethod calls v[method](args...) in one crossing, where Call takes
// two. It is for a method the caller knows to be a plain function of v
// (found on its prototype as a data property, not a getter): syscall/js
// reads the method a second time when the call throws.
func (v Value) CallMethod(method string, args ...any) (Value, error) {
	if !v.IsObject() {
		return Undefined(), errors.New("cannot call " + quote(method) + " of " + v.Type().String())
	}
	return call(func() js.Value { return v.v.Call(method, jsArgs(args)...) })
}

// Invoke calls v(args...) with an undefined this.
func (v Value) Invoke(args ...any) (Value, error) {
	if !v.IsFunction() {
		return Undefined(), errors.New("cannot call " + v.Type().String() + ": not a function")
	}
	return call(func() js.Value { return v.v.Invoke(jsArgs(args)...) })
}

// New calls new v(args...).
func (v Value) New(args ...any) (Value, error) {
	if !v.IsFunction() {
		return Undefined(), errors.New("cannot construct " + v.Type().String() + ": not a constructor")
	}
	return call(func() js.Value { return v.v.New(jsArgs(args)...) })
}

func call(f func() js.Value) (result Value, err error) {
	crossings++
	defer catch(&err)
	return Value{f()}, nil
}

// reflect is the Reflect built-in, whose methods throw only what the
// object they work on throws. It is read once: a read is a crossing.
var reflect js.Value

func reflectObject() js.Value {
	if reflect.IsUndefined() {
		crossings++
		reflect = js.Global().Get("Reflect")
	}
	return reflect
}

func quote(s string) string { return `"` + s + `"` }

// jsArgs unwraps the Values and Funcs among args for syscall/js.
func jsArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = toJS(a)
	}
	return out
}

func toJS(x any) any {
	switch x := x.(type) {
	case Value:
		return x.v
	case Func:
		return x.f
	case *Error:
		return x.Value.v
	case []any:
		return jsArgs(x)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = toJS(e)
		}
		return m
	}
	return x
}
