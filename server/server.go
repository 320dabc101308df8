// Package server serves a notebook bundle (widget.js and re_viewer_bg.wasm)
// over HTTP to notebooks on other origins. It knows HTTP, not how the
// bundle is composed: it reads the build folder.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gorerun/loader/browsertest/hostpage"
)

// The files of a bundle and how they are served.
var bundleFiles = map[string]string{
	"/widget.js":         "text/javascript; charset=utf-8",
	"/re_viewer_bg.wasm": "application/wasm",
}

// Config says what a Handler serves.
type Config struct {
	// Dir is the bundle folder written by `loader build`.
	Dir string
	// DemoRecording, when set, makes / a page that shows the Viewer
	// through widget.js with this .rrd file loaded.
	DemoRecording string
}

// Handler serves the bundle in cfg.Dir: widget.js and re_viewer_bg.wasm
// with their right Content-Type, CORS open to every origin (notebooks load
// them from another origin), GET and HEAD; every other path is 404.
type Handler struct {
	cfg Config
}

// New returns a Handler for cfg after checking the bundle is there.
func New(cfg Config) (*Handler, error) {
	for name := range bundleFiles {
		if _, err := os.Stat(filepath.Join(cfg.Dir, filepath.FromSlash(name))); err != nil {
			return nil, fmt.Errorf("bundle folder %s: %w (build it with `loader build`)", cfg.Dir, err)
		}
	}
	if cfg.DemoRecording != "" {
		if _, err := os.Stat(cfg.DemoRecording); err != nil {
			return nil, fmt.Errorf("demo recording: %w", err)
		}
	}
	return &Handler{cfg: cfg}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ctype, ok := bundleFiles[r.URL.Path]; ok {
		h.serveFile(w, r, filepath.Join(h.cfg.Dir, filepath.FromSlash(r.URL.Path)), ctype)
		return
	}
	if h.cfg.DemoRecording != "" {
		switch r.URL.Path {
		case "/":
			serveBytes(w, r, "text/html; charset=utf-8", hostpage.DemoPage)
			return
		case "/host.js":
			serveBytes(w, r, "text/javascript; charset=utf-8", hostpage.HostJS)
			return
		case "/recording.rrd":
			h.serveFile(w, r, h.cfg.DemoRecording, "application/octet-stream")
			return
		}
	}
	http.NotFound(w, r)
}

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, path, ctype string) {
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "asset missing", http.StatusNotFound)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "asset unreadable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func serveBytes(w http.ResponseWriter, r *http.Request, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// Serve listens on host:port (port 0 picks a free one), prints where the
// assets are as `python -m rerun_notebook serve` does, and serves until
// ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, h http.Handler, host string, port int, out io.Writer) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	fmt.Fprintf(out, "Serving rerun notebook assets at %s\n", base)
	fmt.Fprintf(out, "RERUN_NOTEBOOK_ASSET=%s/widget.js\n", base)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
