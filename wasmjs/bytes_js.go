//go:build js

package wasmjs

import (
	"errors"
	"syscall/js"
)

// ErrNotBytes reports a value that is neither an ArrayBuffer nor a view on one.
var ErrNotBytes = errors.New("wasmjs: value is not an ArrayBuffer or ArrayBuffer view")

// Uint8Array returns a Uint8Array over exactly the bytes of v, without
// copying: for a DataView or typed array it keeps its byteOffset and
// byteLength (a view into a larger buffer sees only its own window), and
// for an ArrayBuffer it covers the whole buffer. A buffer that was
// transferred away (detached) is an error, not an empty array.
func Uint8Array(v Value) (Value, error) {
	if v.Type() != TypeObject {
		return Undefined(), ErrNotBytes
	}
	u8, err := Global().Get("Uint8Array")
	if err != nil {
		return Undefined(), err
	}
	arrayBuffer, err := Global().Get("ArrayBuffer")
	if err != nil {
		return Undefined(), err
	}
	isView, err := arrayBuffer.Call("isView", v)
	if err != nil {
		return Undefined(), err
	}
	buf := v
	var offset, length Value
	if isView.Truthy() {
		// A view on a detached buffer throws on byteOffset; Get says so.
		if buf, err = v.Get("buffer"); err != nil {
			return Undefined(), err
		}
		if offset, err = v.Get("byteOffset"); err != nil {
			return Undefined(), err
		}
		if length, err = v.Get("byteLength"); err != nil {
			return Undefined(), err
		}
	} else if tag, err := objectTag(v); err != nil || tag != "[object ArrayBuffer]" && tag != "[object SharedArrayBuffer]" {
		return Undefined(), ErrNotBytes
	}
	if detached, err := buf.Get("detached"); err == nil && detached.Truthy() {
		return Undefined(), ErrDetached
	}
	if isView.Truthy() {
		return u8.New(buf, offset, length)
	}
	return u8.New(buf)
}

// ErrDetached reports an ArrayBuffer that was transferred away: its bytes
// are gone.
var ErrDetached = errors.New("wasmjs: the ArrayBuffer was transferred away (detached)")

// objectTag returns Object.prototype.toString.call(v), which names
// built-in objects without trusting their own properties.
func objectTag(v Value) (string, error) {
	object, err := Global().Get("Object")
	if err != nil {
		return "", err
	}
	proto, err := object.Get("prototype")
	if err != nil {
		return "", err
	}
	toString, err := proto.Get("toString")
	if err != nil {
		return "", err
	}
	tag, err := toString.Call("call", v)
	if err != nil {
		return "", err
	}
	return tag.String(), nil
}

// ByteLength returns v.byteLength, or 0 when v has none (or it throws).
func ByteLength(v Value) int {
	n, err := v.Get("byteLength")
	if err != nil {
		return 0
	}
	return n.Int()
}

// BytesToJS copies b into a new Uint8Array.
func BytesToJS(b []byte) (Value, error) {
	u8, err := Global().Get("Uint8Array")
	if err != nil {
		return Undefined(), err
	}
	arr, err := u8.New(len(b))
	if err != nil {
		return Undefined(), err
	}
	js.CopyBytesToJS(arr.v, b)
	return arr, nil
}
