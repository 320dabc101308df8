//go:build js

package loader

import (
	"testing"

	"github.com/gorerun/loader/names"
)

func TestSIMDProbe(t *testing.T) {
	if !simdSupported() {
		t.Fatal("Node supports Wasm SIMD, but the probe says it does not")
	}
	// The probe must really exercise SIMD: with the SIMD opcodes replaced
	// by an unknown prefix it must not validate.
	broken := append([]byte(nil), names.SIMDProbe...)
	for i := range broken {
		if broken[i] == 0xfd {
			broken[i] = 0xff
		}
	}

	if validates(broken) {
		t.Fatal("the probe validates without its SIMD opcodes: it tests nothing")
	}
}
