package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorerun/loader/headless"
)

// inlineBodies are marker-function bodies as rerun-notebook writes them
// (its wording changed between 0.33 and 0.34), and one that decodes the
// Viewer another way, each taking the data URL. The counter tells a
// decode from a Viewer taken from Cache Storage.
var inlineBodies = []struct {
	name   string
	body   func(dataURL string) string
	stream bool // whether the decode can feed the compile as it goes
}{
	{"rerun-notebook 0.33", headless.NotebookBody, true},
	{"rerun-notebook 0.34", func(dataURL string) string {
		return `
    globalThis.inlineFetches = (globalThis.inlineFetches ?? 0) + 1;
    const compressed = await (await fetch("` + dataURL + `")).blob();
    const buffer = await new Response(compressed.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    return new Response(buffer, { "headers": { "Content-Type": "application/wasm" } });
    `
	}, true},
	{"a body that reads the stream itself", func(dataURL string) string {
		return `
    globalThis.inlineFetches = (globalThis.inlineFetches ?? 0) + 1;
    const reader = (await fetch("` + dataURL + `")).body.pipeThrough(new DecompressionStream("gzip")).getReader();
    const chunks = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    return new Response(new Blob(chunks), { headers: { "Content-Type": "application/wasm" } });
    `
	}, false},
}

// serveInlineBodies serves the standalone widget.js with each of
// inlineBodies spliced in, at /NAME.js (spaces as dashes), with CORS for
// the host page's origin.
var serveInlineBodies = sync.OnceValues(func() (string, error) {
	widget, wasm, err := standaloneAndViewer()
	if err != nil {
		return "", err
	}
	dataURL := headless.DataURL(headless.Gzip(wasm))
	mux := http.NewServeMux()
	for _, b := range inlineBodies {
		src, err := headless.InlineBody(string(widget), b.body(dataURL))
		if err != nil {
			return "", err
		}
		mux.HandleFunc("/"+strings.ReplaceAll(b.name, " ", "-")+".js", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(src))
		})
	}
	srv := httptest.NewServer(mux)
	onTeardown(srv.Close)
	return srv.URL, nil
})

// TestInlinedViewerStreamsIntoTheCompile runs each marker-function body
// in a fresh profile (nothing in Cache Storage): with rerun-notebook's
// bodies the Viewer's compile starts while the body still decodes, and is
// the one compile the Viewer gets; a body that fits no known shape
// compiles what it returns, as before. Each Viewer opens a recording.
func TestInlinedViewerStreamsIntoTheCompile(t *testing.T) {
	t.Parallel()
	origin := must(t, serveInlineBodies)
	for _, b := range inlineBodies {
		t.Run(b.name, func(t *testing.T) {
			tab := openTab(t) // a new browser context: nothing in Cache Storage
			// When compiles start, and when a body finished reading the
			// decoded Viewer whole.
			if _, err := headless.Eval[bool](tab, `(() => {
				window.probe = { compiles: [], decoded: [] };
				const compile = WebAssembly.compileStreaming;
				WebAssembly.compileStreaming = function (...args) {
					probe.compiles.push(performance.now());
					return compile.apply(this, args);
				};
				const read = Response.prototype.arrayBuffer;
				Response.prototype.arrayBuffer = async function () {
					const buffer = await read.call(this);
					if (buffer.byteLength > 10e6) probe.decoded.push(performance.now());
					return buffer;
				};
				return true;
			})()`); err != nil {
				t.Fatal(err)
			}
			m := mountWidget(t, tab, origin+"/"+strings.ReplaceAll(b.name, " ", "-")+".js", true, defaultTraits())
			probe, err := headless.Eval[struct{ Compiles, Decoded []float64 }](tab, `probe`)
			if err != nil {
				t.Fatal(err)
			}
			if len(probe.Compiles) != 1 {
				t.Errorf("the Viewer was compiled %d times, want once", len(probe.Compiles))
			}
			if n, err := headless.Eval[int](tab, `globalThis.inlineFetches ?? 0`); err != nil || n != 1 {
				t.Errorf("the marker function ran %d times (%v), want once", n, err)
			}
			if b.stream {
				if len(probe.Compiles) == 0 || len(probe.Decoded) == 0 || probe.Compiles[0] >= probe.Decoded[0] {
					t.Errorf("compiles started at %v ms, the decode ended at %v ms: want the compile under way before the decode ends", probe.Compiles, probe.Decoded)
				} else {
					t.Logf("the compile started %.0f ms before the decode ended", probe.Decoded[0]-probe.Compiles[0])
				}
			}
			sendRecording(t, tab, m.Index, smallRecording)
		})
	}
}
