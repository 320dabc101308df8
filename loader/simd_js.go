//go:build js

package loader

import (
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

func simdSupported() bool { return validates(names.SIMDProbe) }

// validates reports whether WebAssembly.validate accepts wasm.
func validates(wasm []byte) bool {
	buf, err := wasmjs.BytesToJS(wasm)
	if err != nil {
		return false
	}
	webAssembly, err := wasmjs.Global().Get("WebAssembly")
	if err != nil {
		return false
	}
	ok, err := webAssembly.Call("validate", buf)
	return err == nil && ok.Truthy()
}
