package loader

import "strings"

// IsWasmContentType reports whether a Content-Type header value lets
// WebAssembly.compileStreaming accept the response: its essence must be
// application/wasm; parameters and case do not matter.
func IsWasmContentType(contentType string) bool {
	essence, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(essence), "application/wasm")
}
