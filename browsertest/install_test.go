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
	"sync"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/install"
	"github.com/gorerun/loader/internal/pynotebook"
	"github.com/gorerun/loader/internal/upstream"
	"github.com/gorerun/loader/names"
)

// cleanPath is a PATH without the go command: the released binary must
// not need it.
const cleanPath = "/usr/bin:/bin"

// release is what `make dist` hands out for linux/amd64: the binary,
// unpacked from its archive into a folder of its own, and the wheel.
type release struct{ bin, wheel string }

// released builds the linux/amd64 release as `make dist` does, once per
// package run.
var released = sync.OnceValues(func() (release, error) {
	root, err := assets.ModuleRoot()
	if err != nil {
		return release{}, err
	}
	out, err := sharedDir("browsertest-release-")
	if err != nil {
		return release{}, err
	}
	cmd := exec.Command("go", "run", "./internal/release", "--out", out, "--targets", "linux/amd64", "--bundle=false")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return release{}, fmt.Errorf("release: %v\n%s", err, b)
	}
	archives, _ := filepath.Glob(filepath.Join(out, "loader_*_linux_amd64.tar.gz"))
	wheels, _ := filepath.Glob(filepath.Join(out, names.PythonPackage+"-*-py3-none-manylinux_2_17_x86_64.*.whl"))
	if len(archives) != 1 || len(wheels) != 1 {
		return release{}, fmt.Errorf("release wrote %v and %v, want one linux/amd64 archive and wheel", archives, wheels)
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	for _, f := range []string{archives[0], wheels[0]} {
		if err != nil || !strings.Contains(string(sums), filepath.Base(f)) {
			return release{}, fmt.Errorf("SHA256SUMS = %q (%v), want it to list %s", sums, err, filepath.Base(f))
		}
	}
	bin, err := unpackBinary(archives[0], filepath.Join(out, "bin"))
	return release{bin, wheels[0]}, err
})

// releasedLoader is the released binary; the tests skip elsewhere than
// linux/amd64, whose release is the one under test.
func releasedLoader(t *testing.T) release {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the release under test is linux/amd64's")
	}
	for _, dir := range filepath.SplitList(cleanPath) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			t.Fatalf("%s has a go command: the test would not show the binary works without one", dir)
		}
	}
	return must(t, released)
}

// unpackBinary writes the loader binary of a release archive into dir.
func unpackBinary(archive, dir string) (string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", fmt.Errorf("%s holds no loader binary", archive)
		}
		if err != nil {
			return "", err
		}
		if filepath.Base(h.Name) != "loader" {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		bin := filepath.Join(dir, "loader")
		return bin, os.WriteFile(bin, b, os.FileMode(h.Mode))
	}
}

// offline is the environment of a command with npm's registry out of
// reach.
var offline = []string{"npm_config_registry=http://127.0.0.1:9/", "npm_config_fetch_retries=0"}

// pipLoader installs the release's wheel into env with pip and returns a
// runner of its `rerun-loader` script, from a folder that is not the
// checkout, with no Go on PATH and with the cache and extra environment
// given; want is the exit status.
func pipLoader(t *testing.T, env *pynotebook.Env, cache string, extra ...string) func(want int, args ...string) string {
	t.Helper()
	wheel := releasedLoader(t).wheel
	if err := env.PipInstall(context.Background(), wheel); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(wheel); err == nil {
		t.Logf("$ pip install --no-index %s\n(%d bytes)", filepath.Base(wheel), fi.Size())
	}
	script := filepath.Join(filepath.Dir(env.Python), names.PythonScript)
	work := t.TempDir()
	return func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(script, args...)
		cmd.Dir = work
		cmd.Env = append([]string{"PATH=" + cleanPath, "HOME=" + work, "LOADER_CACHE=" + cache}, extra...)
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != want {
			t.Fatalf("%s %s: exit status %d, want %d\n%s", names.PythonScript, strings.Join(args, " "), code, want, out)
		}
		t.Logf("$ %s %s\n%s", names.PythonScript, strings.Join(args, " "), out)
		return string(out)
	}
}

func expectOutput(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q:\n%s", w, out)
		}
	}
}

// TestInstallIntoNotebook installs the release's wheel with pip into a
// venv holding rerun_notebook, then runs `rerun-loader install` there with
// no flags, no Go on PATH, an empty cache and npm out of reach: it builds
// from the package's own Viewer with the glue the binary carries. Then it
// uses the result as the notebook's modes do: the inline text the
// package's Python makes, in two pages of one profile (the second takes
// the Viewer from Cache Storage), and the package's asset server.
// Uninstalling leaves upstream's files, byte for byte.
func TestInstallIntoNotebook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
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

	loader := pipLoader(t, env, t.TempDir(), offline...)
	expect := func(out string, wants ...string) { t.Helper(); expectOutput(t, out, wants...) }
	expect(loader(0, "status"), "rerun_notebook "+version, "upstream's")
	expect(loader(0, "install"), "the package's own "+names.ViewerFile+" (the pinned "+version, "nothing downloaded", "installed build", "static/"+names.WidgetFile)
	expect(loader(0, "install"), "already installed", "nothing changed")
	expect(loader(0, "status"), "the Go loader's", "Viewer "+version, "kernels: none started before the install")

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
	expect(loader(2, "install", "--viewer", "latest"), "neither a folder, a .tgz file nor a version")
}

// TestInstallUnpinnedViewer installs into a rerun_notebook whose version
// no Viewer is pinned for (0.22.0, on npm here): the Viewer comes from
// npm, checked against the registry's integrity, with a note that it is
// not one the loader was tested with; uninstall restores upstream's files.
func TestInstallUnpinnedViewer(t *testing.T) {
	t.Parallel()
	const version = "0.22.0"
	if assets.IsPinned(version) {
		t.Fatalf("%s is pinned: the test needs a version that is not", version)
	}
	env, err := pynotebook.Create(context.Background(), filepath.Join(t.TempDir(), "venv"), version, map[string][]byte{
		names.WidgetFile: []byte("// upstream's widget.js\n"), names.ViewerFile: []byte("upstream's Viewer"),
	})
	if err != nil {
		t.Fatal(err)
	}
	upstreamStatic, err := pynotebook.Snapshot(filepath.Join(env.Package, "static"))
	if err != nil {
		t.Fatal(err)
	}
	loader := pipLoader(t, env, t.TempDir())
	expectOutput(t, loader(0, "install"), "verified against npm's integrity",
		"note: "+assets.ViewerPackage+"@"+version+" is not one of the Viewers this loader was tested with", "installed build", "(Viewer "+version+")")
	// The package runs as a module too, on the Python that runs it.
	module := exec.Command(env.Python, "-m", names.PythonPackage, "status")
	module.Env = []string{"PATH=" + cleanPath}
	out, err := module.CombinedOutput()
	if err != nil {
		t.Errorf("python -m %s status: %v\n%s", names.PythonPackage, err, out)
	}
	expectOutput(t, string(out), "rerun_notebook "+version, "the Go loader's")
	expectOutput(t, loader(0, "uninstall"), "restored upstream's")
	if got, err := pynotebook.Snapshot(filepath.Join(env.Package, "static")); err != nil || !maps.Equal(got, upstreamStatic) {
		t.Errorf("after uninstall static/ holds %d files, not upstream's %d byte for byte", len(got), len(upstreamStatic))
	}
}
