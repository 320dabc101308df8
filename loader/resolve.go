package loader

import (
	"errors"
	"strings"

	"github.com/gorerun/loader/names"
)

// errNoAdjacentURL reports a module URL with no directory to look in
// (blob: and data: URLs, as anywidget uses for inline ESM): the inlined
// marker function is then the only source of the Viewer Wasm.
var errNoAdjacentURL = errors.New("widget.js was imported from a blob: or data: URL and does not inline the Viewer Wasm; " +
	"set RERUN_NOTEBOOK_ASSET=inline (which inlines it) or to the http(s) URL of a widget.js served next to " + names.ViewerFile)

// viewerURL returns the URL of the Viewer Wasm for a module loaded from
// moduleURL: the same directory, with the module's query string kept
// (access tokens and signed URLs live there) and its fragment dropped.
//
// moduleURL is import.meta.url, which browsers always give as an absolute,
// normalized URL; anything else is an error.
func viewerURL(moduleURL string) (string, error) {
	u, _, _ := strings.Cut(moduleURL, "#")
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || !validScheme(scheme) {
		return "", errors.New("module URL " + quote(moduleURL) + " is not absolute")
	}
	switch lowerASCII(scheme) {
	case "blob", "data":
		return "", errNoAdjacentURL
	}
	if !strings.HasPrefix(rest, "//") {
		return "", errors.New("module URL " + quote(moduleURL) + " has no host or path: " + errNoAdjacentURL.Error())
	}
	beforeQuery, query, hasQuery := strings.Cut(rest, "?")
	authorityEnd := strings.IndexByte(beforeQuery[2:], '/')
	var dir string
	if authorityEnd < 0 {
		dir = beforeQuery + "/"
	} else {
		dir = beforeQuery[:strings.LastIndexByte(beforeQuery, '/')+1]
	}
	out := scheme + ":" + dir + names.ViewerFile
	if hasQuery {
		out += "?" + query
	}
	return out, nil
}

// adjacentViewerURL returns the URL of the Viewer next to the module:
// resolved, the URL widget.js computed with new URL("./re_viewer_bg.wasm",
// import.meta.url) — the same file unless a bundler moved or renamed it —
// with the module's query string kept as viewerURL keeps it. Without a
// resolved http(s) URL, the rule of viewerURL applies.
func adjacentViewerURL(moduleURL, resolved string) (string, error) {
	scheme, _, _ := strings.Cut(resolved, ":")
	if s := lowerASCII(scheme); s != "http" && s != "https" {
		return viewerURL(moduleURL)
	}
	resolved, _, _ = strings.Cut(resolved, "#")
	if strings.Contains(resolved, "?") {
		return resolved, nil
	}
	module, _, _ := strings.Cut(moduleURL, "#")
	if _, query, ok := strings.Cut(module, "?"); ok {
		return resolved + "?" + query, nil
	}
	return resolved, nil
}

// validScheme reports whether s is a URL scheme per RFC 3986:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// quote shortens and quotes a URL for an error message; a data: URL can be
// megabytes long.
func quote(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "…"
	}
	return `"` + s + `"`
}
