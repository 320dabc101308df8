package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func bundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "widget.js"), []byte("export default {}"), 0o644)
	os.WriteFile(filepath.Join(dir, "re_viewer_bg.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("nope"), 0o644)
	return dir
}

func TestHandler(t *testing.T) {
	dir := bundle(t)
	rec := filepath.Join(t.TempDir(), "demo.rrd")
	os.WriteFile(rec, []byte("RRF2demo"), 0o644)
	plain, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	demo, err := New(Config{Dir: dir, DemoRecording: rec})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		h        http.Handler
		method   string
		path     string
		status   int
		ctype    string
		bodyLike string
	}{
		{"widget", plain, "GET", "/widget.js", 200, "text/javascript; charset=utf-8", "export default"},
		{"wasm", plain, "GET", "/re_viewer_bg.wasm", 200, "application/wasm", "\x00asm"},
		{"wasm with token", plain, "GET", "/re_viewer_bg.wasm?token=x", 200, "application/wasm", "\x00asm"},
		{"head", plain, "HEAD", "/re_viewer_bg.wasm", 200, "application/wasm", ""},
		{"other file in the folder", plain, "GET", "/secret.txt", 404, "", ""},
		{"traversal", plain, "GET", "/../widget.js", 404, "", ""},
		{"root without demo", plain, "GET", "/", 404, "", ""},
		{"post", plain, "POST", "/widget.js", 405, "", ""},
		{"demo page", demo, "GET", "/", 200, "text/html; charset=utf-8", "widget.js"},
		{"demo host", demo, "GET", "/host.js", 200, "text/javascript; charset=utf-8", "export class Model"},
		{"demo recording", demo, "GET", "/recording.rrd", 200, "application/octet-stream", "RRF2demo"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, "http://assets.test"+tt.path, nil)
		req.Header.Set("Origin", "http://notebook.test")
		w := httptest.NewRecorder()
		tt.h.ServeHTTP(w, req)
		res := w.Result()
		if res.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, res.StatusCode, tt.status)
			continue
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin = %q, want *", tt.name, got)
		}
		if tt.status != 200 {
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type = %q, want %q", tt.name, got, tt.ctype)
		}
		body, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(body), tt.bodyLike) {
			t.Errorf("%s: body %q lacks %q", tt.name, body, tt.bodyLike)
		}
		if tt.method == "HEAD" && (len(body) != 0 || res.Header.Get("Content-Length") != "8") {
			t.Errorf("%s: HEAD body %d bytes, Content-Length %q", tt.name, len(body), res.Header.Get("Content-Length"))
		}
	}
}

func TestNewRejectsAnIncompleteBundle(t *testing.T) {
	dir := bundle(t)
	os.Remove(filepath.Join(dir, "re_viewer_bg.wasm"))
	if _, err := New(Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), "loader build") {
		t.Errorf("New = %v, want an error that says how to build", err)
	}
	if _, err := New(Config{Dir: bundle(t), DemoRecording: "/no/such.rrd"}); err == nil {
		t.Error("New accepted a missing demo recording")
	}
}

// syncBuffer lets the test read what Serve prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServePrintsWhereAndShutsDown(t *testing.T) {
	h, err := New(Config{Dir: bundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, h, "127.0.0.1", 0, out) }()

	re := regexp.MustCompile(`(?m)^Serving rerun notebook assets at (http://127\.0\.0\.1:\d+)\nRERUN_NOTEBOOK_ASSET=(\S+)$`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = re.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("Serve printed %q", out.String())
	}
	if m[2] != m[1]+"/widget.js" {
		t.Errorf("RERUN_NOTEBOOK_ASSET=%s, want %s/widget.js", m[2], m[1])
	}
	res, err := http.Get(m[2])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET %s: %s", m[2], res.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after shutdown = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}
