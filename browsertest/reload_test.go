package browsertest

import (
	"slices"
	"testing"
	"time"
)

// compileMS returns how long the last fetch and compile of the Viewer took
// on the page, from the loader's performance measure.
func compileMS(t *testing.T, tab *Tab) float64 {
	t.Helper()
	ms, err := Eval[float64](tab, `performance.getEntriesByName("rerun-loader:fetch+compile").at(-1)?.duration ?? -1`)
	if err != nil || ms < 0 {
		t.Fatalf("no rerun-loader:fetch+compile measure (%v)", err)
	}
	return ms
}

// TestReloadRevalidates reloads a page that showed the Viewer: the browser
// revalidates widget.js and the Viewer (304, no download) and compiles the
// Viewer again from V8's code cache.
func TestReloadRevalidates(t *testing.T) {
	tab, err := suite.browser.NewProfileTab()
	if err != nil {
		t.Fatal(err)
	}
	watchTab(t, tab, nil)
	first := mountWidget(t, tab, suite.assets.URL+"/widget.js", false, defaultTraits())
	c1 := compileMS(t, tab)
	// V8 writes the compiled code to the cache once enough of it has been
	// optimized: let the Viewer work a while, as a user would.
	sendRecording(t, tab, first.Index, "bwright000__DDS-SLAM__stereomis_recon.rrd")
	time.Sleep(8 * time.Second)

	mark := requestMark()
	if err := tab.Open(suite.pages.URL + "/"); err != nil {
		t.Fatal(err)
	}
	second := mountWidget(t, tab, suite.assets.URL+"/widget.js", false, defaultTraits())
	c2 := compileMS(t, tab)
	got := assetStatuses(mark)
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
	t.Logf("Viewer fetch+compile: first load %.0f ms, reload %.0f ms (%.2f); time to ready %.0f → %.0f ms",
		c1, c2, c2/c1, first.ReadyMS, second.ReadyMS)
}
