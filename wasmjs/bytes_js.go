//go:build js

package wasmjs

import (
	"syscall/js"
)

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
