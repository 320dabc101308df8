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
	"slices"
	"strconv"
	"strings"
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
	pin := PinnedViewer{Version: "0.99.0", SHA256: strings.Repeat("a", 64)}
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
	other.SHA256 = strings.Repeat("b", 64)
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
