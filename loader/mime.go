package loader

import "strings"

// isWasmContentType reports whether a Content-Type header value lets
// WebAssembly.compileStreaming accept the response: its essence must be
// application/wasm; parameters and case do not matter.
func isWasmContentType(contentType string) bool {
	essence, _, _ := strings.Cut(contentType, ";")
	return lowerASCII(trimHTTPSpace(essence)) == "application/wasm"
}

// lowerASCII lowercases ASCII letters only: header tokens are ASCII, and
// the unicode tables strings.ToLower brings would grow the loader Wasm.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// trimHTTPSpace trims the optional whitespace HTTP allows around values.
func trimHTTPSpace(s string) string {
	return strings.Trim(s, " \t")
}
