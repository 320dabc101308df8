package npmlock

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestInstallChecksWhatItRuns installs the bench's pinned esbuild, runs
// it, then changes its binary: the next Install says so and installs it
// again rather than hand out the changed one.
func TestInstallChecksWhatItRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs npm ci")
	}
	lockDir, err := filepath.Abs("../upstream/esbuild")
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	const bin = "node_modules/.bin/esbuild"
	dir, err := Install(context.Background(), lockDir, cache, "esbuild", nil, bin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(dir, bin), "--version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "0.28.2" {
		t.Fatalf("esbuild --version: %q, %v", out, err)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(dir, bin))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(real, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("\n// changed"))
	f.Close()

	var log bytes.Buffer
	again, err := Install(context.Background(), lockDir, cache, "esbuild", &log, bin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), bin+" was changed") || !strings.Contains(log.String(), "installing it again") {
		t.Errorf("log: %q", log.String())
	}
	if err := verify(again, []string{bin}); err != nil {
		t.Errorf("after the reinstall: %v", err)
	}
	if _, err := Install(context.Background(), t.TempDir(), cache, "esbuild", nil, bin); err == nil || !strings.Contains(err.Error(), "package-lock.json") {
		t.Errorf("a folder without a lockfile: %v", err)
	}
}

// TestInstallConcurrently runs installs of one lockfile into an empty
// cache at once, as two `make test` runs on a fresh machine do, with an
// npm whose `npm ci` waits until all of them have begun: every install
// succeeds and returns the one whole install.
func TestInstallConcurrently(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake npm is a shell script")
	}
	const writers = 4
	bin, barrier := t.TempDir(), t.TempDir()
	script := `#!/bin/sh
touch "$FAKE_NPM_BARRIER/$$"
i=0
while [ "$(ls "$FAKE_NPM_BARRIER" | wc -l)" -lt ` + strconv.Itoa(writers) + ` ]; do
	i=$((i+1)); [ $i -gt 6000 ] && { echo "fake npm: the other installs never came" >&2; exit 1; }
	sleep 0.01
done
mkdir -p node_modules/.bin && echo "tool $$" > node_modules/.bin/tool
`
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_NPM_BARRIER", barrier)
	lockDir := t.TempDir()
	os.WriteFile(filepath.Join(lockDir, "package.json"), []byte(`{"name": "x"}`), 0o644)
	os.WriteFile(filepath.Join(lockDir, "package-lock.json"), []byte(`{"lockfileVersion": 3}`), 0o644)

	cache := t.TempDir()
	const tool = "node_modules/.bin/tool"
	dirs := make([]string, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { dirs[i], errs[i] = Install(context.Background(), lockDir, cache, "tool", nil, tool) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("install %d: %v", i, err)
		}
		if dirs[i] != dirs[0] {
			t.Errorf("install %d returned %s, install 0 %s", i, dirs[i], dirs[0])
		}
	}
	if err := verify(dirs[0], []string{tool}); err != nil {
		t.Errorf("the cached install: %v", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the cache holds %v, want the one install", names)
	}
}
