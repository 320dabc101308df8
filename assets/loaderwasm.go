package assets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// modulePath is this module's path, used to find its source tree.
const modulePath = "github.com/gorerun/loader"

// loaderPackage is the Go program that runs in the browser.
const loaderPackage = modulePath + "/cmd/loader"

type loaderBuild struct {
	wasm     []byte
	wasmExec string // wasm_exec.js of the toolchain that built wasm
}

// WasmBuildFlags are the go build flags of the loader Wasm. Without
// inlining (-l) the Wasm is 9 % larger but its code repeats more: 486 KB
// instead of 521 KB in brotli, which is what travels. The boot it slows
// (38 → 49 ms alone) overlaps the Viewer's download.
var WasmBuildFlags = []string{"-trimpath", "-gcflags=all=-l", "-ldflags=-s -w"}

// WasmExecJS returns the wasm_exec.js of the go command on PATH, which
// must run every Wasm that toolchain builds.
func WasmExecJS(ctx context.Context) ([]byte, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	goroot, err := goEnv(ctx, root, "GOROOT")
	if err != nil {
		return nil, err
	}
	wasmExec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		// Go before 1.24 kept it in misc/wasm.
		var err2 error
		if wasmExec, err2 = os.ReadFile(filepath.Join(goroot, "misc", "wasm", "wasm_exec.js")); err2 != nil {
			return nil, fmt.Errorf("find wasm_exec.js in GOROOT %s: %w", goroot, err)
		}
	}
	return wasmExec, nil
}

// built is the loader Wasm this process built: the source does not change
// while it runs, so a first run's quick and best builds, or a check's
// candidate and baseline, compile it once.
var built struct {
	sync.Mutex
	loader *loaderBuild
}

// buildLoaderWasm returns the loader Wasm and its wasm_exec.js: the ones
// embedded in this binary (a release or `make loader` build), else
// compiled from the source tree on the first call of the process that
// succeeds (a plain `go build` or `go install`, or a test).
func buildLoaderWasm(ctx context.Context, log io.Writer) (*loaderBuild, error) {
	if embeddedLoader != nil {
		return embeddedLoader, nil
	}
	built.Lock()
	defer built.Unlock()
	if built.loader != nil {
		return built.loader, nil
	}
	fmt.Fprintf(log, "building the Go loader (GOOS=js GOARCH=wasm)…\n")
	b, err := compileLoaderWasm(ctx)
	if err == nil {
		built.loader = b
	}
	return b, err
}

// LoaderWasmSource says where this binary's loader Wasm comes from.
func LoaderWasmSource() string {
	if embeddedLoader != nil {
		sum := sha256.Sum256(embeddedLoader.wasm)
		return fmt.Sprintf("embedded (%d bytes, SHA-256 %x)", len(embeddedLoader.wasm), sum[:8])
	}
	if root, err := ModuleRoot(); err == nil {
		return "compiled at run time from the source in " + root + " by the go command on PATH"
	}
	return "compiled at run time, which needs this module's source tree and the go command on PATH"
}

// EmbedDir is the folder, in this package's directory, whose loader.wasm
// and wasm_exec.js a binary built with the loaderwasm tag embeds.
const EmbedDir = "loaderwasm"

// WriteLoaderWasm compiles the loader Wasm into root/assets/EmbedDir/
// loader.wasm and copies the toolchain's wasm_exec.js beside it, for a
// build with the loaderwasm tag. Files that are up to date are left as
// they are (the go command skips a link whose output is current), so
// neither the Wasm nor a binary embedding it is rebuilt for nothing. A
// file that changes is replaced in one rename: two `make loader` at once,
// or a binary built meanwhile, never see half of it. It reports whether
// anything changed.
func WriteLoaderWasm(ctx context.Context, root string) (bool, error) {
	dir := filepath.Join(root, "assets", EmbedDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	wasmPath := filepath.Join(dir, "loader.wasm")
	before, _ := os.ReadFile(wasmPath)
	// go build writes its output in place when its work folder is on
	// another file system: it builds into a copy of the current Wasm
	// beside it instead, which it leaves alone when that is up to date.
	tmp, err := os.CreateTemp(dir, ".loader.wasm-")
	if err != nil {
		return false, fmt.Errorf("write the loader Wasm: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(before)
	if err := errors.Join(err, tmp.Chmod(0o644), tmp.Close()); err != nil {
		return false, fmt.Errorf("write the loader Wasm: %w", err)
	}
	if err := goBuildWasm(ctx, root, tmp.Name()); err != nil {
		return false, err
	}
	after, err := os.ReadFile(tmp.Name())
	if err != nil {
		return false, err
	}
	changed := !bytes.Equal(before, after)
	if changed {
		if err := os.Rename(tmp.Name(), wasmPath); err != nil {
			return false, fmt.Errorf("write the loader Wasm: %w", err)
		}
	}
	wasmExec, err := WasmExecJS(ctx)
	if err != nil {
		return false, err
	}
	execPath := filepath.Join(dir, "wasm_exec.js")
	if old, _ := os.ReadFile(execPath); !bytes.Equal(old, wasmExec) {
		changed = true
		if err := writeFileAtomic(execPath, bytes.NewReader(wasmExec)); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// compileLoaderWasm compiles the loader for GOOS=js GOARCH=wasm with the go
// command on PATH, stripped and trimmed, and reads that toolchain's
// wasm_exec.js: the two must come from the same GOROOT.
func compileLoaderWasm(ctx context.Context) (*loaderBuild, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	wasmExec, err := WasmExecJS(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "loader-wasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "loader.wasm")
	if err := goBuildWasm(ctx, root, out); err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	return &loaderBuild{wasm: wasm, wasmExec: string(wasmExec)}, nil
}

// goBuildWasm builds the loader for GOOS=js GOARCH=wasm into out.
func goBuildWasm(ctx context.Context, root, out string) error {
	args := append([]string{"build"}, WasmBuildFlags...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", out, loaderPackage)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build the loader Wasm: %w\n%s", err, stderr.String())
	}
	return nil
}

func goEnv(ctx context.Context, dir, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ModuleRoot finds this module's source tree, which the loader Wasm is
// built from: the working directory or one of its parents, else the tree
// this binary was built from.
func ModuleRoot() (string, error) {
	var tried []string
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if isModuleRoot(dir) {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
		tried = append(tried, wd+" and its parents")
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(file))
		if isModuleRoot(dir) {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	return "", errors.New("cannot find the source of " + modulePath + " to build the loader Wasm (looked in " +
		strings.Join(tried, ", ") + "); run from a checkout")
}

func isModuleRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return f[1] == modulePath
		}
	}
	return false
}
