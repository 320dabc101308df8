//go:build !js

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
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
		{[]string{"build", "--viewer", "/no/such/dir", "--out", "/tmp/x"}, "read viewer package"},
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
