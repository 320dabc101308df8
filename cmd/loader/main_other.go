//go:build !js

// Command loader builds, serves and checks the Rerun Viewer bundle whose
// loader is this same program compiled with GOOS=js GOARCH=wasm. Its
// commands, their flags and their usage are in the commands table;
// `loader -h` lists them and `loader COMMAND -h` says more.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/hostpage"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

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

// usageErrorf is bad input or a broken setup: exit status 2. Its type is
// check's, which reports such input from deep inside a run.
func usageErrorf(format string, args ...any) error {
	return &check.UsageError{Err: fmt.Errorf(format, args...)}
}

// exitCode prints err and says how to exit: 0 for asked-for help, 1 for a
// failure, 2 for bad usage or a broken setup, 130 when interrupted
// (Ctrl-C), as shells report a command ended by SIGINT.
func exitCode(err error, stderr io.Writer) int {
	var usage *check.UsageError
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
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "loader:", err)
		return 2
	}
	fmt.Fprintln(stderr, "loader:", err)
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return errUsageShown
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprint(stderr, usage())
	return usageErrorf("unknown command %q", args[0])
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

func defineBuild(fs *flag.FlagSet, _, stderr io.Writer) func(context.Context, []string) error {
	viewer := fs.String("viewer", "", "unpacked @rerun-io/web-viewer package `DIR`")
	out := fs.String("out", "", "output `DIR`")
	quality := fs.Int("quality", 11, "brotli `quality` 0–11 (11: smallest, slowest; paid once per Viewer)")
	precompress := fs.Bool("precompress", true, "write .br, .zst and .gz siblings")
	viewerURL := fs.String("viewer-url", "", "absolute `URL` of "+names.ViewerFile+" baked into widget.js, for hosts that import it from a blob:, data: or virtual-file URL; widget.js is then the standalone build, the Go loader inside (default: next to widget.js)")
	servedFrom := fs.String("served-from", "", "the absolute `DIR` nginx.conf names as the bundle's place, when it is served from elsewhere than --out (default: --out)")
	return func(ctx context.Context, _ []string) error {
		if *viewer == "" || *out == "" {
			return usageErrorf("build needs --viewer DIR and --out DIR")
		}
		if *quality < 0 || *quality > 11 {
			return usageErrorf("--quality %d is not in 0–11", *quality)
		}
		if *servedFrom != "" && !filepath.IsAbs(*servedFrom) {
			return usageErrorf("--served-from %q is not an absolute path (nginx needs one)", *servedFrom)
		}
		opts := assets.Options{ViewerDir: *viewer, OutDir: *out, Log: stderr, ViewerURL: *viewerURL, ServedFrom: *servedFrom}
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
}

func compression(quality int, log io.Writer) (*assets.Compression, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return nil, err
	}
	return &assets.Compression{Quality: quality, Cache: cache, Log: log}, nil
}

func defineServe(fs *flag.FlagSet, stdout, stderr io.Writer) func(context.Context, []string) error {
	dir := fs.String("dir", "", "bundle `DIR` to serve (default: build the pinned Viewer into the cache)")
	host := fs.String("bind-address", "localhost", "`address` to listen on")
	port := fs.Int("port", 8080, "`port` to listen on (0 picks a free one)")
	publicURL := fs.String("public-url", "", "`URL` users reach this server at, behind a proxy")
	allow := fs.String("allow-origin", "", "comma-separated `origins` allowed to fetch the assets (default: all)")
	recording := fs.String("recording", "", "an .rrd `FILE` to show on the demo page at /")
	linkFlag := fs.String("link", "auto", "where browsers are: `local` (zstd, fastest to decode), remote (brotli, fewest bytes) or auto (per request: local when from this machine with no proxy in between)")
	return func(ctx context.Context, _ []string) error {
		link, err := server.ParseLink(*linkFlag)
		if err != nil {
			return &check.UsageError{Err: fmt.Errorf("--link: %w", err)}
		}
		origins, err := server.ParseOrigins(*allow)
		if err != nil {
			return &check.UsageError{Err: fmt.Errorf("--allow-origin: %w", err)}
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
			return &check.UsageError{Err: err}
		}
		defer ln.Close()
		var best func(context.Context) error
		if *dir == "" {
			if *dir, best, err = assets.BuildDefault(ctx, stderr); err != nil {
				return err
			}
		}
		h, err := server.New(server.Config{Dir: *dir, AllowOrigins: origins, Log: stderr,
			Link: link, PublicURL: *publicURL})
		if err != nil {
			return &check.UsageError{Err: err}
		}
		var served http.Handler = h
		if *recording != "" {
			if served, err = hostpage.WithDemo(h, *recording); err != nil {
				return &check.UsageError{Err: err}
			}
			fmt.Fprintf(stdout, "Demo pages: %[1]s/ (<rerun-viewer>), %[1]s/mount.html (mount()), %[1]s/notebook.html (the notebook widget)\n", ln.PublicURL())
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
		return ln.Serve(ctx, served, stdout)
	}
}

func defineViewer(fs *flag.FlagSet, stdout, stderr io.Writer) func(context.Context, []string) error {
	version := fs.String("version", assets.DefaultViewer().Version, "the Viewer: "+assets.ViewerSpecHelp)
	return func(ctx context.Context, _ []string) error {
		spec, err := assets.ParseViewerSpec(*version)
		if err != nil {
			return &check.UsageError{Err: err}
		}
		cache, err := assets.CacheDir()
		if err != nil {
			return err
		}
		dir, err := spec.Resolve(ctx, cache, stderr)
		if errors.Is(err, assets.ErrNoRelease) {
			return &check.UsageError{Err: err}
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, dir)
		return nil
	}
}
