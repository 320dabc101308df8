// Package server serves a notebook bundle (widget.js and re_viewer_bg.wasm,
// with their precompressed siblings) over HTTP to notebooks on other
// origins. It knows HTTP, not how the bundle is composed: it reads the
// build folder and its manifest.
package server

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/hostpage"
)

// contentTypes are the files of a bundle and how they are served.
var contentTypes = func() map[string]string {
	m := map[string]string{}
	for _, f := range assets.Files {
		m[f.Name] = f.ContentType
	}
	return m
}()

// Config says what a Handler serves.
type Config struct {
	// Dir is the bundle folder written by `loader build`.
	Dir string
	// AllowOrigins lists the origins allowed to fetch the bundle, as
	// ParseOrigins returns them; empty means every origin ("*").
	AllowOrigins []string
	// DemoRecording, when set, makes / a page that shows the Viewer
	// through widget.js with this .rrd file loaded.
	DemoRecording string
}

// Handler serves a bundle:
//   - /widget.js and /re_viewer_bg.wasm, revalidated on every use
//     (Cache-Control: no-cache, strong ETags, 304s), and the same under
//     /version/<build id or Viewer version>/, cached for a year (immutable);
//   - the precompressed variant the client prefers (br, then gzip), always
//     with Content-Length, and rerun-final-length giving the uncompressed
//     size, exposed to cross-origin scripts with Content-Encoding;
//   - ranges of the uncompressed file (206), HEAD, and CORS preflights;
//   - 404 for anything else, 405 for other methods.
type Handler struct {
	cfg      Config
	manifest *assets.Manifest
	versions []string // version path segments accepted: build id, Viewer version and its PEP 440 spelling
}

// New returns a Handler for cfg after reading the bundle's manifest and
// checking its files are there.
func New(cfg Config) (*Handler, error) {
	m, err := assets.ReadManifest(cfg.Dir)
	if err != nil {
		return nil, err
	}
	for name, info := range m.Files {
		if err := checkFile(filepath.Join(cfg.Dir, name), info.Size); err != nil {
			return nil, err
		}
		for _, v := range info.Encodings {
			if err := checkFile(filepath.Join(cfg.Dir, v.File), v.Size); err != nil {
				return nil, err
			}
		}
	}
	if cfg.DemoRecording != "" {
		if _, err := os.Stat(cfg.DemoRecording); err != nil {
			return nil, fmt.Errorf("demo recording: %w", err)
		}
	}
	for i, o := range cfg.AllowOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		cfg.AllowOrigins[i] = n
	}
	h := &Handler{cfg: cfg, manifest: m}
	h.versions = []string{m.BuildID, m.ViewerVersion, assets.PEP440(m.ViewerVersion)}
	return h, nil
}

func checkFile(path string, size int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("bundle: %w (rebuild it with `loader build`)", err)
	}
	if fi.Size() != size {
		return fmt.Errorf("bundle: %s is %d bytes, its manifest says %d (rebuild it with `loader build`)", path, fi.Size(), size)
	}
	return nil
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

	name, immutable, ok := h.route(r.URL.Path)
	if !ok {
		if h.serveDemo(w, r) {
			return
		}
		http.NotFound(w, r)
		return
	}
	h.serveAsset(w, r, name, immutable)
}

// cors sets the CORS headers and reports whether the origin may fetch.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	hdr := w.Header()
	hdr.Set("Access-Control-Expose-Headers", assets.ExposedHeaders)
	if len(h.cfg.AllowOrigins) == 0 {
		hdr.Set("Access-Control-Allow-Origin", "*")
		return true
	}
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

// route maps a request path to a bundle file; immutable is true under
// /version/<v>/.
func (h *Handler) route(path string) (name string, immutable, ok bool) {
	if rest, found := strings.CutPrefix(path, "/version/"); found {
		version, file, found := strings.Cut(rest, "/")
		if !found || !slices.Contains(h.versions, version) {
			return "", false, false
		}
		path, immutable = "/"+file, true
	}
	name = strings.TrimPrefix(path, "/")
	if _, ok := contentTypes[name]; !ok {
		return "", false, false
	}
	return name, immutable, true
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, name string, immutable bool) {
	info := h.manifest.Files[name]
	hdr := w.Header()
	hdr.Add("Vary", "Accept-Encoding")
	hdr.Set("Content-Type", contentTypes[name])
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cross-Origin-Resource-Policy", "cross-origin")
	hdr.Set("rerun-final-length", strconv.FormatInt(info.Size, 10))
	if immutable {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}

	available := map[string]bool{}
	for enc := range info.Encodings {
		available[enc] = true
	}
	coding := Identity
	if r.Header.Get("Range") == "" {
		// Ranges are served from the uncompressed file only, where byte
		// offsets mean what a resuming client thinks they mean.
		var ok bool
		if coding, ok = Negotiate(r.Header.Get("Accept-Encoding"), available); !ok {
			http.Error(w, "no acceptable content coding", http.StatusNotAcceptable)
			return
		}
	}
	file, size, sum := name, info.Size, info.SHA256
	if coding != Identity {
		v := info.Encodings[coding]
		file, size, sum = v.File, v.Size, v.SHA256
		hdr.Set("Content-Encoding", coding)
	}
	etag := `"` + sum[:32] + `"`
	hdr.Set("ETag", etag)

	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if etagMatches(inm, etag) {
			for _, k := range []string{"Content-Type", "Content-Encoding", "rerun-final-length", "X-Content-Type-Options"} {
				hdr.Del(k)
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		// A miss must not fall through to If-Modified-Since (RFC 9110).
		r.Header.Del("If-Modified-Since")
	}

	f, err := os.Open(filepath.Join(h.cfg.Dir, file))
	if err != nil {
		http.Error(w, "asset missing", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	if coding != Identity {
		// http.ServeContent leaves Content-Length out when
		// Content-Encoding is set; the progress bars need it.
		hdr.Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			io.Copy(w, f) // the ResponseWriter's ReadFrom sends the file with sendfile
		}
		return
	}
	// Identity: ServeContent does ranges, If-Range and HEAD; with the
	// ETag set it compares validators itself.
	http.ServeContent(w, r, "", time.Time{}, f)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// serveDemo serves the demo pages, host.js and the recording when
// configured, under the strict Content-Security-Policy they are written
// for.
func (h *Handler) serveDemo(w http.ResponseWriter, r *http.Request) bool {
	if h.cfg.DemoRecording == "" {
		return false
	}
	w.Header().Set("Content-Security-Policy", hostpage.ContentSecurityPolicy())
	switch name := strings.TrimPrefix(r.URL.Path, "/"); name {
	case "host.js":
		serveBytes(w, r, "text/javascript; charset=utf-8", hostpage.HostJS)
	case "recording.rrd":
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeFile(w, r, h.cfg.DemoRecording)
	default:
		if name == "" {
			name = "index.html"
		}
		b, err := fs.ReadFile(hostpage.Demo, name)
		if err != nil {
			w.Header().Del("Content-Security-Policy")
			return false
		}
		serveBytes(w, r, mime.TypeByExtension(path.Ext(name)), b)
	}
	return true
}

func serveBytes(w http.ResponseWriter, r *http.Request, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
