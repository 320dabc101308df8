package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"os/exec"
	"path"
	"strings"

	"github.com/gorerun/loader/names"
)

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
