package loader

import (
	"errors"

	"github.com/gorerun/loader/names"
)

// errNoAdjacentURL reports a module with no Viewer URL (imported from a
// blob: or data: URL, as anywidget does for inline ESM, with no viewer
// option and no baked-in URL) whose marker function inlines no Viewer.
var errNoAdjacentURL = errors.New("widget.js was imported from a blob: or data: URL and does not inline the Viewer Wasm; " +
	"set RERUN_NOTEBOOK_ASSET=inline (which inlines it) or to the http(s) URL of a widget.js served next to " + names.ViewerFile)

// quote shortens and quotes a URL for an error message; a data: URL can be
// megabytes long.
func quote(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "…"
	}
	return `"` + s + `"`
}
