// Package upstream bundles code written for @rerun-io/web-viewer with the
// npm package itself, as rerun-notebook and web apps bundle it, so that
// the benchmark and the tests can run upstream's own loader next to ours.
// esbuild is pinned by the package-lock.json in esbuild/.
package upstream

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/gorerun/loader/internal/npmlock"
	"github.com/gorerun/loader/names"
)

// lockDir is the folder of esbuild's package.json and package-lock.json,
// next to this file: the tests and benchmarks that use this package are
// built from the checkout.
func lockDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("upstream: cannot find its own source folder")
	}
	return filepath.Join(filepath.Dir(file), "esbuild"), nil
}

// esbuild installs the pinned esbuild with npm ci into cache once per
// lockfile, checks its binary, and returns it.
func esbuild(ctx context.Context, cache string, log io.Writer) (string, error) {
	dir, err := lockDir()
	if err != nil {
		return "", err
	}
	const bin = "node_modules/.bin/esbuild"
	installed, err := npmlock.Install(ctx, dir, cache, "esbuild", log, bin)
	if err != nil {
		return "", err
	}
	return filepath.Join(installed, bin), nil
}

// Bundle bundles entry, an ES module that imports "@rerun-io/web-viewer",
// with the unpacked package in viewerDir into one minified module, legal
// comments (and so rerun-notebook's inline markers) kept in place. The
// bundle finds re_viewer_bg.wasm next to itself, as the package does.
func Bundle(ctx context.Context, entry []byte, viewerDir, cache string, log io.Writer) ([]byte, error) {
	bin, err := esbuild(ctx, cache, log)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "upstream-bundle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	scope := filepath.Join(work, "node_modules", "@rerun-io")
	if err := os.MkdirAll(scope, 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(viewerDir, filepath.Join(scope, "web-viewer")); err != nil {
		return nil, err
	}
	in := filepath.Join(work, "entry.js")
	if err := os.WriteFile(in, entry, 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(work, "out.js")
	cmd := exec.CommandContext(ctx, bin, in, "--bundle", "--format=esm", "--minify",
		"--legal-comments=inline", "--log-level=warning", "--outfile="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("esbuild a module with @rerun-io/web-viewer: %w\n%s", err, b)
	}
	return os.ReadFile(out)
}

//go:embed notebook.js
var notebookEntry []byte

// NotebookWidget bundles notebook.js, the Viewer bound to anywidget as
// rerun-notebook binds it, with the package in viewerDir: upstream's
// widget.js of that version. It checks the inline markers survived.
func NotebookWidget(ctx context.Context, viewerDir, cache string, log io.Writer) ([]byte, error) {
	widget, err := Bundle(ctx, notebookEntry, viewerDir, cache, log)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(widget, []byte(names.MarkerOpen)) || !bytes.Contains(widget, []byte(names.MarkerClose)) {
		return nil, fmt.Errorf("the upstream widget lost its inline markers in bundling")
	}
	return widget, nil
}
