package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/internal/standin"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

// brokenAssets serves the stand-in's widget.js and a broken Viewer Wasm:
// what is tested is how the loader reports it, which is the same for
// every Viewer.
func brokenAssets(t *testing.T, wasm http.HandlerFunc, cors bool) string {
	t.Helper()
	h, err := server.New(server.Config{Dir: fakeDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/"+names.ViewerFile {
			if cors {
				w.Header().Set("Access-Control-Allow-Origin", "*")
			}
			wasm(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/widget.js"
}

// fakeWasm is a valid module of about size bytes, as the stand-in Viewer
// writes it: big enough that a download cut in half fails while the
// browser compiles what arrived.
func fakeWasm(t *testing.T, size int) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := standin.WriteViewer(dir, make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, names.ViewerFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFailuresShowInTheFailingWidgetOnly serves broken Viewers and checks
// each failure is explained inside the failing widget, with nothing
// uncaught, while a healthy widget on the same page is untouched.
func TestFailuresShowInTheFailingWidgetOnly(t *testing.T) {
	t.Parallel()
	wasm := fakeWasm(t, 4<<20)
	tests := []struct {
		name  string
		serve http.HandlerFunc
		cors  bool
		want  []string
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, true,
			[]string{"HTTP 404", "re_viewer_bg.wasm", "RERUN_NOTEBOOK_ASSET"}},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, true, []string{"HTTP 500", "RERUN_NOTEBOOK_ASSET"}},
		{"CORS refused", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(wasm)
		}, false, []string{"network/CORS error", "Access-Control-Allow-Origin", "RERUN_NOTEBOOK_ASSET"}},
		{"not Wasm", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/wasm")
			w.Write([]byte("<!doctype html><title>Login required</title>"))
		}, true, []string{"compile the Viewer", "CompileError", "RERUN_NOTEBOOK_ASSET"}},
		{"truncated", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(wasm[:len(wasm)/3])
		}, true, []string{"compile the Viewer", "CompileError"}},
		{"cut off mid-download", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Content-Length", strconv.Itoa(len(wasm)))
			w.Write(wasm[:len(wasm)/2])
			panic(http.ErrAbortHandler) // the connection drops
		}, true, []string{"compile the Viewer", "re_viewer_bg.wasm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := openTab(t, "rerun loader: The Rerun Viewer could not start", "Failed to load resource", "blocked by CORS policy")
			bad := mountNoWait(t, tab, brokenAssets(t, tt.serve, tt.cors))
			msg := waitErrorText(t, tab, bad)
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("widget shows %q\nwant it to mention %q", msg, want)
				}
			}
			// The server may be fixed or come back: each offers Retry.
			if retry, err := headless.Eval[bool](tab, fmt.Sprintf(`!!window.views[%d].el.querySelector(".rerun-loader-retry")`, bad)); err != nil || !retry {
				t.Errorf("no Retry button (%v)", err)
			}
			// The failure is forgotten: a widget from a healthy server
			// loads, and the failed one keeps its message to itself.
			good := mountWidget(t, tab, fakeURL(t), false, defaultTraits())
			if s := errorText(t, tab, good.Index); s != "" {
				t.Errorf("the healthy widget shows %q", s)
			}
			if s := errorText(t, tab, bad); s != msg {
				t.Errorf("the failed widget's message changed to %q", s)
			}
			n, err := headless.Eval[int](tab, `document.querySelectorAll(".rerun-loader-error").length`)
			if err != nil || n != 1 {
				t.Errorf("%d error boxes on the page (%v), want 1", n, err)
			}
		})
	}
}

func TestNoSIMDSaysWhichBrowsersWork(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "rerun loader: The Rerun Viewer could not start")
	// A browser without SIMD rejects the probe module.
	if _, err := headless.Eval[bool](tab, `(() => {
		const validate = WebAssembly.validate;
		WebAssembly.validate = (bytes) => false;
		window.restoreValidate = () => { WebAssembly.validate = validate; };
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
	// The stand-in's tiny Viewer would arrive whole from any download
	// started, so any request for it shows.
	assetLog := newAssetLog(t, fakeDir(t))
	idx := mountNoWait(t, tab, assetLog.URL+"?nosimd")
	msg := waitErrorText(t, tab, idx)
	for _, want := range []string{"too old", "WebAssembly SIMD", "Chrome", "Firefox", "Safari"} {
		if !strings.Contains(msg, want) {
			t.Errorf("widget shows %q, want it to mention %q", msg, want)
		}
	}
	for _, r := range assetLog.paths(0) {
		if strings.Contains(r, names.ViewerFile) {
			t.Errorf("the Viewer was downloaded for a browser that cannot run it: %s", r)
		}
	}
}

func TestBootFailureShowsInTheWidget(t *testing.T) {
	t.Parallel()
	tab := openTab(t, "rerun loader:")
	// A page whose WebAssembly.instantiate is broken cannot boot the Go
	// loader; render must say so in its element and reject nothing.
	if _, err := headless.Eval[bool](tab, `(WebAssembly.instantiate = WebAssembly.instantiateStreaming = () => Promise.reject(new Error("instantiate disabled by policy")), true)`); err != nil {
		t.Fatal(err)
	}
	idx := mountNoWait(t, tab, fakeURL(t)+"?boot")
	msg := waitErrorText(t, tab, idx)
	if !strings.Contains(msg, "could not start") || !strings.Contains(msg, "instantiate disabled by policy") {
		t.Errorf("widget shows %q", msg)
	}
}

// TestMissingLoaderFileSaysWhatToDo serves widget.js without the Go
// loader next to it (widget.js copied alone to a static host): the widget
// names the URL it tried, with the module's query, and says the file
// belongs next to widget.js.
func TestMissingLoaderFileSaysWhatToDo(t *testing.T) {
	t.Parallel()
	h, err := server.New(server.Config{Dir: fakeDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/"+names.LoaderFile) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tab := openTab(t, "rerun loader:", "404")
	msg := waitErrorText(t, tab, mountNoWait(t, tab, srv.URL+"/"+names.WidgetFile+"?token=t"))
	for _, want := range []string{srv.URL + "/" + names.LoaderFile + "?token=t", "HTTP 404", "serve " + names.LoaderFile + " next to " + names.WidgetFile} {
		if !strings.Contains(msg, want) {
			t.Errorf("widget shows %q, want it to mention %q", msg, want)
		}
	}
}
