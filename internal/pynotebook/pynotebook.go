// Package pynotebook makes a Python virtual environment holding a
// stand-in rerun_notebook package of the real layout (docs/protocol.md, "Asset modes"): a
// dist-info with its version, __init__.py naming WIDGET_PATH and WASM_PATH
// with the inline splice, the asset server and `python -m rerun_notebook
// serve`, and static/ with the files the tests give it. The Python is
// Debian's python3 with its venv module.
package pynotebook

import (
	"bufio"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorerun/loader/names"
)

// Python is the interpreter the environments are made from.
const Python = "/usr/bin/python3"

//go:embed all:rerun_notebook
var packageFiles embed.FS

// Env is a virtual environment with the stand-in package installed.
type Env struct {
	// Python is the environment's interpreter.
	Python string
	// Package is the package folder, site-packages/rerun_notebook.
	Package string
}

// Create makes the environment in dir with rerun_notebook version
// installed, static holding the files of static/ by name.
func Create(ctx context.Context, dir, version string, static map[string][]byte) (*Env, error) {
	venv := exec.CommandContext(ctx, Python, "-m", "venv", "--without-pip", dir)
	if out, err := venv.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s -m venv %s: %w\n%s", Python, dir, err, out)
	}
	env := &Env{Python: filepath.Join(dir, "bin", "python")}
	out, err := exec.CommandContext(ctx, env.Python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").Output()
	if err != nil {
		return nil, fmt.Errorf("find the venv's site-packages: %w", err)
	}
	site := strings.TrimSpace(string(out))
	env.Package = filepath.Join(site, "rerun_notebook")
	fill := strings.NewReplacer("__MARKER_OPEN__", names.MarkerOpen, "__MARKER_CLOSE__", names.MarkerClose)
	err = fs.WalkDir(packageFiles, "rerun_notebook", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := packageFiles.ReadFile(path)
		if err != nil {
			return err
		}
		return write(filepath.Join(site, path), []byte(fill.Replace(string(b))))
	})
	if err != nil {
		return nil, err
	}
	for name, b := range static {
		if err := write(filepath.Join(env.Package, "static", name), b); err != nil {
			return nil, err
		}
	}
	info := filepath.Join(site, "rerun_notebook-"+version+".dist-info")
	metadata := "Metadata-Version: 2.1\nName: rerun-notebook\nVersion: " + version + "\n\nA stand-in for the loader's tests.\n"
	if err := write(filepath.Join(info, "METADATA"), []byte(metadata)); err != nil {
		return nil, err
	}
	return env, write(filepath.Join(info, "INSTALLER"), []byte("pip\n"))
}

func write(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// PipInstall installs wheel into the environment with pip, from the file
// alone (--no-index): pip first, from the wheel Python bundles
// (ensurepip), as `python3 -m venv` does.
func (e *Env) PipInstall(ctx context.Context, wheel string) error {
	for _, args := range [][]string{
		{"-m", "ensurepip", "--default-pip"},
		{"-m", "pip", "install", "--no-index", "--no-cache-dir", "--disable-pip-version-check", wheel},
	} {
		if out, err := exec.CommandContext(ctx, e.Python, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("python %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// InlineESM returns the module source the package's inline mode hands to
// anywidget.
func (e *Env) InlineESM(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, e.Python, "-c", "import sys, rerun_notebook; sys.stdout.write(rerun_notebook.inline_esm())")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("rerun_notebook.inline_esm(): %w\n%s", err, stderr.String())
	}
	return string(out), nil
}

// Serve runs `python -m rerun_notebook serve` on a free port until ctx
// ends and returns the base URL it prints.
func (e *Env) Serve(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, e.Python, "-m", "rerun_notebook", "serve", "--bind-address", "127.0.0.1", "--port", "0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go cmd.Wait()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Serving rerun notebook assets at "); ok {
				line <- u
			}
		}
	}()
	select {
	case u := <-line:
		return u, nil
	case <-time.After(2 * time.Minute):
		return "", errors.New("python -m rerun_notebook serve printed no address in 2 min")
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Snapshot reads every file under dir, by its path relative to dir: what
// tests compare to tell that an install left a package byte for byte as
// it found it.
func Snapshot(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(b)
		return err
	})
	return files, err
}
