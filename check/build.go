package check

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// viewerBuild is one Viewer build under test, with the bundle made for it.
type viewerBuild struct {
	role    string // "candidate" or "baseline"
	spec    string // what the user named: a folder or a pinned version
	version string
	buildID string // of the bundle: the same Viewer and loader, the same id
	source  string // the folder the Viewer came from
	// broken is why no page can start this build at all (its glue and Wasm
	// come from different builds): every run of it fails with it.
	broken error

	bundle string // widget.js and re_viewer_bg.wasm
	url    string // of widget.js, while served
	close  func()
}

// UsageError is bad input or a broken setup, as opposed to a check that
// failed: `loader check` exits with 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// resolveViewer finds the folder of spec, fetching a released version
// into the cache.
func resolveViewer(ctx context.Context, spec, cache string, log io.Writer) (dir string, err error) {
	vs, err := assets.ParseViewerSpec(spec)
	if err != nil {
		return "", &UsageError{err}
	}
	dir, err = vs.Resolve(ctx, cache, log)
	if err != nil {
		return "", &UsageError{fmt.Errorf("viewer %s: %w", spec, err)}
	}
	return dir, nil
}

// prepare resolves and builds one Viewer build. The bundle goes to the
// cache, in a folder per source folder, so a second run rebuilds only
// widget.js (the Viewer copy is skipped when unchanged).
func prepare(ctx context.Context, role, spec, cache string, log io.Writer) (*viewerBuild, error) {
	dir, err := resolveViewer(ctx, spec, cache, log)
	if err != nil {
		return nil, err
	}
	if spec == "" {
		spec = assets.DefaultViewer().Version
	}
	sum := sha256.Sum256([]byte(dir))
	out := filepath.Join(cache, "check", hex.EncodeToString(sum[:8]))
	b := &viewerBuild{role: role, spec: spec, source: dir, bundle: out}
	fmt.Fprintf(log, "%s: building widget.js for the Viewer in %s\n", role, dir)
	res, err := assets.Build(ctx, assets.Options{ViewerDir: dir, OutDir: out})
	switch {
	case errors.Is(err, assets.ErrMismatchedBuild):
		b.broken = err
		b.version = "?"
		return b, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &UsageError{fmt.Errorf("%s: %w", role, err)}
	case err != nil:
		return nil, fmt.Errorf("%s: build widget.js: %w", role, err)
	}
	b.version, b.buildID = res.ViewerVersion, res.BuildID
	return b, nil
}

// serve serves the bundle on its own loopback origin, as an asset server
// is another origin than the page's.
func (b *viewerBuild) serve() error {
	if b.broken != nil {
		return nil
	}
	h, err := server.New(server.Config{Dir: b.bundle})
	if err != nil {
		return fmt.Errorf("%s: %w", b.role, err)
	}
	url, closeFn, err := listen(h)
	if err != nil {
		return err
	}
	b.url, b.close = url+"/"+names.WidgetFile, closeFn
	return nil
}

// listen serves h on a free loopback port and returns its origin.
func listen(h http.Handler) (origin string, closeFn func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := server.NewHTTPServer(h)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
