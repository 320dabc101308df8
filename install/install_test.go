package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorerun/loader/internal/pynotebook"
	"github.com/gorerun/loader/names"
)

// fakeSite writes site-packages with a rerun_notebook of version holding
// upstream's files, and returns the package folder.
func fakeSite(t *testing.T, version string, files map[string]string) string {
	t.Helper()
	site := t.TempDir()
	pkg := filepath.Join(site, "rerun_notebook")
	write(t, filepath.Join(pkg, "__init__.py"), "WIDGET_PATH = 1\nWASM_PATH = 2\n")
	for name, content := range files {
		write(t, filepath.Join(pkg, "static", name), content)
	}
	write(t, filepath.Join(site, "rerun_notebook-"+version+".dist-info", "METADATA"), "Metadata-Version: 2.1\nName: rerun-notebook\nVersion: "+version+"\n\nVersion: 9.9.9 in the body\n")
	return pkg
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func upstreamFiles() map[string]string {
	return map[string]string{names.WidgetFile: "upstream widget", names.ViewerFile: "upstream viewer", "widget.css": "css"}
}

// bundle is a build folder whose standalone widget.js is widget; its
// split widget.js, which needs a file rerun_notebook never serves, is
// another.
func bundle(t *testing.T, widget, viewer string) Bundle {
	dir := t.TempDir()
	write(t, filepath.Join(dir, names.WidgetFile), "split "+widget)
	write(t, filepath.Join(dir, names.StandaloneWidgetFile), widget)
	write(t, filepath.Join(dir, names.ViewerFile), viewer)
	return Bundle{Dir: dir, BuildID: "b-" + widget, ViewerVersion: "0.33.0", Loader: "test"}
}

// snapshot reads every file under dir by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := pynotebook.Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d files %v, want %d %v", what, len(got), got, len(want), want)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %s = %q, want %q", what, name, got[name], w)
		}
	}
}

func TestOpen(t *testing.T) {
	pkg := fakeSite(t, "0.33.0", upstreamFiles())
	p, err := Open(pkg)
	if err != nil || p.Version != "0.33.0" || p.Dir != pkg {
		t.Fatalf("Open = %+v, %v; want version 0.33.0 from the METADATA header", p, err)
	}
	for _, tc := range []struct {
		name  string
		spoil func(pkg string)
		want  string
	}{
		{"no dist-info", func(pkg string) {
			os.RemoveAll(filepath.Join(filepath.Dir(pkg), "rerun_notebook-0.33.0.dist-info"))
		}, "dist-info"},
		{"no WASM_PATH", func(pkg string) {
			os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte("WIDGET_PATH = 1\n"), 0o644)
		}, "upgrade rerun-notebook"},
		{"no __init__.py", func(pkg string) { os.Remove(filepath.Join(pkg, "__init__.py")) }, "not a Python package"},
		{"no Viewer", func(pkg string) { os.Remove(filepath.Join(pkg, "static", names.ViewerFile)) }, "no static/" + names.ViewerFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkg := fakeSite(t, "0.33.0", upstreamFiles())
			tc.spoil(pkg)
			if _, err := Open(pkg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestInstallAndUninstall(t *testing.T) {
	for _, tc := range []struct {
		name     string
		viewer   string // of the bundle
		replaced []string
	}{
		{"the package's Viewer", "upstream viewer", []string{names.WidgetFile}},
		{"another Viewer", "our viewer", []string{names.WidgetFile, names.ViewerFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkg := fakeSite(t, "0.33.0", upstreamFiles())
			before := snapshot(t, pkg)
			p, err := Open(pkg)
			if err != nil {
				t.Fatal(err)
			}
			b := bundle(t, "our widget", tc.viewer)
			replaced, err := p.Install(b)
			if err != nil || strings.Join(replaced, " ") != strings.Join(tc.replaced, " ") {
				t.Fatalf("Install replaced %v (%v), want %v", replaced, err, tc.replaced)
			}
			static := p.Static()
			if got := snapshot(t, static); got[names.WidgetFile] != "our widget" || got[names.ViewerFile] != tc.viewer {
				t.Errorf("after install static/ holds %v", got)
			}
			st, err := p.Status()
			if err != nil || st.State != Ours || st.BuildID != b.BuildID {
				t.Errorf("Status = %+v, %v; want ours, build %s", st, err, b.BuildID)
			}
			if _, err := p.Install(b); !errors.Is(err, ErrAlreadyInstalled) {
				t.Errorf("a second Install = %v, want ErrAlreadyInstalled", err)
			}
			if err := p.Uninstall(); err != nil {
				t.Fatal(err)
			}
			sameSnapshot(t, "after uninstall", snapshot(t, pkg), before)
			if err := p.Uninstall(); !errors.Is(err, ErrNotInstalled) {
				t.Errorf("a second Uninstall = %v, want ErrNotInstalled", err)
			}
		})
	}
}

// TestPipReplacedTheFiles: pip install -U rerun-notebook after an install
// writes upstream's new files over ours. Uninstall then refuses and
// changes nothing; Install installs afresh, and Uninstall after it puts the
// new upstream files back.
func TestPipReplacedTheFiles(t *testing.T) {
	pkg := fakeSite(t, "0.33.0", upstreamFiles())
	p, err := Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	b := bundle(t, "our widget", "our viewer")
	if _, err := p.Install(b); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(p.Static(), names.WidgetFile), "new upstream widget")
	write(t, filepath.Join(p.Static(), names.ViewerFile), "new upstream viewer")
	upgraded := snapshot(t, pkg)
	if st, err := p.Status(); err != nil || st.State != Changed || !strings.Contains(st.Detail, "pip install -U") {
		t.Errorf("Status = %+v, %v; want changed, naming pip", st, err)
	}
	err = p.Uninstall()
	if err == nil || !strings.Contains(err.Error(), "upstream's again") || !strings.Contains(err.Error(), "Nothing changed") {
		t.Errorf("Uninstall = %v, want a refusal saying the package is upstream's again", err)
	}
	sameSnapshot(t, "after the refused uninstall", snapshot(t, pkg), upgraded)

	if _, err := p.Install(b); err != nil {
		t.Fatal(err)
	}
	if err := p.Uninstall(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for name, content := range upgraded {
		if !strings.Contains(name, BackupDir) {
			want[name] = content
		}
	}
	sameSnapshot(t, "after install and uninstall over the upgrade", snapshot(t, pkg), want)
}

func TestUninstallKeepsAChangedBackup(t *testing.T) {
	pkg := fakeSite(t, "0.33.0", upstreamFiles())
	p, err := Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Install(bundle(t, "our widget", "upstream viewer")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(p.Static(), BackupDir, names.WidgetFile), "damaged")
	before := snapshot(t, pkg)
	if err := p.Uninstall(); err == nil || !strings.Contains(err.Error(), "backup") {
		t.Errorf("Uninstall = %v, want it to refuse a damaged backup", err)
	}
	sameSnapshot(t, "after the refused uninstall", snapshot(t, pkg), before)
}

func TestLocate(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no Debian python3 (make test installs it)")
	}
	ctx := context.Background()
	pkg := fakeSite(t, "0.31.4", upstreamFiles())
	t.Setenv("PYTHONPATH", filepath.Dir(pkg))
	p, err := Locate(ctx, python)
	if err != nil || p.Dir != pkg || p.Version != "0.31.4" {
		t.Errorf("Locate = %+v, %v; want %s, 0.31.4", p, err, pkg)
	}
	for _, tc := range []struct {
		name, python, pythonPath, want string
	}{
		{"no such Python", filepath.Join(t.TempDir(), "python"), "", "there is no Python"},
		{"no package", python, t.TempDir(), "has no rerun_notebook package"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PYTHONPATH", tc.pythonPath)
			_, err := Locate(ctx, tc.python)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Locate = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
