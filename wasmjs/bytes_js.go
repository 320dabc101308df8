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
// for an ArrayBuffer it covers the whole buffer.
func Uint8Array(v js.Value) (js.Value, error) {
	if v.Type() != js.TypeObject {
		return js.Undefined(), ErrNotBytes
	}
	u8 := js.Global().Get("Uint8Array")
	if v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		return New(u8, v)
	}
	isView, err := Call(js.Global().Get("ArrayBuffer"), "isView", v)
	if err != nil {
		return js.Undefined(), err
	}
	if !isView.Truthy() {
		return js.Undefined(), ErrNotBytes
	}
	return New(u8, v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
}
