package assets

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorerun/loader/internal/standin"
	"github.com/gorerun/loader/names"
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
// inline mode relies on, on the real bootstrap and minifier, in both
// builds of widget.js: the markers enclose the fetch, inside an async
// function, once. The split build finds the loader next to itself, in the
// literal bundlers rewrite, and carries none of its bytes; the standalone
// build carries them and no reference to the file, which a bundler would
// fail to find.
func TestComposeWidgetKeepsMarkersThroughMinification(t *testing.T) {
	glue := "function () { const exports = {}; /* a comment */ return Object.assign(async () => {}, exports); }"
	wasmExec := `"use strict"; (() => { globalThis.Go = class { constructor() { this.importObject = {}; } }; })();`
	viewer := &viewerPackage{version: "0.33.0", glue: glue, initTakesObject: true}
	w, err := composeWidget("0123456789abcdef", viewer, strings.Repeat("ab", 32), "", wasmExec, []byte("\x00asm fake loader"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := carriedLoader(w.standalone); err != nil || string(got) != "\x00asm fake loader" {
		t.Errorf("the standalone build carries the loader %q (%v), want the one it was given", got, err)
	}
	fileLoader := `new URL("./` + names.LoaderFile + `", import.meta.url)`
	tests := []struct {
		name          string
		widget        []byte
		want, notWant string
	}{
		{names.WidgetFile, w.split, fileLoader, "{gzip:"},
		{names.StandaloneWidgetFile, w.standalone, "{gzip:", fileLoader},
	}
	for _, tt := range tests {
		if err := CheckMarkers(tt.widget); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		s := string(tt.widget)
		for _, want := range []string{`"0123456789abcdef"`, `"0.33.0"`, "export default{initialize,render}", tt.want} {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %q", tt.name, want)
			}
		}
		if strings.Contains(s, tt.notWant) {
			t.Errorf("%s holds %q", tt.name, tt.notWant)
		}
		if strings.Contains(s, "a comment") {
			t.Errorf("%s was not minified", tt.name)
		}
	}
}

// carriedLoader returns the loader Wasm a standalone widget.js carries.
func carriedLoader(widget []byte) ([]byte, error) {
	m := regexp.MustCompile(`function loaderSource\(\)\{return\{gzip:"([A-Za-z0-9+/=]*)"\}\}`).FindSubmatch(widget)
	if m == nil {
		return nil, errors.New("no loaderSource returning {gzip}")
	}
	packed, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func TestComposeWidgetBakesTheViewerURL(t *testing.T) {
	viewer := &viewerPackage{version: "0.33.0", glue: "function () { return async () => {}; }"}
	const u = `https://cdn.example/r/re_viewer_bg.wasm?sig="x"`
	w, err := composeWidget("0123456789abcdef", viewer, strings.Repeat("ab", 32), u, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The minifier may pick the quotes that need no escapes.
	if widget := string(w.standalone); !strings.Contains(widget, jsValue(u)) && !strings.Contains(widget, "'"+u+"'") {
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
	widget, err := os.ReadFile(filepath.Join(out, names.WidgetFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckMarkers(widget); err != nil {
		t.Error(err)
	}
	wasm, err := os.ReadFile(filepath.Join(out, names.ViewerFile))
	if err != nil || string(wasm) != files["re_viewer_bg.wasm"] {
		t.Errorf("viewer Wasm not copied: %q, %v", wasm, err)
	}
	t.Logf("loader Wasm %d bytes, widget.js %d bytes", res.LoaderWasm, res.WidgetJS)

	if !strings.Contains(string(widget), `"`+res.BuildID+`"`) || strings.Contains(string(widget), buildIDPlaceholder) {
		t.Error("widget.js does not carry its build id")
	}
	// widget.js fetches the loader the folder holds; the standalone build
	// is the same build, the loader inside.
	if loader, err := os.ReadFile(filepath.Join(out, names.LoaderFile)); err != nil || !bytes.Equal(loader, res.Loader) {
		t.Errorf("%s is not the loader Wasm (%v)", names.LoaderFile, err)
	}
	standalone, err := os.ReadFile(filepath.Join(out, names.StandaloneWidgetFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckMarkers(standalone); err != nil {
		t.Errorf("%s: %v", names.StandaloneWidgetFile, err)
	}
	if !strings.Contains(string(standalone), `"`+res.BuildID+`"`) {
		t.Errorf("%s does not carry the build id", names.StandaloneWidgetFile)
	}
	if loader, err := carriedLoader(standalone); err != nil || !bytes.Equal(loader, res.Loader) {
		t.Errorf("%s does not carry the loader Wasm (%v)", names.StandaloneWidgetFile, err)
	}
	if len(widget) > len(standalone)/4 {
		t.Errorf("widget.js is %d bytes, the standalone build %d: widget.js should not carry the loader", len(widget), len(standalone))
	}

	// A second build of the same inputs, elsewhere, is the same build,
	// byte for byte, and its nginx.conf names where it will be served.
	out2 := filepath.Join(t.TempDir(), "dist")
	res2, err := Build(context.Background(), Options{ViewerDir: pkg, OutDir: out2, ServedFrom: "/srv/rerun"})
	if err != nil {
		t.Fatal(err)
	}
	if res2.BuildID != res.BuildID {
		t.Errorf("rebuild changed the build id: %s → %s", res.BuildID, res2.BuildID)
	}
	for _, f := range append(Files, File{Name: ManifestFile}, File{Name: PackageFile}) {
		a, errA := os.ReadFile(filepath.Join(out, f.Name))
		b, errB := os.ReadFile(filepath.Join(out2, f.Name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds of the same inputs (%v, %v)", f.Name, errA, errB)
		}
	}
	conf, err := os.ReadFile(filepath.Join(out, NginxFile))
	if err != nil {
		t.Fatal(err)
	}
	conf2, err := os.ReadFile(filepath.Join(out2, NginxFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf2), "alias /srv/rerun/"+names.WidgetFile+";") || string(conf2) != strings.ReplaceAll(string(conf), out, "/srv/rerun") {
		t.Errorf("nginx.conf of a bundle served from /srv/rerun:\n%s", conf2)
	}
}

// TestBuildIDCoversEveryServedByte changes one byte of each served file in
// turn: each change gives another id.
func TestBuildIDCoversEveryServedByte(t *testing.T) {
	files := [][]byte{[]byte("widget.js " + buildIDPlaceholder), []byte("rerun-viewer.js"), []byte("viewer sha256")}
	ids := map[string]bool{buildIDOf(files...): true}
	for i := range files {
		for _, at := range []int{0, len(files[i]) - 1} {
			changed := slices.Clone(files)
			changed[i] = slices.Clone(files[i])
			changed[i][at] ^= 1
			ids[buildIDOf(changed...)] = true
		}
	}
	// Moving a byte from one file to the next is a change too.
	ids[buildIDOf([]byte("widget.js "+buildIDPlaceholder+"r"), []byte("erun-viewer.js"), files[2])] = true
	if len(ids) != 2*len(files)+2 {
		t.Errorf("%d distinct ids for %d different builds", len(ids), 2*len(files)+2)
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
		}, names.ViewerFile},
		{"local build without wasm", map[string]string{"re_viewer.js": "export default function() {}"}, names.ViewerFile},
		{"a wasm that is not one", map[string]string{
			"re_viewer.js": "export default function() {}", names.ViewerFile: "<html>404</html>",
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
		if back := NpmVersion(want); in != "0.1.0-dev" && back != in {
			t.Errorf("NpmVersion(%q) = %q, want %q", want, back, in)
		}
	}
}

// standInViewer writes a Viewer package whose Wasm holds size random
// bytes, which brotli at quality 11 takes seconds over.
func standInViewer(t *testing.T, size int) string {
	t.Helper()
	pkg := t.TempDir()
	payload := make([]byte, size)
	rand.NewChaCha8([32]byte{1}).Read(payload)
	if err := standin.WriteViewer(pkg, payload); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// holdingWriter closes reached on the first write that contains want and
// holds that write until release is closed: the goroutine that wrote it
// is stopped there, for as long as the test needs.
type holdingWriter struct {
	want             string
	reached, release chan struct{}
	once             sync.Once
}

func (w *holdingWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.want) {
		held := false
		w.once.Do(func() { close(w.reached); held = true })
		if held {
			<-w.release
		}
	}
	return len(p), nil
}

// TestBuildInterrupted cancels a build in the middle of the brotli
// compression of the loader Wasm: the build returns without waiting for
// the compressor, leaves the earlier build in the folder whole and
// untouched, and leaves in the cache only what it compressed whole before
// (widget.js). The compressor is held inside a write of its progress (its
// log's first filled step) until the build has returned, so the build
// cannot have waited for it.
func TestBuildInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm")
	}
	pkg := standInViewer(t, 1<<20)
	out := filepath.Join(t.TempDir(), "dist")
	first, err := Build(context.Background(), Options{ViewerDir: pkg, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, out)

	os.WriteFile(filepath.Join(pkg, "re_viewer.js"), []byte("\nexport default function() {\n  return Object.assign(async () => 1, { deinit() {} });\n}\n"), 0o644)
	cache := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &holdingWriter{want: "compressing " + names.LoaderFile + " (br q11) [#", reached: make(chan struct{}), release: make(chan struct{})}
	defer close(log.release)
	done := make(chan error, 1)
	go func() {
		_, err := Build(ctx, Options{ViewerDir: pkg, OutDir: out, Log: log, Compression: &Compression{Quality: 11, Cache: cache, Log: log}})
		done <- err
	}()
	select {
	case <-log.reached:
	case err := <-done:
		t.Fatalf("the build ended before compressing: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted build: %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the build did not return after its cancellation: it waits for the compressor, which is held in a write")
	}
	if after := snapshotDir(t, out); !maps.Equal(before, after) {
		t.Errorf("the interrupted build changed the folder:\nbefore %v\nafter  %v", before, after)
	}
	m, err := ReadManifest(out)
	if err != nil || m.BuildID != first.BuildID {
		t.Errorf("manifest after the interruption: %+v, %v", m, err)
	}
	left, _ := filepath.Glob(filepath.Join(cache, "compressed", "*"))
	for _, f := range left {
		sum, enc, _ := strings.Cut(filepath.Base(f), ".")
		enc, _, _ = strings.Cut(enc, "-q")
		if _, err := verifiedCache(f, sum, enc); err != nil {
			t.Errorf("the compression cache kept a broken %s: %v", filepath.Base(f), err)
		}
	}
	if len(left) > len(Encodings) {
		t.Errorf("the compression cache kept %q, want widget.js's variants at most", left)
	}
}

// snapshotDir maps every file under dir to its SHA-256.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := hashFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = info.SHA256
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCorruptCacheIsRecompressed damages the cached compressed files in
// three ways (gzip and zstd cut short, brotli replaced by another file's compression): the next
// build compresses again instead of serving them.
func TestCorruptCacheIsRecompressed(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	for _, f := range Files {
		os.WriteFile(filepath.Join(dir, f.Name), []byte(strings.Repeat(f.Name+" content ", 500)), 0o644)
	}
	c := &Compression{Quality: 5, Cache: cache}
	m, err := WriteManifest(dir, "0123456789abcdef", "0.33.0", c)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "compressed", "*"))
	if len(entries) != len(Encodings)*len(Files) {
		t.Fatalf("cache has %q", entries)
	}
	widgetBr := filepath.Join(cache, "compressed", m.Files[names.WidgetFile].SHA256+".br-q5")
	elementBr := filepath.Join(cache, "compressed", m.Files[names.ElementFile].SHA256+".br-q5")
	viewerGz := filepath.Join(cache, "compressed", m.Files[names.ViewerFile].SHA256+".gzip")
	b, _ := os.ReadFile(viewerGz)
	os.WriteFile(viewerGz, b[:len(b)/2], 0o644)
	other, _ := os.ReadFile(elementBr)
	os.WriteFile(widgetBr, other, 0o644)
	viewerZst := filepath.Join(cache, "compressed", m.Files[names.ViewerFile].SHA256+".zstd")
	z, _ := os.ReadFile(viewerZst)
	os.WriteFile(viewerZst, z[:len(z)-4], 0o644) // no checksum at the end

	m2, err := WriteManifest(dir, "0123456789abcdef", "0.33.0", c)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(m.Files, m2.Files, func(a, b FileInfo) bool { return maps.Equal(a.Encodings, b.Encodings) }) {
		t.Errorf("a build from a damaged cache differs:\n%+v\n%+v", m.Files, m2.Files)
	}
	for _, f := range Files {
		for enc, v := range m2.Files[f.Name].Encodings {
			if _, err := verifiedCache(filepath.Join(dir, v.File), m2.Files[f.Name].SHA256, enc); err != nil {
				t.Errorf("%s: %v", v.File, err)
			}
		}
	}
}

// TestBuildsIntoOneFolderAtOnce runs four builds of different bundles
// into one folder at once, as two first runs of `loader serve` do: each
// succeeds, and the folder ends up whole, its files the ones its manifest
// describes.
func TestBuildsIntoOneFolderAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm")
	}
	if runtime.GOOS == "windows" {
		t.Skip("publishing takes no lock on Windows")
	}
	pkg := standInViewer(t, 1<<20)
	out := filepath.Join(t.TempDir(), "dist")
	const builds = 4
	errs := make([]error, builds)
	var wg sync.WaitGroup
	for i := range builds {
		// Another Viewer URL makes another widget.js and build id.
		url := fmt.Sprintf("https://cdn.example/%d/re_viewer_bg.wasm", i)
		wg.Go(func() { _, errs[i] = Build(context.Background(), Options{ViewerDir: pkg, OutDir: out, ViewerURL: url}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("build %d: %v", i, err)
		}
	}
	m, err := ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	files := snapshotDir(t, out)
	for _, f := range Files {
		if got, want := files[f.Name], m.Files[f.Name].SHA256; got != want {
			t.Errorf("%s has the SHA-256 %s, its manifest says %s: the folder mixes builds", f.Name, got, want)
		}
	}
}

func TestFillJSRefusesAnUnfilledPlaceholder(t *testing.T) {
	for _, tt := range []struct {
		src, want string
	}{
		{`const a = "__VIEWER_FILE__";`, ""},
		{`const a = "__VIEWER_FILE__", b = __NO_SUCH_NAME__, c = __NO_SUCH_NAME__;`, "__NO_SUCH_NAME__: add it"},
		{`const a = __BUILD_ID__;`, "__BUILD_ID__"},
		{`obj.__proto__; x.__wbindgen_malloc;`, ""},
	} {
		_, err := fillJS(tt.src)
		if got := fmt.Sprint(err); (tt.want == "") != (err == nil) || !strings.Contains(got, tt.want) {
			t.Errorf("fillJS(%q) error %v, want one naming %q", tt.src, err, tt.want)
		}
	}
	if _, err := fillJS(`__BUILD_ID__`, "__BUILD_ID__", "x"); err != nil {
		t.Errorf("a placeholder the build fills: %v", err)
	}
}
