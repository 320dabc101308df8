package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPEP440(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":              "1.2.3",
		"1.2.3":               "1.2.3",
		"v1.2.3-4-gabc1234":   "1.2.3.post4+gabc1234",
		"abc1234":             "0.0.0+gabc1234",
		"abc1234-dirty":       "0.0.0+gabc1234.dirty",
		"v1.2.3-dirty":        "1.2.3+dirty",
		"v1.2.3-4-gabc-dirty": "1.2.3.post4+gabc.dirty",
	} {
		if got := pep440(in); got != want {
			t.Errorf("pep440(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWheel writes every target's wheel and reads each back as pip does:
// a valid file name, RECORD's hashes and sizes those of the files, the
// binary executable, the console script; the same bytes when written
// again.
func TestWheel(t *testing.T) {
	stamp := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	binary := []byte("\x7fELF a loader")
	// PEP 427: name-version-python-abi-platform.whl.
	wheelName := regexp.MustCompile(`^rerun_loader-1\.2\.3\.post4\+gabc-py3-none-([a-z0-9_.]+)\.whl$`)
	for _, target := range targets {
		dir := t.TempDir()
		name, err := writeWheel(dir, "1.2.3.post4+gabc", target, binary, stamp)
		if err != nil {
			t.Fatal(err)
		}
		m := wheelName.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("%s: wheel name %q", target, name)
			continue
		}
		first, _ := os.ReadFile(filepath.Join(dir, name))
		zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		var exe *zip.File
		for _, f := range zr.File {
			rc, _ := f.Open()
			files[f.Name], _ = io.ReadAll(rc)
			rc.Close()
			if strings.HasPrefix(f.Name, "rerun_loader/bin/") {
				exe = f
			}
		}
		info := "rerun_loader-1.2.3.post4+gabc.dist-info/"
		for _, line := range strings.Split(strings.TrimSpace(string(files[info+"RECORD"])), "\n") {
			path, rest, _ := strings.Cut(line, ",")
			if path == info+"RECORD" {
				continue
			}
			sum := sha256.Sum256(files[path])
			if want := fmt.Sprintf("sha256=%s,%d", base64.RawURLEncoding.EncodeToString(sum[:]), len(files[path])); rest != want {
				t.Errorf("%s: RECORD says %s of %s, want %s", target, rest, path, want)
			}
			delete(files, path)
		}
		delete(files, info+"RECORD")
		if len(files) != 0 {
			t.Errorf("%s: files not in RECORD: %v", target, files)
		}
		if exe == nil || exe.Mode()&0o111 == 0 || strings.HasSuffix(exe.Name, ".exe") != strings.HasPrefix(target, "windows/") {
			t.Errorf("%s: binary %+v", target, exe)
		}
		for _, p := range strings.Split(m[1], ".") {
			if !strings.Contains(string(mustRead(t, zr, info+"WHEEL")), "Tag: py3-none-"+p+"\n") {
				t.Errorf("%s: WHEEL lacks the tag of %s", target, p)
			}
		}
		if ep := string(mustRead(t, zr, info+"entry_points.txt")); !strings.Contains(ep, "rerun-loader = rerun_loader.__main__:main") {
			t.Errorf("%s: entry points %q", target, ep)
		}
		if _, err := writeWheel(dir, "1.2.3.post4+gabc", target, binary, stamp); err != nil {
			t.Fatal(err)
		}
		if again, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(again, first) {
			t.Errorf("%s: the wheel differs when written again", target)
		}
	}
}

func mustRead(t *testing.T, zr *zip.Reader, name string) []byte {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return b
}
