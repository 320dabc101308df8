// Package testpage serves the pages the tests and benchmarks drive in
// headless Chromium (the notebook host emulation, host.js, and the test
// kit) and finds the real recordings they open.
package testpage

import (
	"embed"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	goruntime "runtime"

	"github.com/gorerun/loader/hostpage"
)

// testkit holds the JavaScript that tests and benchmarks run in pages,
// served under /testkit/.
//
//go:embed testkit
var testkit embed.FS

// Server serves the host page, host.js and the test kit from its own
// origin, plus routes (URL pattern → handler).
func Server(routes map[string]http.Handler) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/testkit/", http.FileServerFS(testkit))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(hostpage.TestPage)
	})
	mux.HandleFunc("/host.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(hostpage.HostJS)
	})
	for pattern, h := range routes {
		mux.Handle(pattern, h)
	}
	return httptest.NewServer(mux)
}

// FixtureDir is the folder of real recordings shared with other projects:
// $RRD_FIXTURES, or shared/fixtures/rrd next to the checkout.
func FixtureDir() (string, error) {
	dirs := []string{os.Getenv("RRD_FIXTURES")}
	// This file is internal/testpage/testpage.go of the checkout, which
	// tests and benchmarks always build from source.
	if _, file, _, ok := goruntime.Caller(0); ok {
		root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		dirs = append(dirs, filepath.Join(root, "..", "shared", "fixtures", "rrd"))
	}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return filepath.Abs(dir)
		}
	}
	return "", errors.New("no RRD fixtures found (set RRD_FIXTURES or keep ../shared next to the checkout)")
}
