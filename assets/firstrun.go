package assets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// QuickQuality is the brotli quality of a first run's bundle: the Viewer
// compresses in seconds, at about a fifth more bytes than quality 11.
const QuickQuality = 4

// BuildDefault builds the pinned Viewer into the cache and returns its
// folder, ready to serve. When quality 11 was never computed on this
// machine (minutes of work), the folder holds a quick build (brotli
// QuickQuality) and best, when called, builds the quality-11 bundle in its
// place: a server answers in seconds and runs best while serving. best is
// nil when the folder already holds the quality-11 build.
func BuildDefault(ctx context.Context, log io.Writer) (dir string, best func(context.Context) error, err error) {
	cache, err := CacheDir()
	if err != nil {
		return "", nil, err
	}
	pin := DefaultViewer()
	pkg, err := FetchViewer(ctx, pin, cache, log)
	if err != nil {
		return "", nil, err
	}
	out := filepath.Join(cache, "build", pin.Version)
	best, err = buildQuickThenBest(ctx, pkg, out, cache, QuickQuality, 11, log)
	return out, best, err
}

// buildQuickThenBest builds the Viewer package pkg into out with brotli at
// quality bestQ when that is in the cache, and else at quickQ, returning
// the build at bestQ to run later.
func buildQuickThenBest(ctx context.Context, pkg, out, cache string, quickQ, bestQ int, log io.Writer) (best func(context.Context) error, err error) {
	build := func(ctx context.Context, c *Compression) error {
		_, err := Build(ctx, Options{ViewerDir: pkg, OutDir: out, Log: log, Compression: c})
		return err
	}
	c := &Compression{Quality: bestQ, Cache: cache, Log: log, CachedOnly: true}
	switch err := build(ctx, c); {
	case err == nil:
		return nil, nil
	case !errors.Is(err, ErrNotCached):
		return nil, err
	}
	fmt.Fprintf(log, "first run: serving a quick build (brotli quality %d) now; the quality-%d one follows in the background\n", quickQ, bestQ)
	if err := build(ctx, &Compression{Quality: quickQ, Cache: cache, Log: log}); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		c.CachedOnly = false
		return build(ctx, c)
	}, nil
}
