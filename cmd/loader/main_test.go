//go:build !js

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRejectsBadInput(t *testing.T) {
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
		{[]string{"viewer", "--version", "0.0.1"}, "not pinned"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loader %s: error = %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}

// TestCheckExitStatus checks that `loader check` tells bad usage and a
// broken setup (exit status 2, with what to do) from failed checks (1)
// before it starts any browser.
func TestCheckExitStatus(t *testing.T) {
	rrd := filepath.Join(t.TempDir(), "some.rrd")
	if err := os.WriteFile(rrd, []byte("RRF2"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"check"}, "no recordings given", 2},
		{[]string{"check", "/no/such.rrd"}, "no such file", 2},
		{[]string{"check", t.TempDir()}, "is a folder", 2},
		{[]string{"check", "--size", "1024", rrd}, `--size "1024" is not WxH`, 2},
		{[]string{"check", "--size", "10x10", rrd}, "out of range", 2},
		{[]string{"check", "--viewer", "0.0.1", rrd}, "neither a folder nor a pinned version", 2},
		{[]string{"check", "--viewer", rrd, rrd}, "is a file; want a folder", 2},
		{[]string{"check", "--update-golden", rrd}, "needs --golden", 2},
		{[]string{"check", "--golden", "/no/such/golden", rrd}, "record it first with --update-golden", 2},
		{[]string{"check", "--max-slowdown", "2", rrd}, "needs --baseline", 2},
		{[]string{"check", "--max-diff", "5", rrd}, "not a fraction", 2},
		{[]string{"check", "--timeout", "0s", rrd}, "not positive", 2},
		{[]string{"check", "--bogus", rrd}, "flag provided but not defined", 2},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := exitCode(run(context.Background(), tt.args, &out, &errOut), &errOut)
		if code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("loader %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, errOut.String(), tt.code, tt.want)
		}
	}
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, &out, &errOut); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("no arguments: %v", err)
	}
	if !strings.Contains(errOut.String(), "loader serve") {
		t.Errorf("no usage printed: %q", errOut.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"help"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "loader build") {
		t.Errorf("help: %v, %q", err, out.String())
	}
}
