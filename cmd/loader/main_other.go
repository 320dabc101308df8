//go:build !js

// Command loader builds and serves the Rerun notebook widget whose loader
// is this same program compiled with GOOS=js GOARCH=wasm.
//
// Usage:
//
//	loader build --viewer DIR --out DIR [--quality 11] [--precompress=true]
//	loader serve [--dir DIR] [--bind-address localhost] [--port 8080] [--public-url URL]
//	             [--allow-origin ORIGIN,…] [--recording FILE]
//	loader viewer [--version V]
//	loader check [--viewer DIR|VERSION] [--baseline DIR|VERSION] [--golden DIR [--update-golden]]
//	             [--out build/check] [--size 1024x768] [--timeout 60s] [--max-diff F] RECORDING...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

const usage = `usage:
  loader build --viewer DIR --out DIR [--quality 11] [--precompress=true] [--viewer-url URL]
      Write OUT/widget.js (the notebook widget, WebViewer and mount()),
      OUT/rerun-viewer.js (the <rerun-viewer> element) and
      OUT/re_viewer_bg.wasm for the unpacked @rerun-io/web-viewer package in
      DIR, their .br, .zst and .gz siblings, manifest.json, and package.json with
      types (npm install OUT). Compression is cached by content hash
      ($LOADER_CACHE).
  loader serve [--dir DIR] [--bind-address localhost] [--port 8080] [--public-url URL]
               [--allow-origin ORIGIN,...] [--link auto|local|remote] [--recording FILE]
      Serve a bundle to notebooks. Without --dir, serve the pinned Viewer,
      building it first when needed. --public-url is the address users reach
      (behind a proxy); --link says where browsers are: local ones get zstd
      (fastest to decode), remote ones brotli (fewest bytes); auto decides
      per request. --recording adds demo pages showing FILE at /
      (<rerun-viewer>), /mount.html and /notebook.html.
  loader viewer [--version V]
      Fetch, verify and unpack a pinned @rerun-io/web-viewer into the cache
      ($LOADER_CACHE) and print its directory.
  loader check [--viewer DIR|VERSION] [--baseline DIR|VERSION] [--golden DIR [--update-golden]]
               [--out build/check] [--size 1024x768] [--timeout 60s] [--max-diff F] RECORDING...
      Regression-test a Viewer build in headless Chromium: each RECORDING
      (an .rrd file or URL) must open without errors and look as its golden
      screenshot or the baseline build does. Writes OUT/index.html,
      junit.xml and report.json. Exit status 0: all passed, 1: a check
      failed, 2: bad usage or setup. ` + "`loader check -h`" + ` says more.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && ctx.Err() != nil {
		// Whatever failed, it failed because it was interrupted.
		err = context.Canceled
	}
	os.Exit(exitCode(err, os.Stderr))
}

// errChecksFailed is a `loader check` that ran and found failures: the
// report says which, so there is nothing more to print.
var errChecksFailed = errors.New("checks failed")

// errUsageShown is bad usage the flag package has explained already (the
// message and the flags): exit status 2 with nothing more to print.
var errUsageShown = errors.New("bad usage")

// usageError is bad input or a broken setup, as opposed to a failure
// while working: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitCode prints err and says how to exit: 0 for asked-for help, 1 for a
// failure, 2 for bad usage or a broken setup, 130 when interrupted
// (Ctrl-C), as shells report a command ended by SIGINT.
func exitCode(err error, stderr io.Writer) int {
	var checkUsage *check.UsageError
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsageShown):
		return 2
	case errors.Is(err, errChecksFailed):
		return 1
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "loader: interrupted")
		return 130
	case errors.As(err, &checkUsage), errors.As(err, &usage):
		fmt.Fprintln(stderr, "loader:", err)
		return 2
	}
	fmt.Fprintln(stderr, "loader:", err)
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsageShown
	}
	switch args[0] {
	case "build":
		return runBuild(ctx, args[1:], stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "viewer":
		return runViewer(ctx, args[1:], stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageErrorf("unknown command %q", args[0])
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("loader "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args. -h returns flag.ErrHelp (exit status 0) after
// the flag package printed the usage; a bad flag returns errUsageShown,
// as the flag package explained it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return err
	}
	return fmt.Errorf("%w: %v", errUsageShown, err)
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func runBuild(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("build", stderr)
	viewer := fs.String("viewer", "", "unpacked @rerun-io/web-viewer package `DIR`")
	out := fs.String("out", "", "output `DIR`")
	quality := fs.Int("quality", 11, "brotli `quality` 0–11 (11: smallest, slowest; paid once per Viewer)")
	precompress := fs.Bool("precompress", true, "write .br, .zst and .gz siblings")
	viewerURL := fs.String("viewer-url", "", "absolute `URL` of "+names.ViewerFile+" baked into widget.js, for hosts that import it from a blob:, data: or virtual-file URL (default: next to widget.js)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *viewer == "" || *out == "" {
		return usageErrorf("build needs --viewer DIR and --out DIR")
	}
	if *quality < 0 || *quality > 11 {
		return usageErrorf("--quality %d is not in 0–11", *quality)
	}
	opts := assets.Options{ViewerDir: *viewer, OutDir: *out, Log: stderr, ViewerURL: *viewerURL}
	if *precompress {
		c, err := compression(*quality, stderr)
		if err != nil {
			return err
		}
		opts.Compression = c
	}
	_, err := assets.Build(ctx, opts)
	return err
}

func compression(quality int, log io.Writer) (*assets.Compression, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return nil, err
	}
	return &assets.Compression{Quality: quality, Cache: cache, Log: log}, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	dir := fs.String("dir", "", "bundle `DIR` to serve (default: build the pinned Viewer into the cache)")
	host := fs.String("bind-address", "localhost", "`address` to listen on")
	port := fs.Int("port", 8080, "`port` to listen on (0 picks a free one)")
	publicURL := fs.String("public-url", "", "`URL` users reach this server at, behind a proxy")
	allow := fs.String("allow-origin", "", "comma-separated `origins` allowed to fetch the assets (default: all)")
	recording := fs.String("recording", "", "an .rrd `FILE` to show on the demo page at /")
	linkFlag := fs.String("link", "auto", "where browsers are: `local` (zstd, fastest to decode), remote (brotli, fewest bytes) or auto (per request: local when from this machine with no proxy in between)")
	if err := parse(fs, args); err != nil {
		return err
	}
	link, err := server.ParseLink(*linkFlag)
	if err != nil {
		return &usageError{fmt.Errorf("--link: %w", err)}
	}
	origins, err := server.ParseOrigins(*allow)
	if err != nil {
		return &usageError{fmt.Errorf("--allow-origin: %w", err)}
	}
	if *recording != "" {
		if _, err := os.Stat(*recording); err != nil {
			return usageErrorf("--recording: %w", err)
		}
	}
	// Bind before building: a port in use or a bad --public-url is said
	// in a second, not after minutes of compression.
	ln, err := server.Listen(server.ServeOptions{Host: *host, Port: *port, PublicURL: *publicURL})
	if err != nil {
		return &usageError{err}
	}
	defer ln.Close()
	var best func(context.Context) error
	if *dir == "" {
		if *dir, best, err = defaultBuild(ctx, stderr); err != nil {
			return err
		}
	}
	h, err := server.New(server.Config{Dir: *dir, AllowOrigins: origins, DemoRecording: *recording, Log: stderr,
		Link: link, PublicURL: *publicURL})
	if err != nil {
		return &usageError{err}
	}
	if best != nil {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			if err := best(ctx); err != nil {
				if ctx.Err() == nil {
					fmt.Fprintf(stderr, "loader: the quality-11 build failed, still serving the quick one: %v\n", err)
				}
				return
			}
			if err := h.Reload(); err != nil {
				fmt.Fprintf(stderr, "loader: the quality-11 build cannot be served, still serving the quick one: %v\n", err)
				return
			}
			fmt.Fprintln(stderr, "Now serving the quality-11 build: smaller downloads from here on")
		}()
	}
	return ln.Serve(ctx, h, stdout)
}

// quickQuality is the brotli quality of a first run's bundle: the Viewer
// compresses in seconds, at about a fifth more bytes than quality 11.
const quickQuality = 4

// defaultBuild builds the pinned Viewer into the cache and returns its
// folder, as buildQuickThenBest does.
func defaultBuild(ctx context.Context, log io.Writer) (dir string, best func(context.Context) error, err error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return "", nil, err
	}
	pin := assets.DefaultViewer()
	pkg, err := assets.FetchViewer(ctx, pin, cache, log)
	if err != nil {
		return "", nil, err
	}
	out := filepath.Join(cache, "build", pin.Version)
	best, err = buildQuickThenBest(ctx, pkg, out, quickQuality, 11, log)
	return out, best, err
}

// buildQuickThenBest builds the Viewer package pkg into out with brotli at
// quality bestQ. When it was never compressed at that quality on this
// machine (minutes of work at 11), the bundle is built at quickQ first, so
// a server answers in seconds, and best builds the bestQ bundle in its
// place, to run while serving.
func buildQuickThenBest(ctx context.Context, pkg, out string, quickQ, bestQ int, log io.Writer) (best func(context.Context) error, err error) {
	build := func(ctx context.Context, c *assets.Compression) error {
		_, err := assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: out, Log: log, Compression: c})
		return err
	}
	c, err := compression(bestQ, log)
	if err != nil {
		return nil, err
	}
	c.CachedOnly = true
	switch err := build(ctx, c); {
	case err == nil:
		return nil, nil
	case !errors.Is(err, assets.ErrNotCached):
		return nil, err
	}
	fmt.Fprintf(log, "first run: serving a quick build (brotli quality %d) now; the quality-%d one follows in the background\n", quickQ, bestQ)
	quick, err := compression(quickQ, log)
	if err != nil {
		return nil, err
	}
	if err := build(ctx, quick); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		c.CachedOnly = false
		return build(ctx, c)
	}, nil
}

func runViewer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("viewer", stderr)
	version := fs.String("version", assets.DefaultViewer().Version, "pinned Viewer `version`")
	if err := parse(fs, args); err != nil {
		return err
	}
	pin, err := assets.LookupViewer(*version)
	if err != nil {
		return &usageError{err}
	}
	cache, err := assets.CacheDir()
	if err != nil {
		return err
	}
	dir, err := assets.FetchViewer(ctx, pin, cache, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, dir)
	return nil
}
