//go:build !js

package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/gorerun/loader/internal/standin"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// standInViewer writes a Viewer package whose Wasm is a valid module of
// size bytes of text-like data, which brotli compresses far better at
// quality 11 than at quality 4.
func standInViewer(t *testing.T, size int) string {
	t.Helper()
	pkg := t.TempDir()
	words := strings.Fields("viewer render frame chunk entity timeline store blueprint query arrow panel")
	rng := rand.New(rand.NewPCG(1, 2))
	var payload bytes.Buffer
	for payload.Len() < size {
		payload.WriteString(words[rng.IntN(len(words))])
		payload.WriteByte(byte(' ' + rng.IntN(3)))
	}
	if err := standin.WriteViewer(pkg, payload.Bytes()); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// TestFirstRunServesAtOnceThenTheBest runs `serve`'s first-run path on an
// empty cache, with qualities 1 and 7 standing for 4 and 11 (which takes
// a minute on widget.js alone): a quick build is served before anything
// is compressed at the best quality, the best build then replaces it under the running
// server (same bytes decoded, fewer sent), and a second run serves the best
// build from the start.
func TestFirstRunServesAtOnceThenTheBest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm")
	}
	t.Setenv("LOADER_CACHE", t.TempDir())
	pkg := standInViewer(t, 1<<20)
	out := filepath.Join(t.TempDir(), "dist")
	var log bytes.Buffer
	start := time.Now()
	best, err := buildQuickThenBest(context.Background(), pkg, out, 1, 7, &log)
	if err != nil {
		t.Fatal(err)
	}
	if best == nil {
		t.Fatal("an empty cache gave no quality-11 build to follow")
	}
	t.Logf("quick build in %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(log.String(), "first run: serving a quick build") || strings.Contains(log.String(), " q7") {
		t.Errorf("quick build log: %q", log.String())
	}
	h, err := server.New(server.Config{Dir: out})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func() (etag string, sent int, body []byte) {
		req, _ := http.NewRequest("GET", srv.URL+"/"+names.ViewerFile, nil)
		req.Header.Set("Accept-Encoding", "br")
		res, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err != nil || res.Header.Get("Content-Encoding") != "br" {
			t.Fatalf("GET: %v, %q", err, res.Header.Get("Content-Encoding"))
		}
		body, err = io.ReadAll(brotli.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		return res.Header.Get("ETag"), len(raw), body
	}
	quickTag, quickSent, quickBody := get()

	if err := best(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	bestTag, bestSent, bestBody := get()
	if bestTag == quickTag || bestSent >= quickSent || !bytes.Equal(bestBody, quickBody) {
		t.Errorf("after the quality-11 build: ETag %s → %s, %d → %d bytes sent, same content %v", quickTag, bestTag, quickSent, bestSent, bytes.Equal(bestBody, quickBody))
	}
	t.Logf("Viewer stand-in: %d bytes at quality 1, %d at 7", quickSent, bestSent)

	log.Reset()
	again, err := buildQuickThenBest(context.Background(), pkg, out, 1, 7, &log)
	if err != nil || again != nil || strings.Contains(log.String(), "first run") {
		t.Errorf("second run: %v, best %v, log %q", err, again != nil, log.String())
	}
}
