package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/slowclients"
	"github.com/gorerun/loader/names"
)

// bigBundle writes a bundle whose Viewer is size bytes of random data, so
// that a download takes long enough to overlap others.
func bigBundle(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	wasm := make([]byte, size)
	rand.Read(wasm)
	copy(wasm, "\x00asm\x01\x00\x00\x00")
	os.WriteFile(filepath.Join(dir, names.WidgetFile), widgetJS, 0o644)
	os.WriteFile(filepath.Join(dir, names.ViewerFile), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, names.LoaderFile), loaderBody, 0o644)
	os.WriteFile(filepath.Join(dir, names.StandaloneWidgetFile), widgetJS, 0o644)
	os.WriteFile(filepath.Join(dir, names.ElementFile), []byte(`import "./widget.js";`), 0o644)
	if _, err := assets.WriteManifest(dir, "0123456789abcdef", "0.33.0", &assets.Compression{Quality: 1, Cache: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConcurrentDownloads runs 64 downloads of the Viewer at once, in
// every encoding: each arrives whole and byte-exact. Under -short (the
// race detector's run, which slows every copied byte tenfold) 12 downloads
// of a smaller Viewer are concurrent enough to race.
func TestConcurrentDownloads(t *testing.T) {
	clients, size := 64, 8<<20
	if testing.Short() {
		clients, size = 12, 2<<20
	}
	dir := bigBundle(t, size)
	srv := httptest.NewServer(newHandler(t, Config{Dir: dir}))
	defer srv.Close()
	want := map[string][]byte{}
	for enc, ext := range map[string]string{"br": ".br", "gzip": ".gz", "identity": ""} {
		b, err := os.ReadFile(filepath.Join(dir, names.ViewerFile+ext))
		if err != nil {
			t.Fatal(err)
		}
		want[enc] = b
	}
	encodings := []string{"br", "gzip", "identity"}
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := encodings[i%3]
			req, _ := http.NewRequest("GET", srv.URL+"/"+names.ViewerFile, nil)
			req.Header.Set("Accept-Encoding", enc)
			res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil || !bytes.Equal(body, want[enc]) || res.Header.Get("Content-Length") != fmt.Sprint(len(want[enc])) {
				t.Errorf("download %d (%s): %v, %d bytes of %d, Content-Length %s", i, enc, err, len(body), len(want[enc]), res.Header.Get("Content-Length"))
			}
		}()
	}
	wg.Wait()
}

// TestSlowClientsDoNotStarveOthers opens 300 connections that trickle
// their headers a byte at a time, and 300 that connect and say nothing: a
// normal client is answered while they are held (not once the server has
// cut them off), and the server's memory stays bounded. How promptly it is
// answered is measured by bench/server, not asserted here.
func TestSlowClientsDoNotStarveOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 600 connections for seconds")
	}
	srv := httptest.NewUnstartedServer(newHandler(t, Config{Dir: bundle(t, "0.33.0")}))
	srv.Config = NewHTTPServer(srv.Config.Handler)
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	slow, err := slowclients.Open(addr, 300, 300)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()

	var worst time.Duration
	for range 20 {
		start := time.Now()
		res, err := http.Get(srv.URL + "/widget.js")
		if err != nil {
			t.Fatalf("a normal client among slow ones: %v", err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		worst = max(worst, time.Since(start))
	}
	// The slow clients were still held when the last answer came: a
	// trickler's connection is open, with nothing to read.
	c := slow.Trickler()
	c.SetReadDeadline(time.Now().Add(time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); !isTimeout(err) {
		t.Errorf("the slow clients were cut off before the normal one was answered (%v)", err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	if grown > 64<<20 {
		t.Errorf("600 slow connections grew the heap by %d MB", grown>>20)
	}
	t.Logf("worst normal request %v; heap %+d KB for 600 slow connections", worst.Round(time.Millisecond), grown>>10)

	// The trickling ones are cut off by ReadHeaderTimeout (10 s), not held:
	// the server answers or closes, and the read ends well before a
	// deadline of minutes.
	c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	if _, err = bufio.NewReader(c).ReadByte(); isTimeout(err) {
		t.Error("a client trickling its headers was held for 2 minutes")
	}
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
