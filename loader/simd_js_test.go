//go:build js

package loader

import (
	"syscall/js"
	"testing"
)

func TestSIMDProbe(t *testing.T) {
	if !simdSupported() {
		t.Fatal("Node supports Wasm SIMD, but the probe says it does not")
	}
	// The probe must really exercise SIMD: with the SIMD opcodes replaced
	// by an unknown prefix it must not validate.
	broken := append([]byte(nil), simdProbe...)
	for i := range broken {
		if broken[i] == 0xfd {
			broken[i] = 0xff
		}
	}
	buf := js.Global().Get("Uint8Array").New(len(broken))
	js.CopyBytesToJS(buf, broken)
	if js.Global().Get("WebAssembly").Call("validate", buf).Bool() {
		t.Fatal("the probe validates without its SIMD opcodes: it tests nothing")
	}
}
