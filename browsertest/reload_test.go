package browsertest

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/headless"
)

// compileMS returns how long the last fetch and compile of the Viewer took
// on the page, from the loader's performance measure.
func compileMS(t *testing.T, tab *headless.Tab) float64 {
	t.Helper()
	ms, err := headless.Eval[float64](tab, `performance.getEntriesByName("rerun-loader:fetch+compile").at(-1)?.duration ?? -1`)
	if err != nil || ms < 0 {
		t.Fatalf("no rerun-loader:fetch+compile measure (%v)", err)
	}
	return ms
}

// TestReloadRevalidates reloads a page that showed the Viewer: the browser
// revalidates widget.js and the Viewer (304, no download) and compiles the
// Viewer again from V8's code cache. It does not run beside the other
// tests (they wait for it): it looks for the Viewer's entry in the browser
// profile's code cache, which the profile's only other user
// (TestElementTimeToRecording) would fill too.
func TestReloadRevalidates(t *testing.T) {
	tab, err := chromium(t).NewProfileTab()
	if err != nil {
		t.Fatal(err)
	}
	watchTab(t, tab, nil)
	assetLog := newAssetLog(t, realDir(t))
	first := mountWidget(t, tab, assetLog.URL, false, defaultTraits())
	c1 := compileMS(t, tab)
	// V8 writes the compiled code to the cache once enough of it has been
	// optimized: let the Viewer work a while, as a user would.
	sendRecording(t, tab, first.Index, telemetry) // plots, playing: no 3D shaders to compile in software
	var cached int64
	for deadline := time.Now().Add(headless.Deadline); cached == 0 && time.Now().Before(deadline); time.Sleep(time.Second) {
		cached = wasmCodeCache(t)
	}
	if cached == 0 {
		// The loader must compile the fetch's own Response: a Response
		// wrapped for progress (as upstream does) is never code-cached.
		t.Error("V8 wrote no Wasm code cache for the Viewer")
	}

	mark := assetLog.mark()
	if err := tab.Open(pagesURL(t) + "/"); err != nil {
		t.Fatal(err)
	}
	second := mountWidget(t, tab, assetLog.URL, false, defaultTraits())
	c2 := compileMS(t, tab)
	got := assetLog.since(mark)
	for _, want := range []string{"/widget.js 304", "/re_viewer_bg.wasm 304"} {
		if !slices.Contains(got, want) {
			t.Errorf("reload: asset requests %v, want %q", got, want)
		}
	}
	for _, r := range got {
		if r == "/re_viewer_bg.wasm 200" {
			t.Errorf("reload downloaded the Viewer again: %v", got)
		}
	}
	t.Logf("Viewer fetch+compile: first load %.0f ms, reload %.0f ms (%.2f); time to ready %.0f → %.0f ms; V8 code cache %.1f MiB",
		c1, c2, c2/c1, first.ReadyMS, second.ReadyMS, float64(cached)/(1<<20))
	writeArtifact(t, "reload.txt", fmt.Sprintf("fetch_compile_first_ms %.0f\nfetch_compile_reload_ms %.0f\nready_first_ms %.0f\nready_reload_ms %.0f\nwasm_code_cache_bytes %d\n",
		c1, c2, first.ReadyMS, second.ReadyMS, cached))
}

// wasmCodeCache returns the bytes of the largest entry in the browser
// profile's Wasm code cache (where V8 keeps optimized code for a module
// next to its HTTP cache entry), or 0.
func wasmCodeCache(t *testing.T) int64 {
	t.Helper()
	var largest int64
	filepath.WalkDir(filepath.Join(chromium(t).ProfileDir(), "Default", "Code Cache", "wasm"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil && info.Size() > largest && strings.HasSuffix(d.Name(), "_0") {
				largest = info.Size()
			}
		}
		return nil
	})
	return largest
}
