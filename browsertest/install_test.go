package browsertest

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/install"
	"github.com/gorerun/loader/internal/headless"
	"github.com/gorerun/loader/internal/pynotebook"
	"github.com/gorerun/loader/internal/upstream"
	"github.com/gorerun/loader/names"
)

// cleanPath is a PATH without the go command: the released binary must
// not need it.
const cleanPath = "/usr/bin:/bin"

// releasedLoader builds the release archive for linux/amd64 as `make
// dist` does and unpacks its binary into a folder of its own, away from
// the checkout.
func releasedLoader(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the release archive under test is linux/amd64's")
	}
	root, err := assets.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/release", "--out", out, "--targets", "linux/amd64", "--bundle=false")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release: %v\n%s", err, b)
	}
	archives, _ := filepath.Glob(filepath.Join(out, "loader_*_linux_amd64.tar.gz"))
	if len(archives) != 1 {
		t.Fatalf("release wrote %v, want one linux/amd64 archive", archives)
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil || !strings.Contains(string(sums), filepath.Base(archives[0])) {
		t.Errorf("SHA256SUMS = %q (%v), want it to list %s", sums, err, filepath.Base(archives[0]))
	}
	dir := t.TempDir()
	f, err := os.Open(archives[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	bin := ""
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(h.Name) != "loader" {
			continue
		}
		bin = filepath.Join(dir, "loader")
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, b, os.FileMode(h.Mode)); err != nil {
			t.Fatal(err)
		}
	}
	if bin == "" {
		t.Fatalf("%s holds no loader binary", archives[0])
	}
	for _, dir := range filepath.SplitList(cleanPath) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			t.Fatalf("%s has a go command: the test would not show the binary works without one", dir)
		}
	}
	return bin
}

// TestInstallIntoNotebook installs the released binary's widget.js into a
// venv's rerun_notebook, from a folder that is not the checkout and with
// no Go on PATH, then uses it as the notebook's modes do: the inline text
// the package's Python makes, in two pages of one profile (the second
// takes the Viewer from Cache Storage), and the package's asset server.
// Uninstalling leaves upstream's files, byte for byte.
func TestInstallIntoNotebook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := releasedLoader(t)
	// Not the default Viewer: install must build for the package's own
	// version, and this Viewer's Cache Storage entry is this test's alone.
	const version, recording = "0.31.4", "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd"
	pin, err := assets.LookupViewer(version)
	if err != nil {
		t.Fatal(err)
	}
	cache := must(t, fetchPinned).cache
	pkg, err := assets.FetchViewer(ctx, pin, cache, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	upstreamWidget, err := upstream.NotebookWidget(ctx, pkg, cache, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	viewer, err := os.ReadFile(filepath.Join(pkg, names.ViewerFile))
	if err != nil {
		t.Fatal(err)
	}
	viewerSum := fmt.Sprintf("%x", sha256.Sum256(viewer))
	env, err := pynotebook.Create(ctx, filepath.Join(t.TempDir(), "venv"), version, map[string][]byte{
		names.WidgetFile: upstreamWidget, names.ViewerFile: viewer, "widget.css": []byte(".rerun-notebook {}\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	upstreamStatic, err := pynotebook.Snapshot(filepath.Join(env.Package, "static"))
	if err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	loader := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--python", env.Python)...)
		cmd.Dir = work
		cmd.Env = []string{"PATH=" + cleanPath, "HOME=" + work, "LOADER_CACHE=" + cache}
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != want {
			t.Fatalf("loader %s: exit status %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		t.Logf("$ loader %s --python VENV/bin/python\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	expect := func(out string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("the output lacks %q:\n%s", w, out)
			}
		}
	}
	expect(loader(0, "status"), "rerun_notebook "+version, "upstream's")
	expect(loader(0, "install"), "installed build", "static/"+names.WidgetFile)
	expect(loader(0, "install"), "already installed", "nothing changed")
	expect(loader(0, "status"), "the Go loader's", "Viewer "+version)

	inline, err := env.InlineESM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inline, names.BootHook) {
		t.Fatal("the package's inline text is not the Go loader's widget")
	}
	inlineSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "text/javascript")
		io.WriteString(w, inline)
	}))
	defer inlineSrv.Close()
	for page := range 2 {
		tab, err := chromium(t).NewProfileTab()
		if err != nil {
			t.Fatal(err)
		}
		watchTab(t, tab, nil)
		// Counts the decodes of the inlined Viewer, which fetch its data: URL.
		if _, err := headless.Eval[bool](tab, `(() => {
			const fetch = globalThis.fetch;
			globalThis.dataFetches = 0;
			globalThis.fetch = (url, ...rest) => {
				if (String(url).startsWith("data:")) globalThis.dataFetches++;
				return fetch(url, ...rest);
			};
			return true;
		})()`); err != nil {
			t.Fatal(err)
		}
		m := mountWidget(t, tab, inlineSrv.URL+"/widget.js", true, defaultTraits())
		sendRecording(t, tab, m.Index, recording)
		if page == 0 {
			// It is kept once the page is idle, after the Viewer started.
			kept := fmt.Sprintf(`(async () => (await (await caches.open("rerun-viewer")).keys()).some((r) => r.url.includes(%s)))()`, headless.JS(viewerSum))
			if err := tab.Poll("the Viewer in Cache Storage", kept, headless.Deadline); err != nil {
				t.Fatal(err)
			}
		}
		if page == 1 {
			if n, err := headless.Eval[int](tab, `globalThis.dataFetches`); err != nil || n != 0 {
				t.Errorf("second page: the inlined Viewer was decoded %d times (%v), want 0 (it is in Cache Storage)", n, err)
			}
		}
		tab.Close()
	}

	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	base, err := env.Serve(serveCtx)
	if err != nil {
		t.Fatal(err)
	}
	tab := openTab(t)
	m := mountWidget(t, tab, base+"/"+names.WidgetFile, false, defaultTraits())
	sendRecording(t, tab, m.Index, recording)

	expect(loader(0, "uninstall"), "restored upstream's")
	if got, err := pynotebook.Snapshot(filepath.Join(env.Package, "static")); err != nil || !maps.Equal(got, upstreamStatic) {
		t.Errorf("after uninstall static/ holds %d files, not upstream's %d byte for byte", len(got), len(upstreamStatic))
	}
	if _, err := os.Stat(filepath.Join(env.Package, "static", install.BackupDir)); !os.IsNotExist(err) {
		t.Errorf("the backup folder is still there (%v)", err)
	}
	expect(loader(0, "uninstall"), "nothing to uninstall")
	expect(loader(2, "install", "--viewer", "0.1.0"), "neither a folder nor a pinned version", version)
}
