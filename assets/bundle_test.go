package assets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckMarkers(t *testing.T) {
	tests := []struct {
		name string
		js   string
		ok   bool
	}{
		{"ok", "async function f(a){\n//!<INLINE-MARKER-OPEN>\nreturn fetch(a)\n//!<INLINE-MARKER-CLOSE>\n}", true},
		{"hoisted by a minifier", "async function f(a){//!<INLINE-MARKER-OPEN>\n//!<INLINE-MARKER-CLOSE>\nreturn fetch(a)}", false},
		{"missing close", "async function f(a){//!<INLINE-MARKER-OPEN>\nreturn fetch(a)}", false},
		{"twice", "async function f(a){//!<INLINE-MARKER-OPEN>\nfetch(a)//!<INLINE-MARKER-CLOSE>\n}//!<INLINE-MARKER-OPEN>", false},
		{"reversed", "async function f(a){//!<INLINE-MARKER-CLOSE>\nfetch(a)//!<INLINE-MARKER-OPEN>\n}", false},
		{"not async", "function f(a){//!<INLINE-MARKER-OPEN>\nreturn fetch(a)\n//!<INLINE-MARKER-CLOSE>\n}", false},
	}
	for _, tt := range tests {
		err := CheckMarkers([]byte(tt.js))
		if (err == nil) != tt.ok {
			t.Errorf("%s: CheckMarkers = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestGlueFactory(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // prefix of the expression; "" means an error
	}{
		{"wasm-bindgen factory", "\nexport default function() {\nreturn 1;\n}\n", "function () {\nreturn 1;"},
		{"with space", "export default function () { return 2 }", "function () { return 2 }"},
		{"no default export", "function x() {}", ""},
		{"other exports", "export default function() {}\nexport const y = 1;", ""},
		{"imports", "import x from './y.js';\nexport default function() {}", ""},
		{"marker inside", "export default function() { //!<INLINE-MARKER-OPEN>\n }", ""},
	}
	for _, tt := range tests {
		got, err := glueFactory(tt.src)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: glueFactory = %q, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: glueFactory = %q, %v; want prefix %q", tt.name, got, err, tt.want)
		}
	}
}

// TestComposeWidgetKeepsMarkersThroughMinification checks the property
// inline mode relies on, on the real bootstrap and minifier: the markers
// enclose the fetch, inside an async function, once.
func TestComposeWidgetKeepsMarkersThroughMinification(t *testing.T) {
	glue := "function () { const exports = {}; /* a comment */ return Object.assign(async () => {}, exports); }"
	wasmExec := `"use strict"; (() => { globalThis.Go = class { constructor() { this.importObject = {}; } }; })();`
	viewer := &viewerPackage{version: "0.33.0", glue: glue, initTakesObject: true}
	widget, err := composeWidget("0123456789abcdef", viewer, "", wasmExec, []byte("\x00asm fake loader"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckMarkers(widget); err != nil {
		t.Error(err)
	}
	s := string(widget)
	for _, want := range []string{`"0123456789abcdef"`, `"0.33.0"`, "export default{initialize,render}",
		`function loaderWasmHex(){return"0061736d2066616b65206c6f61646572"}`, "fromHex"} {
		if !strings.Contains(s, want) {
			t.Errorf("widget.js lacks %q", want)
		}
	}
	if strings.Contains(s, "a comment") {
		t.Error("widget.js was not minified")
	}
}

func TestComposeWidgetBakesTheViewerURL(t *testing.T) {
	viewer := &viewerPackage{version: "0.33.0", glue: "function () { return async () => {}; }"}
	const u = `https://cdn.example/r/re_viewer_bg.wasm?sig="x"`
	widget, err := composeWidget("0123456789abcdef", viewer, u, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The minifier may pick the quotes that need no escapes.
	if !strings.Contains(string(widget), jsString(u)) && !strings.Contains(string(widget), "'"+u+"'") {
		t.Errorf("widget.js lacks the viewer URL %s", u)
	}
}

// TestBuild builds a bundle from a stand-in Viewer package: the real
// bootstrap, wasm_exec.js and loader Wasm, without the 47 MB download.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm")
	}
	pkg := t.TempDir()
	files := map[string]string{
		"package.json":      `{"name": "@rerun-io/web-viewer", "version": "0.99.0"}`,
		"re_viewer.js":      "\nexport default function() {\n  return Object.assign(async () => {}, { deinit() {} });\n}\n",
		"re_viewer_bg.wasm": "\x00asm\x01\x00\x00\x00",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "dist")
	res, err := Build(context.Background(), Options{ViewerDir: pkg, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.ViewerVersion != "0.99.0" || len(res.BuildID) != 16 || res.LoaderWasm < 100_000 {
		t.Errorf("result = %+v", res)
	}
	widget, err := os.ReadFile(filepath.Join(out, WidgetFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckMarkers(widget); err != nil {
		t.Error(err)
	}
	wasm, err := os.ReadFile(filepath.Join(out, ViewerFile))
	if err != nil || string(wasm) != files["re_viewer_bg.wasm"] {
		t.Errorf("viewer Wasm not copied: %q, %v", wasm, err)
	}
	t.Logf("loader Wasm %d bytes, widget.js %d bytes", res.LoaderWasm, res.WidgetJS)

	// A second build of the same inputs is the same build.
	res2, err := Build(context.Background(), Options{ViewerDir: pkg, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if res2.BuildID != res.BuildID {
		t.Errorf("rebuild changed the build id: %s → %s", res.BuildID, res2.BuildID)
	}
}

func TestBuildRejectsBadViewerPackages(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty dir", map[string]string{}, "package.json"},
		{"another package", map[string]string{"package.json": `{"name": "left-pad"}`}, "left-pad"},
		{"no wasm", map[string]string{
			"package.json": `{"name": "@rerun-io/web-viewer", "version": "1"}`,
			"re_viewer.js": "export default function() {}",
		}, ViewerFile},
		{"local build without wasm", map[string]string{"re_viewer.js": "export default function() {}"}, ViewerFile},
		{"a wasm that is not one", map[string]string{
			"re_viewer.js": "export default function() {}", ViewerFile: "<html>404</html>",
		}, "not a WebAssembly module"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for name, content := range tt.files {
			os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
		}
		_, err := Build(context.Background(), Options{ViewerDir: dir, OutDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestPEP440(t *testing.T) {
	for in, want := range map[string]string{"0.24.0-alpha.9": "0.24.0a9", "0.24.0-rc.1": "0.24.0rc1", "1.0.0-beta.2": "1.0.0b2", "0.33.0": "0.33.0", "0.1.0-dev": "0.1.0-dev"} {
		if got := PEP440(in); got != want {
			t.Errorf("PEP440(%q) = %q, want %q", in, got, want)
		}
	}
}
