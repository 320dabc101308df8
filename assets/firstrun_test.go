package assets

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/gorerun/loader/internal/standin"
	"github.com/gorerun/loader/names"
)

// textViewer writes a Viewer package whose Wasm is a valid module of
// size bytes of text-like data, which brotli compresses far better at
// quality 11 than at quality 4.
func textViewer(t *testing.T, size int) string {
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

// TestFirstRunBuildsQuickThenTheBest runs the first-run policy of `serve`
// on an empty cache, with qualities 1 and 7 standing for 4 and 11 (which
// takes a minute on widget.js alone): a quick build is written before
// anything is compressed at the best quality, the best build then replaces
// it in the same folder (another build, the same bytes decoded, fewer
// sent), and a second run finds the best build in the cache at once.
func TestFirstRunBuildsQuickThenTheBest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm")
	}
	cache := t.TempDir()
	pkg := textViewer(t, 1<<20)
	out := filepath.Join(t.TempDir(), "dist")
	var log bytes.Buffer
	start := time.Now()
	best, err := buildQuickThenBest(context.Background(), pkg, out, cache, 1, 7, &log)
	if err != nil {
		t.Fatal(err)
	}
	if best == nil {
		t.Fatal("an empty cache gave no best build to follow")
	}
	t.Logf("quick build in %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(log.String(), "first run: serving a quick build") || strings.Contains(log.String(), " q7") {
		t.Errorf("quick build log: %q", log.String())
	}
	// served reads the Viewer's brotli variant as a server finds it.
	served := func() (buildID string, sent int, body []byte) {
		m, err := ReadManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(out, m.Files[names.ViewerFile].Encodings["br"].File))
		if err != nil {
			t.Fatal(err)
		}
		body, err = io.ReadAll(brotli.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		return m.BuildID, len(raw), body
	}
	quickID, quickSent, quickBody := served()

	if err := best(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The quick and the best build share one compile of the loader Wasm
	// (none, when an earlier test of this process compiled it).
	if n := strings.Count(log.String(), "building the Go loader"); n > 1 {
		t.Errorf("the loader Wasm was compiled %d times for one first run", n)
	}
	bestID, bestSent, bestBody := served()
	if bestSent >= quickSent || !bytes.Equal(bestBody, quickBody) {
		t.Errorf("after the best build: %d → %d bytes sent, same content %v", quickSent, bestSent, bytes.Equal(bestBody, quickBody))
	}
	if bestID != quickID {
		// The id names what is served decoded: the same bytes, the same id.
		t.Errorf("build id %s → %s for the same files", quickID, bestID)
	}
	t.Logf("Viewer stand-in: %d bytes at quality 1, %d at 7", quickSent, bestSent)

	log.Reset()
	again, err := buildQuickThenBest(context.Background(), pkg, out, cache, 1, 7, &log)
	if err != nil || again != nil || strings.Contains(log.String(), "first run") {
		t.Errorf("second run: %v, best %v, log %q", err, again != nil, log.String())
	}
}
