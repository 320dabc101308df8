package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
)

// helloWorld is the smallest Go program that does what the loader must do
// before it is ready: start the runtime and hand JavaScript a function.
// Its boot is the floor of any Go loader built with this toolchain.
const helloWorld = `package main

import "syscall/js"

func main() {
	api := js.FuncOf(func(js.Value, []js.Value) any { return nil })
	js.Global().Get("` + names.BootHook + `").Call("resolve", api)
	select {}
}
`

// floor measures Go Wasm boots alone: the same bytes in memory,
// instantiated and run until the program hands over its API.
type floor struct {
	helloWasm, loaderWasm, wasmExec []byte
}

// floorSample is one measurement of both boots, in ms.
type floorSample struct {
	HelloWorldMS float64 `json:"hello_world_ms"`
	LoaderMS     float64 `json:"loader_ms"`
}

func buildFloor(ctx context.Context, loaderWasm []byte) (*floor, error) {
	dir, err := os.MkdirTemp("", "bench-hello-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for name, content := range map[string]string{"main.go": helloWorld, "go.mod": "module hello\n\ngo 1.26\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	// The same flags as the loader's build.
	args := append([]string{"build"}, assets.WasmBuildFlags...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", "hello.wasm", ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the Go hello world: %w\n%s", err, out)
	}
	hello, err := os.ReadFile(filepath.Join(dir, "hello.wasm"))
	if err != nil {
		return nil, err
	}
	wasmExec, err := assets.WasmExecJS(ctx)
	if err != nil {
		return nil, err
	}
	return &floor{helloWasm: hello, loaderWasm: loaderWasm, wasmExec: wasmExec}, nil
}

const floorPage = `<!doctype html><meta charset="utf-8"><script src="/wasm_exec.js"></script><script>
window.boot = async (url) => {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const start = performance.now();
  const go = new Go();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  return new Promise((resolve) => {
    globalThis.` + names.BootHook + ` = { resolve: () => resolve(performance.now() - start) };
    go.run(instance);
  });
};
</script>`

// measure boots each Wasm in a new tab.
func (f *floor) measure(b *headless.Browser) (floorSample, error) {
	mux := http.NewServeMux()
	serve := func(path, contentType string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Write(body)
		})
	}
	serve("/{$}", "text/html; charset=utf-8", []byte(floorPage))
	serve("/wasm_exec.js", "text/javascript", f.wasmExec)
	serve("/hello.wasm", "application/wasm", f.helloWasm)
	serve("/loader.wasm", "application/wasm", f.loaderWasm)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var s floorSample
	for _, m := range []struct {
		path string
		ms   *float64
	}{{"/hello.wasm", &s.HelloWorldMS}, {"/loader.wasm", &s.LoaderMS}} {
		tab, err := b.NewTab()
		if err != nil {
			return s, err
		}
		ms, err := func() (float64, error) {
			defer tab.Close()
			if err := tab.Navigate(srv.URL + "/"); err != nil {
				return 0, err
			}
			return headless.Eval[float64](tab, fmt.Sprintf(`boot(%q)`, m.path))
		}()
		if err != nil {
			return s, fmt.Errorf("boot %s: %w", m.path, err)
		}
		*m.ms = ms
	}
	return s, nil
}
