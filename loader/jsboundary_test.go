package loader

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyWasmjsTouchesSyscallJS keeps wasmjs the one way Go code here
// reaches JavaScript: syscall/js panics on a thrown exception or a value of
// the wrong type, and such a panic stops the Go runtime every widget on
// the page shares. Every Go file of the module, tests and every build
// target included, is checked, except wasmjs's own.
func TestOnlyWasmjsTouchesSyscallJS(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above loader/: %v", err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch {
			case rel == "wasmjs", strings.HasPrefix(d.Name(), "."), d.Name() == "build", d.Name() == "testdata", d.Name() == "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "syscall/js" {
				t.Errorf("%s imports syscall/js: reach JavaScript through wasmjs instead", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d Go files: the walk missed the module", checked)
	}
}
