package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// TestBakedViewerURLServesABlobModule imports widget.js from a blob: URL,
// where nothing is "next to the module" (marimo's virtual files, data:
// URLs): a build with --viewer-url fetches the Viewer from there.
func TestBakedViewerURLServesABlobModule(t *testing.T) {
	t.Parallel()
	viewer := must(t, serveFake) + "/" + names.ViewerFile + "?baked"
	out := t.TempDir()
	if _, err := assets.Build(context.Background(), assets.Options{ViewerDir: fakePackage(t), OutDir: out, ViewerURL: viewer}); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(out, names.WidgetFile))
	if err != nil {
		t.Fatal(err)
	}
	tab := openTab(t)
	view, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => {
		const w = await host.load({ source: %s });
		return (await host.addView(w, %s)).index;
	})()`, headless.JS(string(src)), headless.JS(defaultTraits())))
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, tab, view)
	if got := pageRequests(t, tab, names.ViewerFile); len(got) != 1 || got[0] != viewer {
		t.Errorf("Viewer requests %v, want one of %s", got, viewer)
	}
}

// TestViewerNextToTheModule checks widget.js's one rule for where its
// Viewer is when nothing names it: next to the module, with the module's
// query and without its fragment, whatever the folder; the download it
// starts while the Go loader boots is the one the loader uses.
func TestViewerNextToTheModule(t *testing.T) {
	t.Parallel()
	h, err := server.New(server.Config{Dir: fakeDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var viewerRequests []string
	// Any folder serves the bundle's files, so module URLs can have any path.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, names.ViewerFile) {
			mu.Lock()
			viewerRequests = append(viewerRequests, r.URL.RequestURI())
			mu.Unlock()
		}
		r.URL.Path = "/" + path.Base(r.URL.Path)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	tests := []struct{ module, want string }{
		{"/a/widget.js", "/a/re_viewer_bg.wasm"},
		{"/a/widget.js?token=abc&x=1#frag", "/a/re_viewer_bg.wasm?token=abc&x=1"},
		{"/a/widget.js#x?not-a-query", "/a/re_viewer_bg.wasm"},
		{"/user/proxy/9000/widget.js?sig=a%2Fb", "/user/proxy/9000/re_viewer_bg.wasm?sig=a%2Fb"},
		{"/dir/widget.js?q=/x/y", "/dir/re_viewer_bg.wasm?q=/x/y"},
	}
	for _, tt := range tests {
		mu.Lock()
		viewerRequests = nil
		mu.Unlock()
		tab := openTab(t)
		mountWidget(t, tab, srv.URL+tt.module, false, defaultTraits())
		mu.Lock()
		got := viewerRequests
		mu.Unlock()
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("module %s: Viewer requests %v, want %s once", tt.module, got, tt.want)
		}
		if s := loaderStats(t, tab); s["earlyAdopted"] != 1.0 || s["fetches"] != 1.0 {
			t.Errorf("module %s: loader stats %v, want the early download adopted", tt.module, s)
		}
		tab.Close()
	}
}
