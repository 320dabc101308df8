package assets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorerun/loader/names"
)

// wasmModule encodes a module with a custom section first (so sections
// before the imports are skipped) and an import section of the given
// raw imports.
func wasmModule(imports ...[]byte) []byte {
	uleb := func(n int) []byte {
		var out []byte
		for {
			b := byte(n & 0x7f)
			n >>= 7
			if n == 0 {
				return append(out, b)
			}
			out = append(out, b|0x80)
		}
	}
	str := func(s string) []byte { return append(uleb(len(s)), s...) }
	section := func(id byte, body []byte) []byte { return append(append([]byte{id}, uleb(len(body))...), body...) }
	body := uleb(len(imports))
	for _, imp := range imports {
		body = append(body, imp...)
	}
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, section(0, append(str("name"), 1, 2, 3))...)
	m = append(m, section(2, body)...)
	return append(m, section(10, []byte{0})...)
}

func wasmImport(module, field string, desc ...byte) []byte {
	b := append([]byte{byte(len(module))}, module...)
	b = append(b, byte(len(field)))
	b = append(b, field...)
	return append(b, desc...)
}

func TestWasmImports(t *testing.T) {
	tests := []struct {
		name    string
		module  []byte
		want    []string
		wantErr string
	}{
		{"every kind", wasmModule(
			wasmImport("wbg", "__wbg_log_1a2b", 0, 5),                 // function, type 5
			wasmImport("wbg", "__wbindgen_table", 1, 0x70, 1, 0, 100), // table with a maximum
			wasmImport("wbg", "memory", 2, 0, 17),                     // memory without maximum
			wasmImport("wbg", "__stack", 3, 0x7f, 1),                  // mutable i32 global
			wasmImport("wbg", "__tag", 4, 0, 1),                       // exception tag
		), []string{"__wbg_log_1a2b", "__wbindgen_table", "memory", "__stack", "__tag"}, ""},
		{"no import section", []byte("\x00asm\x01\x00\x00\x00"), nil, ""},
		{"not wasm", []byte("<!doctype html><html>"), nil, "not a WebAssembly module"},
		{"unknown kind", wasmModule(wasmImport("wbg", "odd", 9)), nil, `"odd" has unknown kind 9`},
		{"truncated", wasmModule(wasmImport("wbg", "__wbg_x", 0))[:30], nil, "import section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wasmImports(bufio.NewReader(bytes.NewReader(tt.module)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("wasmImports = %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("wasmImports = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestViewerPairs checks the pinned Viewers' own pairs pass and a glue
// from one with the Wasm of another fails by name, as `loader build` and
// `loader check` report it, for a package and for a local build's folder.
func TestViewerPairs(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the pinned Viewers")
	}
	cache, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	pkg := func(version string) string {
		pin, err := LookupViewer(version)
		if err != nil {
			t.Fatal(err)
		}
		dir, err := FetchViewer(context.Background(), pin, cache, nil)
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	localBuild := func(glueFrom, wasmFrom string) string {
		dir := t.TempDir()
		glue, err := os.ReadFile(filepath.Join(pkg(glueFrom), "re_viewer.js"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "re_viewer.js"), glue, 0o644)
		if err := os.Symlink(filepath.Join(pkg(wasmFrom), names.ViewerFile), filepath.Join(dir, names.ViewerFile)); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		name        string
		dir         string
		wantVersion string
		mismatched  bool
	}{
		{"pinned 0.33.0", pkg("0.33.0"), "0.33.0", false},
		{"pinned 0.24.1", pkg("0.24.1"), "0.24.1", false},
		{"local build of 0.31.4", localBuild("0.31.4", "0.31.4"), LocalVersion, false},
		{"0.31.4 glue, 0.33.0 wasm", localBuild("0.31.4", "0.33.0"), "", true},
		{"0.24.1 glue, 0.26.2 wasm", localBuild("0.24.1", "0.26.2"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := readViewer(tt.dir)
			if tt.mismatched {
				if !errors.Is(err, ErrMismatchedBuild) || !strings.Contains(err.Error(), "come from different builds") {
					t.Fatalf("readViewer = %v, want ErrMismatchedBuild", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.version != tt.wantVersion {
				t.Errorf("version = %q, want %q", v.version, tt.wantVersion)
			}
		})
	}
}
