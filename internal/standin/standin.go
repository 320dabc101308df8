// Package standin writes stand-in Viewer packages for tests that need a
// real build without the 47 MB Viewer: an @rerun-io/web-viewer package
// whose glue starts nothing and whose Wasm is a valid module carrying a
// payload, so its size and compressibility are the test's choice.
package standin

import (
	"os"
	"path/filepath"
)

// WriteViewer writes package.json (version 0.99.0), re_viewer.js and a
// re_viewer_bg.wasm holding payload in a custom section into dir.
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
	for name, content := range map[string][]byte{
		"package.json":      []byte(`{"name": "@rerun-io/web-viewer", "version": "0.99.0"}`),
		"re_viewer.js":      []byte("\nexport default function() {\n  return Object.assign(async () => {}, { deinit() {} });\n}\n"),
		"re_viewer_bg.wasm": wasm,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
