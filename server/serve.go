package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
)

// ServeOptions says where to listen and how to announce the server.
type ServeOptions struct {
	Host string // address to bind, e.g. localhost or 0.0.0.0
	Port int    // 0 picks a free port
	// PublicURL is the URL users reach the server at when it sits behind
	// a proxy (JupyterHub, jupyter-server-proxy, a tunnel); the printed
	// RERUN_NOTEBOOK_ASSET uses it.
	PublicURL string
}

// Serve listens, prints where the assets are as `python -m rerun_notebook
// serve` does, and serves until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, h http.Handler, opts ServeOptions, out io.Writer) error {
	public := strings.TrimRight(opts.PublicURL, "/")
	if public != "" {
		u, err := url.Parse(public)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url %q is not an http(s) URL", opts.PublicURL)
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := NewHTTPServer(h)
	base := "http://" + net.JoinHostPort(opts.Host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	if public == "" {
		public = base
	}
	fmt.Fprintf(out, "Serving rerun notebook assets at %s\n", base)
	fmt.Fprintf(out, "RERUN_NOTEBOOK_ASSET=%s/%s\n", public, assets.WidgetFile)
	fmt.Fprintf(out, "Web pages: <script type=\"module\" src=\"%s/%s\"></script> <rerun-viewer src=\"….rrd\"></rerun-viewer>\n", public, assets.ElementFile)
	if hh, ok := h.(*Handler); ok && hh.cfg.DemoRecording != "" {
		fmt.Fprintf(out, "Demo pages: %s/ (<rerun-viewer>), %s/mount.html (mount()), %s/notebook.html (the notebook widget)\n", public, public, public)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// NewHTTPServer returns an http.Server for h with limits that keep slow or
// hostile clients from holding it: a 47 MB download may take minutes on a
// slow link, so there is no write timeout, but headers must come quickly.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
}
