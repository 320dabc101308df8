//go:build !js

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/readme"
)

func TestRunRejectsBadInput(t *testing.T) {
	// An installed rerun_notebook of a version no Viewer is pinned for, with
	// npm's registry out of reach.
	t.Setenv("npm_config_registry", "http://127.0.0.1:9/")
	t.Setenv("npm_config_fetch_retries", "0")
	t.Setenv("LOADER_CACHE", t.TempDir())
	site := t.TempDir()
	oldNotebook := filepath.Join(site, "rerun_notebook")
	for path, content := range map[string]string{
		"rerun_notebook/__init__.py":               "WIDGET_PATH = WASM_PATH = None\n",
		"rerun_notebook/static/widget.js":          "upstream",
		"rerun_notebook/static/re_viewer_bg.wasm":  "upstream",
		"rerun_notebook-0.99.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: rerun-notebook\nVersion: 0.99.0\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(site, path)), 0o755)
		if err := os.WriteFile(filepath.Join(site, path), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"build"}, "build needs --viewer DIR and --out DIR"},
		{[]string{"build", "--viewer", "x"}, "build needs --viewer DIR and --out DIR"},
		{[]string{"build", "--viewer", "/no/such/dir", "--out", "/tmp/x"}, "is not a Viewer"},
		{[]string{"build", "--viewer", "x", "--out", "/tmp/x", "--viewer-url", "/re_viewer_bg.wasm"}, "not an absolute http(s) URL"},
		{[]string{"build", "--viewer", "x", "--out", "/tmp/x", "--viewer-url", "ftp://cdn.example/re_viewer_bg.wasm"}, "not an absolute http(s) URL"},
		{[]string{"serve", "--port", "70000"}, "not a TCP port"},
		{[]string{"serve", "--dir", "/no/such/dir"}, "loader build"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"viewer", "--version", "latest"}, "neither a folder, a .tgz file nor a version"},
		{[]string{"build", "--viewer", "x", "--out", "/tmp/x", "--served-from", "srv/x"}, "not an absolute path"},
		{[]string{"install", "--into", oldNotebook}, "the Viewer of rerun_notebook 0.99.0"},
		{[]string{"install", "--into", oldNotebook}, "offline? give the Viewer as --viewer DIR or FILE.tgz"},
		{[]string{"install", "--into", oldNotebook, "--viewer", "latest"}, "neither a folder, a .tgz file nor a version"},
		{[]string{"status", "--python", "/no/such/python"}, "there is no Python"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loader %s: error = %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}

// TestExitStatus checks what scripts see: 0 for asked-for help, 2 for bad
// usage or configuration, said before any long build or any browser
// starts (a port in use, a bad origin or public URL, a bad check setup).
func TestExitStatus(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work) // where the default --out would go
	rrd := filepath.Join(t.TempDir(), "some.rrd")
	if err := os.WriteFile(rrd, []byte("RRF2"), 0o644); err != nil {
		t.Fatal(err)
	}
	scenarios := filepath.Join(t.TempDir(), "scenarios.json")
	if err := os.WriteFile(scenarios, []byte(`[{"recording": "some.rrd", "at": ["end"], "zoom": 2}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		args []string
		code int
		want string // on stderr
	}{
		{[]string{"build", "-h"}, 0, "-quality"},
		{[]string{"serve", "--help"}, 0, "-allow-origin"},
		{[]string{"check", "-h"}, 0, "RECORDING"},
		{[]string{"build", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"build", "--quality", "12", "--viewer", "x", "--out", "y"}, 2, "not in 0–11"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--allow-origin", "https://hub.example/lab"}, 2, "has a path"},
		{[]string{"serve", "--allow-origin", "hub.example"}, 2, "is not http or https"},
		{[]string{"serve", "--public-url", "https://hub.example/?token=x"}, 2, "has a query or fragment"},
		{[]string{"serve", "--public-url", "hub.example"}, 2, "not an absolute http(s) URL"},
		{[]string{"serve", "--bind-address", "127.0.0.1", "--port", busyPort}, 2, "is another server on that port?"},
		{[]string{"serve", "--port", "-1"}, 2, "not a TCP port"},
		{[]string{"serve", "--recording", "/no/such.rrd"}, 2, "no such file"},
		{[]string{"viewer", "--version", "0.0"}, 2, "neither a folder, a .tgz file nor a version"},
		{[]string{"check"}, 2, "no recordings given"},
		{[]string{"check", "/no/such.rrd"}, 2, "no such file"},
		{[]string{"check", t.TempDir()}, 2, "is a folder"},
		{[]string{"check", "--size", "1024", rrd}, 2, `--size "1024" is not WxH`},
		{[]string{"check", "--size", "10x10", rrd}, 2, "out of range"},
		{[]string{"check", "--viewer", "latest", rrd}, 2, "neither a folder, a .tgz file nor a version"},
		{[]string{"check", "--viewer", rrd, rrd}, 2, "is a file but not a .tgz"},
		{[]string{"check", "--update-golden", rrd}, 2, "needs --golden"},
		{[]string{"check", "--golden", "/no/such/golden", rrd}, 2, "record it first with --update-golden"},
		{[]string{"check", "--max-slowdown", "2", rrd}, 2, "needs --baseline"},
		{[]string{"check", "--max-diff", "5", rrd}, 2, "not a fraction"},
		{[]string{"check", "--timeout", "0s", rrd}, 2, "not positive"},
		{[]string{"check", "--bogus", rrd}, 2, "flag provided but not defined"},
		{[]string{"check", "--shard", "3/2", rrd}, 2, `--shard "3/2" is not i/n`},
		{[]string{"check", "--workers", "-1", rrd}, 2, "--workers -1 is negative"},
		{[]string{"check", "--scenarios", scenarios}, 2, `scenario 1: unknown key "zoom"`},
		{[]string{"check", "merge", "out"}, 2, "usage: loader check merge OUT DIR..."},
		{[]string{"check", "merge", t.TempDir(), t.TempDir()}, 2, "the --out of a `loader check`?"},
		{[]string{"check", "approve"}, 2, "usage: loader check approve OUT"},
		{[]string{"check", "approve", t.TempDir()}, 2, "the --out of a `loader check`?"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := exitCode(run(context.Background(), tt.args, &out, &errOut), &errOut)
		if code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("loader %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, errOut.String(), tt.code, tt.want)
		}
		if left, _ := os.ReadDir(work); len(left) > 0 {
			t.Errorf("loader %s left %s behind", strings.Join(tt.args, " "), left[0].Name())
			os.RemoveAll(filepath.Join(work, left[0].Name()))
		}
	}
}

func TestInterruptedExitStatus(t *testing.T) {
	var errOut bytes.Buffer
	err := fmt.Errorf("compress re_viewer_bg.wasm: %w", context.Canceled)
	if code := exitCode(err, &errOut); code != 130 || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("interrupted: exit %d, %q", code, errOut.String())
	}
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := exitCode(run(context.Background(), nil, &out, &errOut), &errOut); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "loader serve") {
		t.Errorf("no usage printed: %q", errOut.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"help"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "loader build") {
		t.Errorf("help: %v, %q", err, out.String())
	}
}

// TestREADMEShowsTheCommands holds the README's command block to the
// synopses `loader -h` prints, so the two cannot drift.
func TestREADMEShowsTheCommands(t *testing.T) {
	block, err := readme.Block("## The `loader` program", "")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range commands {
		want = append(want, c.synopsis())
	}
	if got := strings.TrimSpace(block); got != strings.Join(want, "\n") {
		t.Errorf("README's command block:\n%s\n\nwant what loader -h says:\n%s", got, strings.Join(want, "\n"))
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &help, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, s := range want {
		if !strings.Contains(help.String(), s) {
			t.Errorf("loader -h lacks %q", s)
		}
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"loader ", runtime.Version(), assets.DefaultViewer().Version + " (default)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("loader version says %q, want %q in it", out.String(), want)
		}
	}
	info := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-02T12:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got := versionText(info, true); !strings.HasPrefix(got, "loader v1.2.3 0123456789ab 2026-12-02T12:00:00Z (modified)\n") {
		t.Errorf("versionText = %q", got)
	}
}
