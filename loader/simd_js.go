//go:build js

package loader

import "github.com/gorerun/loader/wasmjs"

// simdProbe is the smallest module that uses Wasm SIMD: a function that
// splats 0 into a v128 and asks v128.any_true of it. Browsers without SIMD
// reject it in WebAssembly.validate instead of failing later with a cryptic
// compileError on the 47 MB Viewer.
var simdProbe = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
	0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
	0x0a, 0x0a, 0x01, 0x08, 0x00, // code section: one body of 8 bytes, no locals
	0x41, 0x00, // i32.const 0
	0xfd, 0x0f, // i8x16.splat
	0xfd, 0x53, // v128.any_true
	0x0b, // end
}

func simdSupported() bool { return validates(simdProbe) }

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
