package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/internal/npmlock"
	"github.com/gorerun/loader/internal/testpage"
	"github.com/gorerun/loader/names"
)

// viteApp is a web app that imports the build folder as an npm package;
// its package-lock.json pins Vite, TypeScript and every dependency by
// integrity.
const viteApp = "testdata/viteapp"

// The app's command-line tools, in its node_modules.
const (
	viteCLI = "node_modules/vite/bin/vite.js"
	tscCLI  = "node_modules/typescript/bin/tsc"
)

// installVite installs the app's locked dependencies with npm ci into the
// cache, once per lockfile, and returns the folder of their node_modules.
var installVite = sync.OnceValues(func() (string, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return "", err
	}
	return npmlock.Install(context.Background(), viteApp, cache, "vite", os.Stderr, viteCLI, tscCLI)
})

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// TestViteProductionBuild builds a small app that imports the build folder
// by package name (mount() and the element) with Vite's defaults, serves
// Vite's output alone, and checks both Viewers open their recording from
// the Wasm Vite emitted; tsc checks a TypeScript use of the API against
// the folder's .d.ts files.
func TestViteProductionBuild(t *testing.T) {
	t.Parallel()
	tools := must(t, installVite)
	app := t.TempDir()
	for _, f := range []string{"index.html", "main.js", "package.json", "types.ts", "tsconfig.json"} {
		if err := copyFile(filepath.Join(viteApp, f), filepath.Join(app, f)); err != nil {
			t.Fatal(err)
		}
	}
	fixtures, err := testpage.FixtureDir()
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(app, "public"), 0o755)
	if err := copyFile(filepath.Join(fixtures, fixtureRRD), filepath.Join(app, "public", "recording.rrd")); err != nil {
		t.Fatal(err)
	}
	// What `npm install <build folder>` does: a symlink under node_modules.
	scope := filepath.Join(app, "node_modules", "@gorerun")
	os.MkdirAll(scope, 0o755)
	if err := os.Symlink(realDir(t), filepath.Join(scope, "rerun-viewer")); err != nil {
		t.Fatal(err)
	}
	tsc := exec.Command("node", filepath.Join(tools, tscCLI), "-p", ".")
	tsc.Dir = app
	if out, err := tsc.CombinedOutput(); err != nil {
		t.Errorf("tsc --noEmit on types.ts, against the build's .d.ts files: %v\n%s", err, out)
	}
	cmd := exec.Command("node", filepath.Join(tools, viteCLI), "build", "--logLevel", "warn")
	cmd.Dir = app
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vite build: %v\n%s", err, out)
	}
	for _, name := range []string{names.ViewerFile, names.LoaderFile} {
		stem := strings.TrimSuffix(name, ".wasm")
		if wasm, _ := filepath.Glob(filepath.Join(app, "dist", "assets", stem+"*.wasm")); len(wasm) != 1 {
			t.Fatalf("Vite emitted %v, want %s once\n%s", wasm, name, out)
		}
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(app, "dist"))))
	t.Cleanup(srv.Close)
	tab := openTab(t)
	if err := tab.Navigate(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	if err := tab.Poll("both Viewers to open the recording", `window.events?.length >= 2 || window.events?.some((e) => e.includes("error"))`, headless.Deadline); err != nil {
		t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
	}
	events, err := headless.Eval[[]string](tab, `window.events.toSorted()`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(events) != "[element:recording_open mount:recording_open]" {
		t.Errorf("events %q, want both recording_open", events)
	}
	reqs := pageRequests(t, tab, ".wasm")
	if len(reqs) != 2 || !strings.HasPrefix(reqs[0], srv.URL+"/assets/") || !strings.HasPrefix(reqs[1], srv.URL+"/assets/") {
		t.Errorf("Wasm requests %v, want the Viewer's and the loader's, as Vite emitted them under /assets/", reqs)
	}
}

// TestLoaderJavaScriptChecks runs tsc over the loader's JavaScript modules
// (loader/esm/jsconfig.json: checkJs, not strict): every name resolves to
// an import, a declaration or globals.d.ts, and every call fits what it
// calls. The build joins those modules; this keeps them followable.
func TestLoaderJavaScriptChecks(t *testing.T) {
	t.Parallel()
	tools := must(t, installVite)
	tsc := exec.Command("node", filepath.Join(tools, tscCLI), "-p", "jsconfig.json")
	tsc.Dir = filepath.Join("..", "loader", "esm")
	if out, err := tsc.CombinedOutput(); err != nil {
		t.Errorf("tsc on loader/esm: %v\n%s", err, out)
	}
}
