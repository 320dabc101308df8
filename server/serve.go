package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/names"
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

// ShutdownGrace is how long downloads in flight when the server is asked
// to stop have to finish before their connections are closed.
const ShutdownGrace = 10 * time.Second

// Listener is a bound address, ready to serve.
type Listener struct {
	ln     net.Listener
	base   string // http://host:port as bound
	public string // the base users reach
}

// Listen checks opts and binds the address, so that a bad public URL or a
// port in use is reported before any long build.
func Listen(opts ServeOptions) (*Listener, error) {
	if err := CheckPublicURL(opts.PublicURL); err != nil {
		return nil, err
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("--port %d is not a TCP port (0–65535; 0 picks a free one)", opts.Port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("listen: %w (is another server on that port? pick one with --port, or --port 0)", err)
	}
	l := &Listener{ln: ln, base: "http://" + net.JoinHostPort(opts.Host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))}
	l.public = strings.TrimRight(opts.PublicURL, "/")
	if l.public == "" {
		l.public = l.base
	}
	return l, nil
}

// PublicURL is the base URL the Listener's assets are reachable at.
func (l *Listener) PublicURL() string { return l.public }

// Close releases the address of a Listener that will not serve.
func (l *Listener) Close() error { return l.ln.Close() }

// Serve prints where the assets are, as `python -m rerun_notebook serve`
// does, and serves h until ctx ends. Then it stops accepting, lets the
// downloads in flight finish for up to ShutdownGrace, and returns.
func (l *Listener) Serve(ctx context.Context, h http.Handler, out io.Writer) error {
	srv := NewHTTPServer(h)
	fmt.Fprintf(out, "Serving rerun notebook assets at %s\n", l.base)
	fmt.Fprintf(out, "RERUN_NOTEBOOK_ASSET=%s/%s\n", l.public, names.WidgetFile)
	fmt.Fprintf(out, "Web pages: <script type=\"module\" src=\"%s/%s\"></script> <rerun-viewer src=\"….rrd\"></rerun-viewer>\n", l.public, names.ElementFile)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(out, "Shutting down: downloads in flight have %v to finish\n", ShutdownGrace)
	grace, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		srv.Close()
		fmt.Fprintf(out, "Closed the connections still busy after %v\n", ShutdownGrace)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Serve listens as opts say and serves h until ctx ends (see
// Listener.Serve).
func Serve(ctx context.Context, h http.Handler, opts ServeOptions, out io.Writer) error {
	l, err := Listen(opts)
	if err != nil {
		return err
	}
	return l.Serve(ctx, h, out)
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
