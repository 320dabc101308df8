// Package hostpage holds a minimal anywidget host (host.js), the browser
// tests' host page, and the demo pages of `loader serve --recording`. It is
// plain files, so serving it pulls in no browser tooling.
package hostpage

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
)

// HostJS is the anywidget host module.
//
//go:embed host.js
var HostJS []byte

// TestPage is an empty page that imports host.js as window.host.
//
//go:embed test.html
var TestPage []byte

//go:embed demo
var demo embed.FS

// Demo holds the demo pages, which expect widget.js, rerun-viewer.js,
// host.js and recording.rrd next to them: index.html (<rerun-viewer>),
// mount.html (mount() with live controls) and notebook.html (widget.js
// driven as anywidget drives it).
var Demo = func() fs.FS {
	sub, err := fs.Sub(demo, "demo")
	if err != nil {
		panic(err) // the embedded folder is there at build time
	}
	return sub
}()

// ContentSecurityPolicy is the strictest policy under which a page shows
// the Viewer from the given asset origins ("" for the page's own): scripts
// only from files, WebAssembly compilation ('wasm-unsafe-eval', which
// allows compiling Wasm and nothing else), fetches of the Viewer and of
// recordings, stylesheets only from files (the loader and the Viewer style
// elements through the CSSOM, which the policy does not restrict), and the
// images the Viewer makes from data: and blob: URLs.
func ContentSecurityPolicy(assetOrigins ...string) string {
	sources := strings.TrimSpace("'self' " + strings.Join(assetOrigins, " "))
	return "default-src 'none'; script-src " + sources + " 'wasm-unsafe-eval'; connect-src " + sources +
		"; style-src 'self'; img-src 'self' data: blob:"
}

// WithDemo returns next with the demo pages in front of it: /, the pages
// of Demo, host.js and /recording.rrd (the file recording), each under
// ContentSecurityPolicy; every other path goes to next. It fails when
// recording cannot be read.
func WithDemo(next http.Handler, recording string) (http.Handler, error) {
	if _, err := os.Stat(recording); err != nil {
		return nil, fmt.Errorf("demo recording: %w", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "index.html"
		}
		var body []byte
		switch name {
		case "host.js":
			body = HostJS
		case "recording.rrd":
		default:
			b, err := fs.ReadFile(Demo, name)
			if err != nil {
				next.ServeHTTP(w, r)
				return
			}
			body = b
		}
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy())
		w.Header().Set("Cache-Control", "no-cache")
		if body == nil {
			w.Header().Set("Content-Type", "application/octet-stream")
			http.ServeFile(w, r, recording)
			return
		}
		w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}), nil
}
