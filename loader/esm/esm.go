// Package esm is the JavaScript half of the loader, embedded for the build
// that composes it into widget.js and rerun-viewer.js: ES modules of one
// concern each, which import what they use from each other (so an editor
// or tsc follows every name), joined by Widget into one module; the marker
// function, the element and the type declarations. Their placeholders
// (__NAME__) are filled by the build, the names every side agrees on from
// package names.
package esm

import (
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

//go:embed index.js runtime.js early.js anywidget.js webviewer.js mount.js
var widgetFS embed.FS

// widgetParts are widget.js's modules in the order they are joined (an
// order in which every top-level constant is made before it is used),
// and entry, the module whose exports are widget.js's.
var (
	widgetParts = []string{"runtime.js", "early.js", "anywidget.js", "webviewer.js", "mount.js"}
	entry       = "index.js"
)

// The statements the joiner knows: an import of named bindings from a
// sibling module, a declaration it exports, the entry's re-exports, and
// a module's default export, which stays.
var (
	importLine   = regexp.MustCompile(`^import \{([^}]*)\} from "\./([a-z]+\.js)";$`)
	exportDecl   = regexp.MustCompile(`^export ((?:async )?function\*? |class |const |let )([A-Za-z_$][\w$]*)`)
	reexportLine = regexp.MustCompile(`^export \{([^}]*)\} from "\./([a-z]+\.js)";$`)
)

// Widget returns widget.js's own code, before the build fills its
// placeholders and minifies it: the modules joined into one, each
// import of a sibling dropped once checked (the sibling is a part and
// exports every name), the export keywords of their declarations dropped,
// and the entry's re-exports made the module's own exports.
func Widget() (string, error) {
	exported := map[string][]string{}
	var body strings.Builder
	for _, name := range widgetParts {
		src, err := widgetFS.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("esm: %s is not embedded", name)
		}
		joined, names, err := joinPart(name, string(src))
		if err != nil {
			return "", err
		}
		exported[name] = names
		body.WriteString(joined)
		body.WriteByte('\n')
	}
	src, err := widgetFS.ReadFile(entry)
	if err != nil {
		return "", fmt.Errorf("esm: %s is not embedded", entry)
	}
	var public []string
	for _, line := range strings.Split(string(src), "\n") {
		m := reexportLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, n := range bindings(m[1]) {
			if !slices.Contains(exported[m[2]], n) {
				return "", fmt.Errorf("esm: %s re-exports %s from %s, which does not export it", entry, n, m[2])
			}
			public = append(public, n)
		}
	}
	fmt.Fprintf(&body, "export { %s };\n", strings.Join(public, ", "))
	// Imports are checked once every part's exports are known.
	for _, name := range widgetParts {
		src, _ := widgetFS.ReadFile(name)
		if err := checkImports(name, string(src), exported); err != nil {
			return "", err
		}
	}
	return body.String(), nil
}

// joinPart returns a module's code without its imports and with its
// declarations' export keywords dropped, and the names it exports.
func joinPart(name, src string) (string, []string, error) {
	var out []string
	var names []string
	for i, line := range strings.Split(src, "\n") {
		switch {
		case importLine.MatchString(line):
			continue
		case strings.HasPrefix(line, "import "):
			return "", nil, fmt.Errorf("esm: %s:%d: an import the joiner cannot follow (import {a, b} from \"./sibling.js\"; on one line)", name, i+1)
		case strings.HasPrefix(line, "export default "):
		case strings.HasPrefix(line, "export "):
			m := exportDecl.FindStringSubmatch(line)
			if m == nil {
				return "", nil, fmt.Errorf("esm: %s:%d: an export the joiner cannot follow (export a declaration)", name, i+1)
			}
			names = append(names, m[2])
			line = strings.TrimPrefix(line, "export ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n"), names, nil
}

// checkImports fails on an import of a module that is not a part, or of a
// name the module does not export.
func checkImports(name, src string, exported map[string][]string) error {
	for i, line := range strings.Split(src, "\n") {
		m := importLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		from, ok := exported[m[2]]
		if !ok {
			return fmt.Errorf("esm: %s:%d imports from %s, which is not one of widget.js's modules", name, i+1, m[2])
		}
		for _, n := range bindings(m[1]) {
			if !slices.Contains(from, n) {
				return fmt.Errorf("esm: %s:%d imports %s from %s, which does not export it", name, i+1, n, m[2])
			}
		}
	}
	return nil
}

// bindings reads "a, b, c" (no renaming).
func bindings(list string) []string {
	var out []string
	for _, b := range strings.Split(list, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// Element is rerun-viewer.js before minification.
//
//go:embed element.js
var Element string

// FetchViewer is the marker function. The minifier hoists comments to the
// start of their block, which would leave the markers enclosing nothing, so
// this function stays out of the minified part: the bootstrap refers to it
// as a free name the minifier cannot rename (globals.d.ts declares it).
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
