package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gorerun/loader/names"
)

func TestPinnedViewers(t *testing.T) {
	pins := PinnedViewers()
	if len(pins) == 0 {
		t.Fatal("viewers.lock pins nothing")
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, p := range pins {
		if !hex64.MatchString(p.SHA256) {
			t.Errorf("pin %s has a malformed SHA-256 %q", p.Version, p.SHA256)
		}
	}
	// The default is the newest pin: a user gets the newest Viewer the
	// loader is tested with unless they ask for another.
	def := semver(t, DefaultViewer().Version)
	for _, p := range pins {
		if v := semver(t, p.Version); slices.Compare(v, def) > 0 {
			t.Errorf("the default Viewer %s is older than the pinned %s", DefaultViewer().Version, p.Version)
		}
	}
	if _, err := LookupViewer("0.0.0-nope"); err == nil || !strings.Contains(err.Error(), pins[0].Version) {
		t.Errorf("LookupViewer(unknown) = %v, want an error listing the pins", err)
	}
}

// semver returns the major, minor and patch numbers of a version.
func semver(t *testing.T, version string) []int {
	t.Helper()
	core, _, _ := strings.Cut(version, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		t.Fatalf("version %q is not major.minor.patch", version)
	}
	out := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("version %q: %v", version, err)
		}
		out[i] = n
	}
	return out
}

func writeTgz(t *testing.T, entries map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	path := filepath.Join(t.TempDir(), "p.tgz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUntar(t *testing.T) {
	dir := t.TempDir()
	if err := untar(writeTgz(t, map[string]string{"package/a.txt": "hello"}), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "package", "a.txt")); err != nil || string(b) != "hello" {
		t.Errorf("unpacked %q, %v", b, err)
	}
	for _, evil := range []string{"../escape.txt", "/etc/evil", "package/../../x"} {
		if err := untar(writeTgz(t, map[string]string{evil: "x"}), t.TempDir()); err == nil {
			t.Errorf("untar accepted %q", evil)
		}
	}
}

// TestFetchViewerRefusesAMismatchedTarball runs the real npm pack against a
// deliberately wrong pin; it needs the npm registry.
func TestFetchViewerRefusesAMismatchedTarball(t *testing.T) {
	if testing.Short() {
		t.Skip("runs npm pack")
	}
	pin := DefaultViewer()
	pin.SHA256 = strings.Repeat("0", 64)
	_, err := FetchViewer(context.Background(), pin, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "does not match the pin") {
		t.Fatalf("FetchViewer with a wrong pin = %v, want a checksum error", err)
	}
}

func TestCheckUnpacked(t *testing.T) {
	root := t.TempDir()
	pin := release{version: "0.99.0", sha256: strings.Repeat("a", 64)}
	os.MkdirAll(filepath.Join(root, "package"), 0o755)
	wasm := filepath.Join(root, "package", names.ViewerFile)
	os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	os.WriteFile(filepath.Join(root, "package", "re_viewer.js"), []byte("export default function() {}"), 0o644)
	if err := checkUnpacked(root, pin); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("never stamped: %v, want ErrNotExist", err)
	}
	if err := writeUnpackedStamp(root, pin); err != nil {
		t.Fatal(err)
	}
	if err := checkUnpacked(root, pin); err != nil {
		t.Errorf("as unpacked: %v", err)
	}
	other := pin
	other.sha256 = strings.Repeat("b", 64)
	if err := checkUnpacked(root, other); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("another pin: %v", err)
	}
	os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x01"), 0o644)
	if err := checkUnpacked(root, pin); err == nil || !strings.Contains(err.Error(), "package/re_viewer_bg.wasm was changed") {
		t.Errorf("a changed byte: %v", err)
	}
	os.Remove(wasm)
	if err := checkUnpacked(root, pin); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestFetchViewerReplacesAChangedCache changes one byte of the cached
// Viewer Wasm: the next fetch notices, says so and fetches it again.
func TestFetchViewerReplacesAChangedCache(t *testing.T) {
	if testing.Short() {
		t.Skip("runs npm pack")
	}
	cache := t.TempDir()
	pin := DefaultViewer()
	dir, err := FetchViewer(context.Background(), pin, cache, nil)
	if err != nil {
		t.Fatal(err)
	}
	wasm := filepath.Join(dir, names.ViewerFile)
	good, err := hashFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(wasm, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xff}, 1000)
	f.Close()
	var log bytes.Buffer
	if _, err := FetchViewer(context.Background(), pin, cache, &log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "package/re_viewer_bg.wasm was changed") || !strings.Contains(log.String(), "fetching it again") {
		t.Errorf("log: %q", log.String())
	}
	if again, err := hashFile(wasm); err != nil || again.SHA256 != good.SHA256 {
		t.Errorf("the Viewer Wasm was not restored: %v", err)
	}
}

// fakeNpm puts an npm on PATH whose `npm pack` and `npm ci` wait until
// writers of them run at once (each leaves a file in a barrier folder and
// waits for the others'), then do their work: pack copies the tarball
// $FAKE_NPM_TGZ into --pack-destination. So concurrent fetches all find
// the cache empty and all publish.
func fakeNpm(t *testing.T, writers int, tgz string) {
	t.Helper()
	bin, barrier := t.TempDir(), t.TempDir()
	script := `#!/bin/sh
touch "$FAKE_NPM_BARRIER/$$"
i=0
while [ "$(ls "$FAKE_NPM_BARRIER" | wc -l)" -lt "$FAKE_NPM_WRITERS" ]; do
	i=$((i+1)); [ $i -gt 6000 ] && { echo "fake npm: the other writers never came" >&2; exit 1; }
	sleep 0.01
done
cp "$FAKE_NPM_TGZ" "$4/package.tgz"
`
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_NPM_BARRIER", barrier)
	t.Setenv("FAKE_NPM_WRITERS", strconv.Itoa(writers))
	t.Setenv("FAKE_NPM_TGZ", tgz)
}

// TestFetchViewerConcurrently runs fetches of one pin into an empty cache
// at once, as two `make test` runs on a fresh machine do: every one
// succeeds, and the package each returns is whole and stamped.
func TestFetchViewerConcurrently(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	tgz := writeTgz(t, map[string]string{
		"package/" + names.ViewerFile: "\x00asm\x01\x00\x00\x00",
		"package/re_viewer.js":        "export default function() {}",
	})
	info, err := hashFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	pin := PinnedViewer{Version: "0.99.0", SHA256: info.SHA256}
	tests := []struct {
		name  string
		stale bool // the cache holds a changed copy of the package
	}{
		{"empty cache", false},
		{"over a changed package", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const writers = 4
			fakeNpm(t, writers, tgz)
			cache := t.TempDir()
			root := filepath.Join(cache, "web-viewer", pin.Version)
			if tt.stale {
				if err := untar(tgz, root); err != nil {
					t.Fatal(err)
				}
				if err := writeUnpackedStamp(root, release{version: pin.Version, sha256: pin.SHA256}); err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(root, "package", "re_viewer.js"), []byte("changed"), 0o644)
			}
			dirs := make([]string, writers)
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() { dirs[i], errs[i] = FetchViewer(context.Background(), pin, cache, nil) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("fetch %d: %v", i, err)
				} else if dirs[i] != filepath.Join(root, "package") {
					t.Errorf("fetch %d returned %s", i, dirs[i])
				}
			}
			if err := checkUnpacked(root, release{version: pin.Version, sha256: pin.SHA256}); err != nil {
				t.Errorf("the cached package: %v", err)
			}
			// No temporary or stale folder is left in the cache.
			for _, d := range []string{cache, filepath.Dir(root)} {
				entries, _ := os.ReadDir(d)
				for _, e := range entries {
					if strings.HasPrefix(e.Name(), ".") {
						t.Errorf("%s is left in %s", e.Name(), d)
					}
				}
			}
		})
	}
}
