// Package assets composes the notebook bundle: widget.js (a small
// bootstrap, Go's wasm_exec.js and the Viewer's wasm-bindgen glue,
// minified into one ES module) next to the Go loader Wasm it fetches,
// rerun-loader.wasm, and the Viewer's re_viewer_bg.wasm; and
// widget.standalone.js, the same module with the loader inside, for where
// one file travels alone. It knows how the bundle is made, not how it is
// served.
package assets

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gorerun/loader/loader/esm"
	"github.com/gorerun/loader/names"
	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/js"
)

// File is a file of a bundle that is served, and its media type.
type File struct {
	Name        string
	ContentType string
}

// Files are the files of a bundle that are served: the one list the
// manifest, the server and the generated server configurations follow.
var Files = []File{
	{names.WidgetFile, "text/javascript; charset=utf-8"},
	{names.LoaderFile, "application/wasm"},
	{names.StandaloneWidgetFile, "text/javascript; charset=utf-8"},
	{names.ElementFile, "text/javascript; charset=utf-8"},
	{names.ViewerFile, "application/wasm"},
}

// Options says what to build.
type Options struct {
	// ViewerDir is an unpacked @rerun-io/web-viewer package.
	ViewerDir string
	// OutDir receives widget.js and re_viewer_bg.wasm.
	OutDir string
	// Log receives progress; nil discards it.
	Log io.Writer
	// Compression, when set, writes .br, .zst and .gz siblings of the files.
	Compression *Compression
	// ViewerURL, when set, is the absolute http(s) URL widget.js fetches
	// the Viewer Wasm from, instead of the file next to itself: for hosts
	// that import the module from a blob:, data: or virtual-file URL.
	// Since nothing is next to such a module, widget.js is then the
	// standalone build, the Go loader inside.
	ViewerURL string
	// ServedFrom, when set, is the folder the generated nginx.conf names
	// as the bundle's place: for a bundle built in one place and served
	// from another (built in CI, unpacked on the server). Default: OutDir.
	ServedFrom string
}

// buildIDPlaceholder stands for the build id in widget.js while the id is
// computed from widget.js itself.
const buildIDPlaceholder = "@@rerun-loader-build-id@@"

// buildIDOf returns the id of a build that serves these files: the first
// 16 hex digits of a SHA-256 over all of them, each prefixed with its
// length. Any change to a served byte gives another id, so a URL under
// /version/<build id>/ can be cached forever.
func buildIDOf(files ...[]byte) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%d:", len(f))
		h.Write(f)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// checkViewerURL reports a --viewer-url a browser could not fetch the
// Viewer from.
func checkViewerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("viewer URL %q is not an absolute http(s) URL (want, for example, https://cdn.example/rerun/%s)", raw, names.ViewerFile)
	}
	return nil
}

// Result describes a finished build.
type Result struct {
	Manifest      *Manifest
	BuildID       string
	ViewerVersion string
	Loader        []byte // the Go loader Wasm
	LoaderWasm    int    // bytes of the Go loader Wasm, uncompressed
	WidgetJS      int    // bytes of widget.js
	StandaloneJS  int    // bytes of widget.standalone.js
	ViewerWasm    int64
}

// Build writes OutDir/widget.js and OutDir/re_viewer_bg.wasm for the Viewer
// in opts.ViewerDir. It builds the Go loader Wasm with the Go toolchain on
// PATH and takes wasm_exec.js from that same toolchain. Its steps: read
// the inputs, compose the files, stage them in a folder of their own
// inside OutDir, describe them (precompressed siblings and the manifest),
// publish them into OutDir whole, manifest last.
func Build(ctx context.Context, opts Options) (*Result, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	in, err := read(ctx, opts, log)
	if err != nil {
		return nil, err
	}
	b, err := compose(in, opts.ViewerURL)
	if err != nil {
		return nil, err
	}
	st, err := stage(opts.OutDir, in, b)
	if err != nil {
		return nil, err
	}
	defer st.discard()
	m, err := describe(ctx, st.dir, b.id, in.viewer.version, opts.Compression)
	if err != nil {
		return nil, err
	}
	servedFrom := opts.ServedFrom
	if servedFrom == "" {
		servedFrom = opts.OutDir
	}
	unlock, err := lockPublish(opts.OutDir)
	if err != nil {
		return nil, err
	}
	testHookPublish(opts.OutDir)
	err = publish(st.dir, opts.OutDir, servedFrom, m, opts.Compression != nil)
	unlock()
	if err != nil {
		return nil, err
	}
	st.published = true
	res := &Result{
		Manifest:      m,
		BuildID:       b.id,
		ViewerVersion: in.viewer.version,
		Loader:        in.loader.wasm,
		LoaderWasm:    len(in.loader.wasm),
		WidgetJS:      len(b.files[names.WidgetFile]),
		StandaloneJS:  len(b.files[names.StandaloneWidgetFile]),
		ViewerWasm:    st.viewerSize,
	}
	fmt.Fprintf(log, "built %s (viewer %s, build %s): %s %d bytes, %s %d bytes, %s %d bytes, %s %d bytes\n",
		opts.OutDir, res.ViewerVersion, res.BuildID, names.WidgetFile, res.WidgetJS, names.LoaderFile, res.LoaderWasm,
		names.StandaloneWidgetFile, res.StandaloneJS, names.ViewerFile, res.ViewerWasm)
	return res, nil
}

// inputs are what a build is made of.
type inputs struct {
	viewer    *viewerPackage
	viewerSum string // the Viewer Wasm's SHA-256
	loader    *loaderBuild
}

// read checks the options and reads the Viewer package, builds the loader
// Wasm and hashes the Viewer.
func read(ctx context.Context, opts Options, log io.Writer) (*inputs, error) {
	if opts.ViewerURL != "" {
		if err := checkViewerURL(opts.ViewerURL); err != nil {
			return nil, err
		}
	}
	viewer, err := readViewer(opts.ViewerDir)
	if err != nil {
		return nil, err
	}
	loader, err := buildLoaderWasm(ctx, log)
	if err != nil {
		return nil, err
	}
	info, err := hashFile(viewer.wasmPath)
	if err != nil {
		return nil, err
	}
	return &inputs{viewer: viewer, viewerSum: info.SHA256, loader: loader}, nil
}

// composed are a build's files but the Viewer Wasm, by name, and its id.
type composed struct {
	id    string
	files map[string][]byte
}

// compose makes widget.js in its two builds, the loader file, the
// element, package.json and the types, and the build id that names them.
func compose(in *inputs, viewerURL string) (*composed, error) {
	w, err := composeWidget(buildIDPlaceholder, in.viewer, in.viewerSum, viewerURL, in.loader.wasmExec, in.loader.wasm)
	if err != nil {
		return nil, err
	}
	served := w.split
	if viewerURL != "" {
		served = w.standalone
	}
	elementSrc, err := fillJS(esm.Element)
	if err != nil {
		return nil, fmt.Errorf("compose %s: %w", names.ElementFile, err)
	}
	element, err := minifyJS(elementSrc)
	if err != nil {
		return nil, fmt.Errorf("minify %s: %w", names.ElementFile, err)
	}
	// The id names every byte served: widget.js as it will be but for the
	// id itself, the element, and the Viewer Wasm by its hash.
	if !bytes.Contains(served, []byte(buildIDPlaceholder)) {
		return nil, errors.New("compose widget.js: the minifier dropped the build id")
	}
	id := buildIDOf(served, in.loader.wasm, element, []byte(in.viewerSum))
	withID := func(draft []byte) []byte { return bytes.ReplaceAll(draft, []byte(buildIDPlaceholder), []byte(id)) }
	pkg, err := packageJSON(in.viewer.version, id)
	if err != nil {
		return nil, err
	}
	return &composed{id: id, files: map[string][]byte{
		names.WidgetFile:           withID(served),
		names.StandaloneWidgetFile: withID(w.standalone),
		names.LoaderFile:           in.loader.wasm,
		names.ElementFile:          element,
		PackageFile:                pkg,
		"widget.d.ts":              []byte(esm.WidgetTypes),
		"rerun-viewer.d.ts":        []byte(esm.ElementTypes),
	}}, nil
}

// staged is a build written into a folder of its own inside the output
// folder, so that an interrupted or failed build leaves the output as it
// was.
type staged struct {
	dir, out   string
	created    bool // out did not exist before
	viewerSize int64
	published  bool
}

// stage writes b's files and the Viewer Wasm into a new folder inside out.
func stage(out string, in *inputs, b *composed) (st *staged, err error) {
	created, err := mkdirAllNew(out)
	if err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	dir, err := os.MkdirTemp(out, ".build-")
	if err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	st = &staged{dir: dir, out: out, created: created}
	defer func() {
		if err != nil {
			st.discard()
		}
	}()
	for name, content := range b.files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	st.viewerSize, err = placeViewerWasm(in.viewer.wasmPath, filepath.Join(out, names.ViewerFile), filepath.Join(dir, names.ViewerFile), in.viewerSum)
	return st, err
}

// discard removes what is left of the stage, and the output folder when
// the build created it and published nothing into it.
func (st *staged) discard() {
	os.RemoveAll(st.dir)
	if st.created && !st.published {
		os.Remove(st.out) // only if empty: nothing of ours in it
	}
}

// WriteManifest describes the bundle files in dir, precompressing them
// first when c is not nil, and writes manifest.json last: a folder with a
// manifest is complete.
func WriteManifest(dir, buildID, version string, c *Compression) (*Manifest, error) {
	m, err := describe(context.Background(), dir, buildID, version, c)
	if err != nil {
		return nil, err
	}
	return m, publish(dir, dir, dir, m, c != nil)
}

// describe hashes the served files in dir and, when c is not nil, writes
// their precompressed siblings there: the manifest of the build.
func describe(ctx context.Context, dir, buildID, version string, c *Compression) (*Manifest, error) {
	m := &Manifest{BuildID: buildID, ViewerVersion: version, Files: map[string]FileInfo{}}
	if c != nil && (c.Quality < 0 || c.Quality > 11) {
		return nil, fmt.Errorf("brotli quality %d is not in 0–11", c.Quality)
	}
	for _, f := range Files {
		info, err := hashFile(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, err
		}
		if c != nil {
			if info.Encodings, err = precompress(ctx, dir, f.Name, info.SHA256, *c); err != nil {
				return nil, err
			}
		}
		m.Files[f.Name] = info
	}
	return m, nil
}

// testHookPublish is called as a build starts publishing into dir, with
// the lock held: a test checks it is.
var testHookPublish = func(dir string) {}

// publish moves every file of stage into out (when they differ), drops
// precompressed siblings an earlier build left when this one has none,
// and writes out's static configurations, for a bundle served from
// servedFrom, and then its manifest: a folder with a manifest is complete.
func publish(stage, out, servedFrom string, m *Manifest, precompressed bool) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if stage != out {
		entries, err := os.ReadDir(stage)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(out, e.Name())); err != nil {
				return fmt.Errorf("move %s into %s: %w", e.Name(), out, err)
			}
		}
	}
	if !precompressed {
		for _, f := range Files {
			for _, enc := range Encodings {
				os.Remove(filepath.Join(out, f.Name+enc.Ext)) // stale from an earlier build
			}
		}
	}
	if err := writeStaticConfigs(out, servedFrom, m); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(out, ManifestFile), bytes.NewReader(append(b, '\n')))
}

// mkdirAllNew creates dir and reports whether it was not there before.
func mkdirAllNew(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	return true, os.MkdirAll(dir, 0o755)
}

type viewerPackage struct {
	version  string
	glue     string // re_viewer.js with its default export turned into an expression
	wasmPath string
	// initTakesObject is whether the glue's init takes {module_or_path}
	// (wasm-bindgen 0.2.93+) rather than the module itself.
	initTakesObject bool
}

// glueExport is how wasm-bindgen's "no-modules"-to-ESM glue, as packaged by
// @rerun-io/web-viewer, exposes its factory.
var glueExport = regexp.MustCompile(`(?m)^export default function\s*\(`)

// LocalVersion is the version of a Viewer built locally: a folder with
// re_viewer.js and re_viewer_bg.wasm but no package.json.
const LocalVersion = "0.0.0-local"

// readViewer reads an unpacked @rerun-io/web-viewer package, or a folder
// holding only the two files a local Viewer build writes (re_viewer.js and
// re_viewer_bg.wasm), and checks that they come from one build.
func readViewer(dir string) (*viewerPackage, error) {
	if dir == "" {
		return nil, errors.New("no viewer package directory given")
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		pkg.Version = LocalVersion
	case err != nil:
		return nil, fmt.Errorf("read viewer package: %w", err)
	default:
		if err := json.Unmarshal(raw, &pkg); err != nil {
			return nil, fmt.Errorf("read viewer package.json: %w", err)
		}
		if pkg.Name != ViewerPackage {
			return nil, fmt.Errorf("%s holds %q, not %s", dir, pkg.Name, ViewerPackage)
		}
	}
	glue, err := os.ReadFile(filepath.Join(dir, "re_viewer.js"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a Viewer: want an unpacked %s package (package.json, re_viewer.js, %s) or a local build's re_viewer.js and %s: %w",
			dir, ViewerPackage, names.ViewerFile, names.ViewerFile, err)
	}
	wasmPath := filepath.Join(dir, names.ViewerFile)
	if _, err := os.Stat(wasmPath); err != nil {
		return nil, fmt.Errorf("viewer package: %w", err)
	}
	if err := checkPair(string(glue), wasmPath); err != nil {
		return nil, fmt.Errorf("viewer in %s: %w", dir, err)
	}
	expr, err := glueFactory(string(glue))
	if err != nil {
		return nil, fmt.Errorf("viewer %s glue: %w", pkg.Version, err)
	}
	return &viewerPackage{
		version:         pkg.Version,
		glue:            expr,
		wasmPath:        wasmPath,
		initTakesObject: strings.Contains(expr, "module_or_path"),
	}, nil
}

// glueFactory turns re_viewer.js, a module whose only export is
// `export default function () {…}`, into the function expression alone so
// it can live inside widget.js.
func glueFactory(src string) (string, error) {
	locs := glueExport.FindAllStringIndex(src, -1)
	if len(locs) != 1 {
		return "", fmt.Errorf("expected one `export default function (`, found %d", len(locs))
	}
	expr := src[:locs[0][0]] + "function (" + src[locs[0][1]:]
	for _, bad := range []string{names.MarkerOpen, names.MarkerClose} {
		if strings.Contains(expr, bad) {
			return "", fmt.Errorf("glue contains %s, which would confuse inline mode", bad)
		}
	}
	if regexp.MustCompile(`(?m)^\s*(export|import)\s`).MatchString(expr) {
		return "", errors.New("glue has other import or export statements")
	}
	return strings.TrimSpace(expr), nil
}

// widgetBuilds are widget.js's two builds: split fetches the Go loader
// from next to itself, standalone carries it inside.
type widgetBuilds struct{ split, standalone []byte }

// composeWidget fills the bootstrap, minifies it, joins it to each way of
// finding the Go loader, and checks that the inline markers still enclose
// the fetch.
func composeWidget(buildID string, viewer *viewerPackage, viewerSum, viewerURL, wasmExec string, loaderWasm []byte) (*widgetBuilds, error) {
	if !regexp.MustCompile(`^[0-9A-Za-z.+-]+$`).MatchString(viewer.version) {
		return nil, fmt.Errorf("viewer version %q is not a version", viewer.version)
	}
	own, err := esm.Widget()
	if err != nil {
		return nil, err
	}
	src, err := fillJS(own,
		"__BUILD_ID__", buildID,
		"__VIEWER_VERSION__", viewer.version,
		"__VIEWER_SHA256__", viewerSum,
		"__VIEWER_URL__", jsValue(viewerURL),
		"__GLUE_INIT_OBJECT__", strconv.FormatBool(viewer.initTakesObject),
		"__GLUE__", viewer.glue,
		"__WASM_EXEC__", wasmExec,
	)
	if err != nil {
		return nil, fmt.Errorf("compose widget.js: %w", err)
	}
	out, err := minifyJS(src)
	if err != nil {
		return nil, fmt.Errorf("minify widget.js: %w", err)
	}

	// In the standalone build the loader Wasm travels gzipped, in base64,
	// in a string literal that a function returns, so the string is made
	// only when the loader boots. A sixth of the hex it once was (0.95 MB,
	// not 5.7 MB): every module instance's parse scans it (inline mode
	// makes one a cell run, and the loader boots only once a page), and
	// rerun_notebook's own server sends widget.js uncompressed. The
	// browser decompresses it with DecompressionStream into a streaming
	// compile. A string, unlike a comment, survives bundlers' minifiers.
	// Like fetchViewer, it stays outside the minifier.
	packed, err := gzipped(loaderWasm)
	if err != nil {
		return nil, fmt.Errorf("compress the loader Wasm: %w", err)
	}
	carrier := "function loaderSource(){return{gzip:\"" + base64.StdEncoding.EncodeToString(packed) + "\"}}\n"
	marker, err := fillJS(esm.FetchViewer)
	if err != nil {
		return nil, fmt.Errorf("compose the marker function: %w", err)
	}
	fromFile, err := fillJS(esm.LoaderFromFile)
	if err != nil {
		return nil, fmt.Errorf("compose loaderSource: %w", err)
	}
	w := &widgetBuilds{
		split:      []byte(marker + fromFile + string(out)),
		standalone: []byte(marker + carrier + string(out)),
	}
	for _, b := range [][]byte{w.split, w.standalone} {
		if err := CheckMarkers(b); err != nil {
			return nil, fmt.Errorf("minified widget.js: %w", err)
		}
	}
	return w, nil
}

// gzipped returns b compressed by gzip at its best level.
func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fillJS fills the placeholders of the loader's JavaScript in one pass:
// the names every side agrees on, then the build's own pairs (placeholder,
// value). One pass, so nothing a value brings in (the glue, wasm_exec.js)
// is replaced. A placeholder it has no value for is an error.
func fillJS(src string, build ...string) (string, error) {
	pairs := append([]string{
		"__WIDGET_FILE__", names.WidgetFile,
		"__LOADER_FILE__", names.LoaderFile,
		"__STANDALONE_WIDGET_FILE__", names.StandaloneWidgetFile,
		"__VIEWER_FILE__", names.ViewerFile,
		"__MARKER_OPEN__", names.MarkerOpen,
		"__MARKER_CLOSE__", names.MarkerClose,
		"__LINK_HEADER__", names.LinkHeader,
		"__FINAL_LENGTH_HEADER__", names.FinalLengthHeader,
		"__BOOT_HOOK__", names.BootHook,
		"__RUNTIME_REGISTRY__", names.RuntimeRegistry,
		"__VIEWER_EVENTS__", jsValue(names.ViewerEvents),
		"__LIFECYCLE_EVENTS__", jsValue(names.LifecycleEvents),
		"__EVENT_RESUMED__", names.EventResumed,
		"__EVENT_RESTORED__", names.EventRestored,
		"__START_FAILED__", names.StartFailedTitle,
		"__SIMD_PROBE__", jsBytes(names.SIMDProbe),
	}, build...)
	for _, b := range names.Boundary {
		pairs = append(pairs, b[0], b[1])
	}
	if err := checkPlaceholders(src, pairs); err != nil {
		return "", err
	}
	return strings.NewReplacer(pairs...).Replace(src), nil
}

// placeholder is how the JavaScript sources name a value the build fills.
var placeholder = regexp.MustCompile(`__[A-Z][A-Z0-9_]*[A-Z0-9]__`)

// checkPlaceholders fails on a placeholder of src that pairs (placeholder,
// value, …) does not fill: left in, it would be a free name that fails
// only in a browser.
func checkPlaceholders(src string, pairs []string) error {
	filled := map[string]bool{}
	for i := 0; i < len(pairs); i += 2 {
		filled[pairs[i]] = true
	}
	var missing []string
	for _, p := range placeholder.FindAllString(src, -1) {
		if !filled[p] && !slices.Contains(missing, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the build fills no value for %s: add it to fillJS", strings.Join(missing, ", "))
	}
	return nil
}

func minifyJS(src string) ([]byte, error) {
	var out bytes.Buffer
	if err := (&js.Minifier{}).Minify(minify.New(), &out, strings.NewReader(src), nil); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// PackageFile is the package.json a build writes, so that web apps can
// npm install the build folder and bundlers find widget.js, the element
// and their types.
const PackageFile = "package.json"

// PackageName is the npm name of a build folder.
const PackageName = "@gorerun/rerun-viewer"

// packageJSON describes a build folder as an npm package. Its version is
// the Viewer's, with the build id as semver build metadata.
func packageJSON(viewerVersion, buildID string) ([]byte, error) {
	type entry struct {
		Types   string `json:"types"`
		Default string `json:"default"`
	}
	pkg := struct {
		Name        string         `json:"name"`
		Version     string         `json:"version"`
		Description string         `json:"description"`
		License     string         `json:"license"`
		Type        string         `json:"type"`
		Main        string         `json:"main"`
		Types       string         `json:"types"`
		Exports     map[string]any `json:"exports"`
		SideEffects []string       `json:"sideEffects"`
		Files       []string       `json:"files"`
	}{
		Name:        PackageName,
		Version:     viewerVersion + "+" + buildID,
		Description: "The Rerun Viewer " + viewerVersion + " for web pages and notebooks: WebViewer, mount() and <rerun-viewer>, loaded by a Go loader",
		License:     "MIT OR Apache-2.0",
		Type:        "module",
		Main:        "./" + names.WidgetFile,
		Types:       "./widget.d.ts",
		Exports: map[string]any{
			".":                     entry{"./widget.d.ts", "./" + names.WidgetFile},
			"./standalone":          entry{"./widget.d.ts", "./" + names.StandaloneWidgetFile},
			"./element":             entry{"./rerun-viewer.d.ts", "./" + names.ElementFile},
			"./" + names.LoaderFile: "./" + names.LoaderFile,
			"./" + names.ViewerFile: "./" + names.ViewerFile,
			"./package.json":        "./package.json",
		},
		SideEffects: []string{"./" + names.ElementFile},
		Files:       []string{names.WidgetFile, names.LoaderFile, names.StandaloneWidgetFile, names.ElementFile, names.ViewerFile, "widget.d.ts", "rerun-viewer.d.ts"},
	}
	b, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// CheckMarkers verifies what rerun-notebook's inline mode relies on: each
// marker once, in order, enclosing the fetch of the Viewer, inside an async
// function.
func CheckMarkers(widget []byte) error {
	s := string(widget)
	if n := strings.Count(s, names.MarkerOpen); n != 1 {
		return fmt.Errorf("%s appears %d times, want 1", names.MarkerOpen, n)
	}
	if n := strings.Count(s, names.MarkerClose); n != 1 {
		return fmt.Errorf("%s appears %d times, want 1", names.MarkerClose, n)
	}
	open := strings.Index(s, names.MarkerOpen) + len(names.MarkerOpen)
	close := strings.Index(s, names.MarkerClose)
	if close < open {
		return errors.New("the inline markers are out of order")
	}
	if !strings.Contains(s[open:close], "fetch(") {
		return fmt.Errorf("the inline markers no longer enclose the fetch: %q", s[open:close])
	}
	fn := strings.LastIndex(s[:open], "async function")
	if fn < 0 || strings.Contains(s[fn:open], "}") {
		return errors.New("the inline markers are not inside an async function")
	}
	return nil
}

// placeViewerWasm puts the Viewer Wasm (sum is its SHA-256) at dst: a hard
// link to the one already served at current when it is the same, else to
// src, and a copy where links cannot be made. Files are replaced, never
// written into, so sharing them is safe.
func placeViewerWasm(src, current, dst, sum string) (int64, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return 0, err
	}
	if have, err := hashFile(current); err == nil && have.SHA256 == sum && os.Link(current, dst) == nil {
		return fi.Size(), nil
	}
	return fi.Size(), linkOrCopy(src, dst)
}

// linkOrCopy makes dst a hard link to src, or a copy of it.
func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeFileAtomic(dst, f)
}

// writeFileAtomic writes r to path through a temporary file, so a server
// reading the folder never sees a half-written file.
func writeFileAtomic(path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// jsBytes returns b as a JavaScript array literal of numbers.
func jsBytes(b []byte) string {
	n := make([]string, len(b))
	for i, c := range b {
		n[i] = strconv.Itoa(int(c))
	}
	return "[" + strings.Join(n, ",") + "]"
}

// jsValue returns v, a string or a list of strings, as a JavaScript
// literal (JSON is a subset).
func jsValue[T string | []string](v T) string {
	b, _ := json.Marshal(v) // strings always marshal
	return string(b)
}
