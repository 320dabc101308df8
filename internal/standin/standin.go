// Package standin writes the stand-in Viewer for tests that need a build
// without the 47 MB Viewer: an @rerun-io/web-viewer package whose glue
// (re_viewer.js) records every WebHandle call in globalThis.fakeViewer.calls
// and can be told there to fail, hang or panic, and whose Wasm is a valid
// module carrying a payload, so its size and compressibility are the
// test's choice.
package standin

import (
	_ "embed"
	"os"
	"path/filepath"
)

// Version is the stand-in's package version.
const Version = "0.99.0"

//go:embed re_viewer.js
var glue []byte

// WriteViewer writes package.json, re_viewer.js and a re_viewer_bg.wasm
// holding payload in a custom section into dir, creating dir.
func WriteViewer(dir string, payload []byte) error {
	section := append([]byte{1, 'x'}, payload...) // name "x"
	wasm := []byte("\x00asm\x01\x00\x00\x00\x00") // custom section id 0
	for n := uint64(len(section)); ; n >>= 7 {    // its size, LEB128
		if n < 0x80 {
			wasm = append(wasm, byte(n))
			break
		}
		wasm = append(wasm, byte(n&0x7f|0x80))
	}
	wasm = append(wasm, section...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range map[string][]byte{
		"package.json":      []byte(`{"name": "@rerun-io/web-viewer", "version": "` + Version + `"}`),
		"re_viewer.js":      glue,
		"re_viewer_bg.wasm": wasm,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
