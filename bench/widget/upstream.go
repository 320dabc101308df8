package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/npmlock"
	"github.com/gorerun/loader/names"
)

// esbuildDir holds the package.json and package-lock.json that pin the
// esbuild bundling the upstream widget, as rerun-notebook bundles its own.
const esbuildDir = "bench/widget/esbuild"

//go:embed upstream/widget.js
var upstreamEntry []byte

// installEsbuild installs the pinned esbuild with npm ci into the cache
// once per lockfile, checks its binary, and returns it.
func installEsbuild(ctx context.Context, cache string, log io.Writer) (string, error) {
	root, err := assets.ModuleRoot()
	if err != nil {
		return "", err
	}
	const bin = "node_modules/.bin/esbuild"
	dir, err := npmlock.Install(ctx, filepath.Join(root, esbuildDir), cache, "esbuild", log, bin)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, bin), nil
}

// bundleUpstream bundles upstream/widget.js with the @rerun-io/web-viewer
// package in viewerDir into one minified widget.js, keeping legal comments
// (and so the inline markers) in place, and returns its source.
func bundleUpstream(ctx context.Context, esbuild, viewerDir string) ([]byte, error) {
	work, err := os.MkdirTemp("", "bench-upstream-")
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
	entry := filepath.Join(work, "widget.js")
	if err := os.WriteFile(entry, upstreamEntry, 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(work, "out.js")
	cmd := exec.CommandContext(ctx, esbuild, entry, "--bundle", "--format=esm", "--minify",
		"--legal-comments=inline", "--log-level=warning", "--outfile="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("esbuild the upstream widget: %w\n%s", err, b)
	}
	widget, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(widget, []byte(names.MarkerOpen)) || !bytes.Contains(widget, []byte(names.MarkerClose)) {
		return nil, fmt.Errorf("the upstream widget lost its inline markers in bundling")
	}
	return widget, nil
}

// systemGzip compresses b with the system's gzip at level 9: zlib, as
// Python's gzip.compress in rerun-notebook, which makes slightly smaller
// files than Go's compress/gzip.
func systemGzip(ctx context.Context, b []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "gzip", "-9", "-n", "-c")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gzip -9: %w", err)
	}
	return out, nil
}

// upstreamServer serves widget.js and the Viewer as rerun-notebook's asset
// server does: the right Content-Type, the Wasm gzip-compressed with no
// Content-Length, no cache validators, and CORS open to every origin.
type upstreamServer struct {
	widget     []byte
	viewerGzip []byte
	viewer     []byte
}

func (s *upstreamServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	var body []byte
	switch path.Base(r.URL.Path) {
	case names.WidgetFile:
		w.Header().Set("Content-Type", "text/javascript")
		body = s.widget
	case names.ViewerFile:
		w.Header().Set("Content-Type", "application/wasm")
		body = s.viewer
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			body = s.viewerGzip
		}
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	// Sending the headers first makes the body chunked: no Content-Length.
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	w.Write(body)
}
