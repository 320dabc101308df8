package npmlock

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
