// Package esm is the JavaScript half of the loader, embedded for the build
// that composes it into widget.js and rerun-viewer.js: the module's own
// code (one file a concern), the marker function, the element and the type
// declarations. Its placeholders (__NAME__) are filled by the build, the
// names every side agrees on from package names.
package esm

import (
	"embed"
	"strings"
)

//go:embed runtime.js early.js anywidget.js webviewer.js mount.js
var widgetFS embed.FS

// widgetParts are widget.js's own files in the order they are joined:
// the runtime registry and boot, the early download and inline mode's
// cache, anywidget's hooks, WebViewer, mount.
var widgetParts = []string{"runtime.js", "early.js", "anywidget.js", "webviewer.js", "mount.js"}

// Widget returns widget.js's own code, before the build fills its
// placeholders and minifies it.
func Widget() string {
	var b strings.Builder
	for _, name := range widgetParts {
		src, err := widgetFS.ReadFile(name)
		if err != nil {
			panic("esm: " + name + " is not embedded") // the embed line above names every part
		}
		b.Write(src)
		b.WriteByte('\n')
	}
	return b.String()
}

// Element is rerun-viewer.js before minification.
//
//go:embed element.js
var Element string

// FetchViewer is the marker function. The minifier hoists comments to the
// start of their block, which would leave the markers enclosing nothing, so
// this function stays out of the minified part: the bootstrap refers to it
// as a free name the minifier cannot rename.
//
//go:embed fetchviewer.js
var FetchViewer string

// LoaderFromFile is widget.js's loaderSource: the Go loader is the file
// next to the module. widget.standalone.js's loaderSource, which returns
// the loader itself, is made by the build. Like FetchViewer, it stays out
// of the minified part, so that the name stays the one the bootstrap uses.
//
//go:embed loaderfile.js
var LoaderFromFile string

// The type declarations of widget.js and rerun-viewer.js, for the
// package.json a build writes.
var (
	//go:embed widget.d.ts
	WidgetTypes string
	//go:embed rerun-viewer.d.ts
	ElementTypes string
)
