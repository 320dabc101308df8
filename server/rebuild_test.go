package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/names"
)

// rebuild writes a new build into dir the way `loader build` does: each
// file renamed over the old one, then the manifest last.
func rebuild(t *testing.T, dir string, n int) *assets.Manifest {
	t.Helper()
	files := map[string][]byte{
		names.WidgetFile:           []byte(fmt.Sprintf("export default {render() {}}; // build %d\n%s", n, bytes.Repeat([]byte("x"), 1000*n))),
		names.ElementFile:          []byte(fmt.Sprintf(`import "./widget.js"; // build %d`, n)),
		names.LoaderFile:           []byte(fmt.Sprintf("\x00asm\x01\x00\x00\x00 loader %d", n)),
		names.StandaloneWidgetFile: []byte(fmt.Sprintf("export default {render() {}}; // standalone build %d", n)),
		names.ViewerFile:           append(append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte(fmt.Sprintf("viewer %d ", n)), 4000+500*n)...), byte(n)),
	}
	for name, b := range files {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := assets.WriteManifest(dir, fmt.Sprintf("%016d", n), "0.33.0", &assets.Compression{Quality: 5, Cache: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRebuildWhileServing rebuilds the bundle five times under clients
// downloading it in a loop, in every encoding. Every response must be one
// build's variant whole: its Content-Length, its ETag and its bytes (which
// decode to that build's file), and the server must move to each new
// build.
func TestRebuildWhileServing(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	known := map[string][]byte{} // SHA-256 of a variant → the file it decodes to
	learn := func(m *assets.Manifest) {
		mu.Lock()
		defer mu.Unlock()
		for name, info := range m.Files {
			body, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			known[info.SHA256] = body
			for _, v := range info.Encodings {
				known[v.SHA256] = body
			}
		}
	}
	learn(rebuild(t, dir, 1))
	h := newHandler(t, Config{Dir: dir, Log: testLog{t}})
	srv := httptest.NewServer(h)
	defer srv.Close()

	type response struct {
		name, accept, coding, sum string
		body                      []byte
	}
	var got []response // kept whole: a few MB
	var stop atomic.Bool
	var responses, bad atomic.Int64
	var wg sync.WaitGroup
	encodings := []string{"br", "gzip", "identity"}
	for c := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			for i := 0; !stop.Load(); i++ {
				enc := encodings[(c+i)%len(encodings)]
				name := []string{names.ViewerFile, names.WidgetFile}[(c+i/3)%2]
				req, _ := http.NewRequest("GET", srv.URL+"/"+name, nil)
				req.Header.Set("Accept-Encoding", enc)
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					bad.Add(1)
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				responses.Add(1)
				sum := sha256.Sum256(body)
				hexSum := hex.EncodeToString(sum[:])
				switch {
				case err != nil:
					t.Errorf("%s (%s): %v after %d bytes", name, enc, err, len(body))
				case res.Header.Get("Content-Length") != fmt.Sprint(len(body)):
					t.Errorf("%s (%s): Content-Length %s for %d bytes", name, enc, res.Header.Get("Content-Length"), len(body))
				case res.Header.Get("ETag") != `"`+hexSum[:32]+`"`:
					t.Errorf("%s (%s): ETag %s for bytes of another variant", name, enc, res.Header.Get("ETag"))
				default:
					// A build may be served before this test learnt it:
					// its bytes are checked at the end.
					mu.Lock()
					got = append(got, response{name, enc, res.Header.Get("Content-Encoding"), hexSum, body})
					mu.Unlock()
					continue
				}
				bad.Add(1)
			}
		}()
	}

	plain := &http.Client{Transport: &http.Transport{DisableCompression: true}} // identity
	for n := 2; n <= 6; n++ {
		before := responses.Load()
		m := rebuild(t, dir, n)
		learn(m)
		want := `"` + m.Files[names.WidgetFile].SHA256[:32] + `"`
		// A deadline for the new ETag, polled: generous, as a busy
		// machine may take its time.
		deadline := time.Now().Add(time.Minute)
		for {
			res, err := plain.Get(srv.URL + "/" + names.WidgetFile)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.Header.Get("ETag") == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("build %d: still serving ETag %s after a minute", n, res.Header.Get("ETag"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		for responses.Load() < before+20 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	stop.Store(true)
	wg.Wait()
	for _, r := range got {
		plain, ok := known[r.sum]
		switch {
		case !ok:
			t.Errorf("%s (%s): %d bytes that are no build's", r.name, r.accept, len(r.body))
		case !bytes.Equal(decode(t, r.coding, r.body), plain):
			t.Errorf("%s (%s): does not decode to its build's file", r.name, r.accept)
		default:
			continue
		}
		bad.Add(1)
	}
	t.Logf("%d responses across 6 builds, %d bad", responses.Load(), bad.Load())
}

// testLog writes a test's log lines.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// TestNewRefusesABadManifest tampers with a bundle's manifest and files:
// the server refuses to start, saying what is wrong.
func TestNewRefusesABadManifest(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(m map[string]any, dir string)
		want   string
	}{
		{"variant outside the folder", func(m map[string]any, dir string) {
			variant(m, names.ViewerFile, "br")["file"] = "../../etc/passwd"
		}, `"br" variant is "../../etc/passwd"`},
		{"variant of another file", func(m map[string]any, dir string) {
			variant(m, names.ViewerFile, "br")["file"] = names.WidgetFile + ".br"
		}, "want \"re_viewer_bg.wasm.br\""},
		{"malformed hash", func(m map[string]any, dir string) {
			file(m, names.WidgetFile)["sha256"] = "abc"
		}, "not 64 hex digits"},
		{"file changed", func(m map[string]any, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, names.ViewerFile))
			b[len(b)-1] ^= 1
			os.WriteFile(filepath.Join(dir, names.ViewerFile), b, 0o644)
		}, "does not have the SHA-256 its manifest says"},
		{"file cut short", func(m map[string]any, dir string) {
			os.Truncate(filepath.Join(dir, names.WidgetFile+".gz"), 10)
		}, "is 10 bytes, its manifest says"},
		{"file missing", func(m map[string]any, dir string) {
			os.Remove(filepath.Join(dir, names.ElementFile))
		}, "no such file"},
	}
	for _, tt := range tests {
		dir := bundle(t, "0.33.0")
		path := filepath.Join(dir, assets.ManifestFile)
		raw, _ := os.ReadFile(path)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		tt.tamper(m, dir)
		raw, _ = json.Marshal(m)
		os.WriteFile(path, raw, 0o644)
		if _, err := New(Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "loader build") {
			t.Errorf("%s: New = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

func file(m map[string]any, name string) map[string]any {
	return m["files"].(map[string]any)[name].(map[string]any)
}

func variant(m map[string]any, name, enc string) map[string]any {
	return file(m, name)["encodings"].(map[string]any)[enc].(map[string]any)
}
