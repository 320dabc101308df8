// Package install puts the loader's widget.js into an installed
// rerun_notebook package, so that the notebook's inline and serve-local
// modes (which read the package's own static/widget.js and
// static/re_viewer_bg.wasm) run it, and takes it out again byte for byte.
package install

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gorerun/loader/names"
)

// distribution is the package's name on PyPI and in its metadata.
const distribution = "rerun_notebook"

// Package is an installed rerun_notebook package.
type Package struct {
	// Dir is the package folder: __init__.py and static/.
	Dir string
	// Version is the installed version, from the package's metadata.
	Version string
	// Prefix is the Python environment's sys.prefix, "" when unknown.
	Prefix string
}

// Static is the folder holding the files the notebook reads.
func (p *Package) Static() string { return filepath.Join(p.Dir, "static") }

// findScript prints the package's folder and version as JSON. It finds the
// package without importing it: importing it imports anywidget, ipywidgets
// and jupyter_ui_poll, which a Python without a kernel stack lacks.
const findScript = `
import importlib.metadata, importlib.util, json, sys
spec = importlib.util.find_spec("` + distribution + `")
dirs = list(spec.submodule_search_locations or []) if spec else []
try:
    version = importlib.metadata.version("` + distribution + `")
except importlib.metadata.PackageNotFoundError:
    version = ""
print(json.dumps({"dir": dirs[0] if dirs else "", "version": version, "prefix": sys.prefix}))
`

// Locate finds the rerun_notebook package the Python interpreter python
// imports (a venv's bin/python works), and checks it is one we know.
func Locate(ctx context.Context, python string) (*Package, error) {
	cmd := exec.CommandContext(ctx, python, "-c", findScript)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("there is no Python %q: name the one your notebook kernel runs with --python (a venv's bin/python works), or the package folder with --into", python)
		}
		return nil, fmt.Errorf("ask %s where %s is: %w\n%s", python, distribution, err, strings.TrimSpace(stderr.String()))
	}
	var found struct{ Dir, Version, Prefix string }
	if err := json.Unmarshal(out, &found); err != nil {
		return nil, fmt.Errorf("ask %s where %s is: unexpected answer %q", python, distribution, out)
	}
	if found.Dir == "" {
		return nil, fmt.Errorf("%s has no %s package (its environment is %s): pip install rerun-notebook there, or name another Python with --python", python, distribution, found.Prefix)
	}
	if found.Version == "" {
		return nil, fmt.Errorf("%s in %s has no package metadata, so its version is unknown: reinstall it with pip", distribution, found.Dir)
	}
	p, err := open(found.Dir, found.Version)
	if p != nil {
		p.Prefix = found.Prefix
	}
	return p, err
}

// Open reads the rerun_notebook package in the folder dir, its version
// from the rerun_notebook-VERSION.dist-info folder beside it.
func Open(dir string) (*Package, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	version, err := distInfoVersion(dir)
	if err != nil {
		return nil, err
	}
	p, err := open(dir, version)
	if p != nil {
		p.Prefix = prefixOf(dir)
	}
	return p, err
}

// prefixOf is the environment of a package in PREFIX/lib/pythonX.Y/
// site-packages, or "" for another layout.
func prefixOf(dir string) string {
	site := filepath.Dir(dir)
	lib := filepath.Dir(filepath.Dir(site))
	if filepath.Base(site) != "site-packages" || !strings.HasPrefix(filepath.Base(filepath.Dir(site)), "python") || filepath.Base(lib) != "lib" {
		return ""
	}
	return filepath.Dir(lib)
}

// distInfoVersion reads the Version field of the METADATA of the
// package's dist-info folder, as pip writes it beside the package.
func distInfoVersion(dir string) (string, error) {
	infos, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), distribution+"-*.dist-info"))
	if len(infos) != 1 {
		return "", fmt.Errorf("%s: want one %s-VERSION.dist-info folder beside the package to read its version, found %d; is this an installed %s (site-packages/%s)?",
			dir, distribution, len(infos), distribution, distribution)
	}
	f, err := os.Open(filepath.Join(infos[0], "METADATA"))
	if err != nil {
		return "", fmt.Errorf("read the package's version: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Version:"); ok {
			return strings.TrimSpace(v), nil
		}
		if sc.Text() == "" { // the headers end here
			break
		}
	}
	return "", fmt.Errorf("%s has no Version field", f.Name())
}

// open checks that dir has the layout the notebook's inline and
// serve-local modes read (docs/protocol.md, "Asset modes"): __init__.py naming WIDGET_PATH
// and WASM_PATH, and the two files in static/.
func open(dir, version string) (*Package, error) {
	p := &Package{Dir: dir, Version: version}
	initPy, err := os.ReadFile(filepath.Join(dir, "__init__.py"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a Python package we know: %w", dir, err)
	}
	for _, name := range []string{"WIDGET_PATH", "WASM_PATH"} {
		if !bytes.Contains(initPy, []byte(name)) {
			return nil, fmt.Errorf("%s %s: its __init__.py has no %s, so it does not hand the notebook widget.js and the Viewer the way the loader needs (rerun_notebook 0.24 and later do): upgrade rerun-notebook",
				distribution, version, name)
		}
	}
	for _, name := range []string{names.WidgetFile, names.ViewerFile} {
		if fi, err := os.Stat(filepath.Join(p.Static(), name)); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s %s has no static/%s: not the package layout the loader knows (reinstall rerun-notebook?)", distribution, version, name)
		}
	}
	return p, nil
}
