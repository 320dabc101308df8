package assets

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gorerun/loader/names"
)

func TestParseViewerSpec(t *testing.T) {
	dir := t.TempDir()
	tgz := filepath.Join(dir, "web-viewer-0.22.0.tgz")
	os.WriteFile(tgz, nil, 0o644)
	os.WriteFile(filepath.Join(dir, "recording.rrd"), nil, 0o644)
	tests := []struct {
		spec    string
		want    ViewerSpec
		wantErr string
	}{
		{"", ViewerSpec{Version: DefaultViewer().Version}, ""},
		{"0.22.0", ViewerSpec{Version: "0.22.0"}, ""},
		{"v0.41.0", ViewerSpec{Version: "0.41.0"}, ""},
		{"0.42.0-alpha.1", ViewerSpec{Version: "0.42.0-alpha.1"}, ""},
		{dir, ViewerSpec{Dir: dir}, ""},
		{tgz, ViewerSpec{Tarball: tgz}, ""},
		{filepath.Join(dir, "nosuch.tgz"), ViewerSpec{}, "no such file"},
		{filepath.Join(dir, "recording.rrd"), ViewerSpec{}, "is a file but not a .tgz"},
		{"latest", ViewerSpec{}, "neither a folder, a .tgz file nor a version"},
		{"0.22", ViewerSpec{}, "neither a folder, a .tgz file nor a version"},
	}
	for _, tt := range tests {
		got, err := ParseViewerSpec(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseViewerSpec(%q) = %+v, %v; want an error saying %q", tt.spec, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseViewerSpec(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

// registryNpm puts on PATH an npm that answers `npm view SPEC
// dist.integrity --json` with integrity and `npm pack` with a copy of tgz,
// as the registry would for a version that is not pinned; with tgz "" it
// fails as npm does with no network.
func registryNpm(t *testing.T, tgz, integrity string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	bin := t.TempDir()
	script := `#!/bin/sh
[ -z "$FAKE_NPM_TGZ" ] && { echo "npm error code ECONNREFUSED" >&2; exit 1; }
case "$1" in
view) echo "\"$FAKE_NPM_INTEGRITY\"" ;;
pack) cp "$FAKE_NPM_TGZ" "$4/package.tgz" ;;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_NPM_TGZ", tgz)
	t.Setenv("FAKE_NPM_INTEGRITY", integrity)
}

func viewerTgz(t *testing.T, version string) (path, integrity string) {
	t.Helper()
	path = writeTgz(t, map[string]string{
		"package/package.json":        `{"name": "` + ViewerPackage + `", "version": "` + version + `"}`,
		"package/" + names.ViewerFile: "\x00asm\x01\x00\x00\x00",
		"package/re_viewer.js":        "export default function() {}",
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(b)
	return path, "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// TestUnpinnedRelease fetches a version that viewers.lock does not pin:
// it is checked against npm's integrity and kept, with a note that it
// was not tested; the cached copy is used with no network; a tarball
// that does not match npm's integrity is refused.
func TestUnpinnedRelease(t *testing.T) {
	tgz, integrity := viewerTgz(t, "0.41.0")
	cache := t.TempDir()
	spec, err := ParseViewerSpec("0.41.0")
	if err != nil {
		t.Fatal(err)
	}

	registryNpm(t, tgz, integrity)
	var log bytes.Buffer
	dir, err := spec.Resolve(context.Background(), cache, &log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, names.ViewerFile)); err != nil {
		t.Errorf("no Viewer in %s: %v", dir, err)
	}
	if strings.Contains(log.String(), "viewers.lock") {
		t.Errorf("the log speaks of a pin for a version that has none:\n%s", log.String())
	}
	for _, want := range []string{"verified against npm's integrity", "is not one of the Viewers this loader was tested with (" + DefaultViewer().Version} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}

	registryNpm(t, "", "") // offline
	if again, err := spec.Resolve(context.Background(), cache, nil); err != nil || again != dir {
		t.Errorf("offline, from the cache: %s, %v; want %s", again, err, dir)
	}
	if _, err := mustParse(t, "0.40.0").Resolve(context.Background(), cache, nil); err == nil || !strings.Contains(err.Error(), "offline? give the Viewer as --viewer DIR or FILE.tgz") {
		t.Errorf("offline, not cached: %v", err)
	}

	_, other := viewerTgz(t, "0.40.0")
	registryNpm(t, tgz, other)
	if _, err := mustParse(t, "0.39.0").Resolve(context.Background(), cache, nil); err == nil || !strings.Contains(err.Error(), "does not match npm's integrity") {
		t.Errorf("a tarball that is not the published one: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "web-viewer", "0.39.0")); !os.IsNotExist(err) {
		t.Errorf("the refused tarball is in the cache (%v)", err)
	}
}

func mustParse(t *testing.T, spec string) ViewerSpec {
	t.Helper()
	s, err := ParseViewerSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestViewerTarball takes a Viewer from a .tgz on disk with no npm at all:
// one of a version that is not pinned is used with a note; one that claims
// a pinned version but is not its bytes is refused.
func TestViewerTarball(t *testing.T) {
	registryNpm(t, "", "")
	cache := t.TempDir()
	tgz, _ := viewerTgz(t, "0.41.0")
	var log bytes.Buffer
	dir, err := mustParse(t, tgz).Resolve(context.Background(), cache, &log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "re_viewer.js")); err != nil {
		t.Errorf("unpacked into %s: %v", dir, err)
	}
	if !strings.Contains(log.String(), "0.41.0 is not one of the Viewers this loader was tested with") {
		t.Errorf("no note that it is untested:\n%s", log.String())
	}
	fake, _ := viewerTgz(t, DefaultViewer().Version)
	if _, err := mustParse(t, fake).Resolve(context.Background(), cache, nil); err == nil || !strings.Contains(err.Error(), "is not the pinned") {
		t.Errorf("a tarball that is not the pinned bytes of its version: %v", err)
	}
}
