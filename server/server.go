// Package server serves a notebook bundle (widget.js and re_viewer_bg.wasm,
// with their precompressed siblings) over HTTP to notebooks on other
// origins. It knows HTTP, not how the bundle is composed: it reads the
// build folder and its manifest.
package server

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/names"
)

// Config says what a Handler serves.
type Config struct {
	// Dir is the bundle folder written by `loader build`.
	Dir string
	// AllowOrigins lists the origins allowed to fetch the bundle, as
	// ParseOrigins returns them; empty means every origin ("*").
	AllowOrigins []string
	// Log, when set, is told when a rebuilt bundle is served from then on,
	// or why a changed folder is not.
	Log io.Writer
	// Link says where the clients are, which decides the encoding sent
	// when a client accepts several; empty means LinkAuto.
	Link Link
	// PublicURL is the address users reach the server at, when a proxy
	// stands in front of it: a remote one makes every client remote.
	PublicURL string
}

// Handler serves a bundle:
//   - /widget.js and /re_viewer_bg.wasm, revalidated on every use
//     (Cache-Control: no-cache, strong ETags, 304s); the same under
//     /version/<build id>/, cached for a year (immutable), and under
//     /version/<Viewer version>/, revalidated like the plain paths, since
//     one Viewer version is served by many builds of the loader;
//   - the precompressed variant the client prefers; among those it likes
//     equally, zstd for browsers on this machine (see Link) and brotli for
//     others, said in the rerun-link response header; always
//     with Content-Length, and rerun-final-length giving the uncompressed
//     size, exposed to cross-origin scripts with Content-Encoding;
//   - ranges (206) of the variant the client gets, If-Match, If-Range,
//     HEAD, and CORS preflights;
//   - 404 for anything else, 405 for other methods.
//
// It serves the build that was in the folder when New was called until a
// new manifest.json appears (`loader build` writes it last); then it
// checks the new build and switches to it at once. A response always has
// the bytes of the build it started with.
type Handler struct {
	cfg     Config
	current atomic.Pointer[build]
	// checked is when the manifest was last looked at, in UnixNano;
	// reloading is set while a new build is being checked.
	checked   atomic.Int64
	reloading atomic.Bool
	lastError atomic.Pointer[string]
}

// manifestCheckEvery bounds how often requests look for a new manifest.
const manifestCheckEvery = 200 * time.Millisecond

// New returns a Handler for cfg after reading the bundle's manifest and
// checking every file it names against it.
func New(cfg Config) (*Handler, error) {
	b, err := loadBuild(cfg.Dir)
	if err != nil {
		return nil, err
	}
	cfg.AllowOrigins = slices.Clone(cfg.AllowOrigins)
	for i, o := range cfg.AllowOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			b.close()
			return nil, err
		}
		cfg.AllowOrigins[i] = n
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	h := &Handler{cfg: cfg}
	h.current.Store(b)
	h.checked.Store(time.Now().UnixNano())
	return h, nil
}

// acquire returns the build to serve a request from; the caller releases
// it. It is the one build current before and after acquiring it, so a
// build being retired is never handed out.
func (h *Handler) acquire() *build {
	h.maybeReload()
	for {
		b := h.current.Load()
		b.acquire()
		if h.current.Load() == b {
			return b
		}
		b.release()
	}
}

// maybeReload looks for a new manifest at most every manifestCheckEvery,
// and checks a new build in the background: requests keep being served
// from the current one meanwhile.
func (h *Handler) maybeReload() {
	now := time.Now().UnixNano()
	last := h.checked.Load()
	if now-last < int64(manifestCheckEvery) || !h.checked.CompareAndSwap(last, now) {
		return
	}
	fi, err := os.Stat(filepath.Join(h.cfg.Dir, assets.ManifestFile))
	cur := h.current.Load()
	if err != nil || sameStamp(fi, cur.stamp) || !h.reloading.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer h.reloading.Store(false)
		next, err := loadBuild(h.cfg.Dir)
		if err != nil {
			// A build in progress, or a broken folder: say it once.
			msg := err.Error()
			if prev := h.lastError.Swap(&msg); prev == nil || *prev != msg {
				fmt.Fprintf(h.cfg.Log, "still serving build %s: the folder changed but is not a whole build yet: %v\n", cur.manifest.BuildID, err)
			}
			return
		}
		h.lastError.Store(nil)
		old := h.current.Swap(next)
		old.retire()
		fmt.Fprintf(h.cfg.Log, "serving build %s (Viewer %s) from now on; it replaces build %s\n", next.manifest.BuildID, next.manifest.ViewerVersion, old.manifest.BuildID)
	}()
}

// Reload checks the folder for a new build now, and switches to it when
// it is whole: for tests and callers that just wrote one.
func (h *Handler) Reload() error {
	next, err := loadBuild(h.cfg.Dir)
	if err != nil {
		return err
	}
	h.current.Swap(next).retire()
	return nil
}

func sameStamp(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	if !h.cors(w, r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		hdr.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			hdr.Set("Access-Control-Allow-Headers", req)
		}
		hdr.Set("Access-Control-Max-Age", "86400")
		hdr.Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hdr.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	b := h.acquire()
	defer b.release()
	route, ok := b.routes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b.serveAsset(w, r, route, isLocal(r, h.cfg.Link, h.cfg.PublicURL))
}

// cors sets the CORS headers and reports whether the origin may fetch.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	hdr := w.Header()
	if len(h.cfg.AllowOrigins) == 0 {
		for _, c := range assets.OpenCORSHeaders {
			hdr.Set(c.Name, c.Value)
		}
		return true
	}
	hdr.Set("Access-Control-Expose-Headers", assets.ExposedHeaders)
	hdr.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a cross-origin browser request
	}
	if o, err := normalizeOrigin(origin); err != nil || !slices.Contains(h.cfg.AllowOrigins, o) {
		return false
	}
	hdr.Set("Access-Control-Allow-Origin", origin)
	return true
}

func (b *build) serveAsset(w http.ResponseWriter, r *http.Request, route assets.Route, local bool) {
	name := route.File
	info := b.manifest.Files[name]
	hdr := w.Header()
	hdr.Add("Vary", "Accept-Encoding")
	for _, h := range route.Headers {
		hdr.Set(h.Name, h.Value)
	}

	available := map[string]bool{}
	for enc := range info.Encodings {
		available[enc] = true
	}
	preference, link := remotePreference, LinkRemote
	if local {
		preference, link = localPreference, LinkLocal
	}
	coding, ok := Negotiate(r.Header.Get("Accept-Encoding"), available, preference)
	if !ok {
		http.Error(w, "no acceptable content coding", http.StatusNotAcceptable)
		return
	}
	file := name
	if coding != Identity {
		file = info.Encodings[coding].File
	}
	sf := b.files[file]
	hdr.Set("ETag", sf.etag)
	hdr.Set(names.LinkHeader, string(link))
	if rng := r.Header.Get("Range"); rng != "" {
		// RFC 9110 §14.2: a Range with a unit the server does not know is
		// ignored; net/http answers 416 to it, and reads only "bytes=".
		unit, spec, _ := strings.Cut(rng, "=")
		if strings.EqualFold(strings.TrimSpace(unit), "bytes") {
			r.Header.Set("Range", "bytes="+spec)
		} else {
			r.Header.Del("Range")
		}
	}
	content, done := sf.reader()
	defer done()
	// ServeContent owns conditional requests (If-None-Match, If-Match,
	// If-Range) and ranges, for every variant: a range is of the bytes
	// sent, the variant's, which its own ETag names. It leaves
	// Content-Length out when Content-Encoding is already set, so the
	// encoding is added as the headers go out.
	cw := &codingWriter{ResponseWriter: w, coding: coding}
	http.ServeContent(cw, r, "", time.Time{}, content)
}

// codingWriter adds Content-Encoding to the 200 and 206 responses of an
// encoded variant when http.ServeContent writes their headers.
type codingWriter struct {
	http.ResponseWriter
	coding string
}

func (w *codingWriter) WriteHeader(code int) {
	if w.coding != Identity && (code == http.StatusOK || code == http.StatusPartialContent) {
		w.Header().Set("Content-Encoding", w.coding)
	}
	w.ResponseWriter.WriteHeader(code)
}

// ReadFrom keeps the ResponseWriter's sendfile path for file bodies.
func (w *codingWriter) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(w.ResponseWriter, src)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *codingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
