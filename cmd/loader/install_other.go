//go:build !js

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/install"
	"github.com/gorerun/loader/names"
)

// packageFlags are the flags that name the rerun_notebook package.
type packageFlags struct{ python, into *string }

func definePackageFlags(fs *flag.FlagSet) packageFlags {
	python, usage := "python3", "the Python `PATH` whose rerun_notebook package to use (a venv's bin/python works)"
	// Run from its wheel, the loader works on the environment pip put it in.
	if env := os.Getenv(names.PythonEnv); env != "" {
		python, usage = env, usage+"; run from the rerun-loader wheel, the Python it is installed in"
	}
	return packageFlags{
		python: fs.String("python", python, usage),
		into:   fs.String("into", "", "the rerun_notebook package `DIR` (site-packages/rerun_notebook) instead of asking Python"),
	}
}

// open finds the package. Every failure is the user's setup: exit status 2.
func (f packageFlags) open(ctx context.Context) (*install.Package, error) {
	var (
		p   *install.Package
		err error
	)
	if *f.into != "" {
		p, err = install.Open(*f.into)
	} else {
		p, err = install.Locate(ctx, *f.python)
	}
	if err != nil {
		return nil, &check.UsageError{Err: err}
	}
	return p, nil
}

// openStatus finds the package and reads whose files it holds.
func (f packageFlags) openStatus(ctx context.Context) (*install.Package, *install.Status, error) {
	p, err := f.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := p.Status()
	return p, st, err
}

func defineInstall(fs *flag.FlagSet, stdout, stderr io.Writer) func(context.Context, []string) error {
	pkgFlags := definePackageFlags(fs)
	viewer := fs.String("viewer", "", "the Viewer to build for: "+assets.ViewerSpecHelp+" (default: the package's own Viewer, with the glue this loader carries for the pinned ones, else its version from npm)")
	return func(ctx context.Context, _ []string) error {
		p, err := pkgFlags.open(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rerun_notebook %s in %s\n", p.Version, p.Dir)
		tmp, err := os.MkdirTemp("", "loader-install-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		viewerDir, err := installViewer(ctx, p, *viewer, filepath.Join(tmp, "viewer"), stdout, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "building widget.js…")
		out := filepath.Join(tmp, "bundle")
		res, err := assets.Build(ctx, assets.Options{ViewerDir: viewerDir, OutDir: out})
		if err != nil {
			return err
		}
		if want := assets.NpmVersion(p.Version); res.ViewerVersion != want {
			fmt.Fprintf(stderr, "loader: warning: Viewer %s into rerun_notebook %s: the package's Python side was made for Viewer %s\n", res.ViewerVersion, p.Version, want)
		}
		before, err := p.Status()
		if err != nil {
			return err
		}
		info, ok := debug.ReadBuildInfo()
		replaced, err := p.Install(install.Bundle{Dir: out, BuildID: res.BuildID, ViewerVersion: res.ViewerVersion, Loader: loaderVersion(info, ok)})
		if errors.Is(err, install.ErrAlreadyInstalled) {
			fmt.Fprintf(stdout, "already installed: build %s (Viewer %s); nothing changed\n", res.BuildID, res.ViewerVersion)
			return nil
		}
		if err != nil {
			return &check.UsageError{Err: err}
		}
		if before.State == install.Changed {
			fmt.Fprintf(stdout, "an earlier install's files were replaced since (%s): installed afresh\n", before.Detail)
		}
		fmt.Fprintf(stdout, "installed build %s (Viewer %s): %s\n", res.BuildID, res.ViewerVersion, staticList(replaced))
		fmt.Fprintf(stdout, "upstream's files are kept in %s; `%s uninstall` puts them back\n", filepath.Join(p.Static(), install.BackupDir), commandName())
		fmt.Fprintln(stdout, "RERUN_NOTEBOOK_ASSET=inline, =serve-local and `python -m rerun_notebook serve` now run the Go loader")
		fmt.Fprintf(stdout, "restart the notebook kernels that had imported rerun_notebook before this (`%s status` lists those still running)\n", commandName())
		return nil
	}
}

// commandName is the command the user typed: the wheel's script, or the
// binary.
func commandName() string {
	if os.Getenv(names.PythonEnv) != "" {
		return names.PythonScript
	}
	return "loader"
}

// installViewer returns the Viewer package to build for p, in work when it
// assembles one, and says which source it used: spec when given; else
// the package's own Wasm with the glue this loader carries, when that
// Wasm is the pinned one; else p's version from npm.
func installViewer(ctx context.Context, p *install.Package, spec, work string, stdout, log io.Writer) (string, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return "", err
	}
	if spec != "" {
		vs, err := assets.ParseViewerSpec(spec)
		if err != nil {
			return "", &check.UsageError{Err: fmt.Errorf("--viewer: %w", err)}
		}
		dir, err := vs.Resolve(ctx, cache, log)
		if errors.Is(err, assets.ErrNoRelease) {
			return "", &check.UsageError{Err: fmt.Errorf("--viewer %s: %w", spec, err)}
		}
		if err != nil {
			return "", fmt.Errorf("--viewer %s: %w", spec, err)
		}
		fmt.Fprintf(stdout, "Viewer: %s (--viewer)\n", dir)
		return dir, nil
	}
	version := assets.NpmVersion(p.Version)
	own, err := p.UpstreamFile(names.ViewerFile)
	if err != nil {
		return "", err
	}
	err = assets.PackageWithWasm(version, own, work)
	if err == nil {
		fmt.Fprintf(stdout, "Viewer: the package's own %s (the pinned %s, SHA-256 checked) with the glue this loader carries: nothing downloaded\n", names.ViewerFile, version)
		return work, nil
	}
	if !errors.Is(err, assets.ErrNotCarried) {
		return "", err
	}
	vs, err := assets.ParseViewerSpec(version)
	if err != nil {
		return "", &check.UsageError{Err: fmt.Errorf("rerun_notebook %s: its version names no Viewer release (%w); choose one with --viewer", p.Version, err)}
	}
	dir, err := vs.Resolve(ctx, cache, log)
	if errors.Is(err, assets.ErrNoRelease) {
		return "", &check.UsageError{Err: fmt.Errorf("the Viewer of rerun_notebook %s: %w; choose one with --viewer", p.Version, err)}
	}
	if err != nil {
		return "", fmt.Errorf("the Viewer of rerun_notebook %s: %w", p.Version, err)
	}
	fmt.Fprintf(stdout, "Viewer: %s@%s from npm, in %s\n", assets.ViewerPackage, version, dir)
	return dir, nil
}

// sayRestart says whether kernels of p's environment that started before
// the install still run the files from before it.
func sayRestart(w io.Writer, p *install.Package, installed time.Time) {
	stale, ok := p.StaleKernels(installed)
	switch {
	case !ok:
		fmt.Fprintf(w, "kernels: cannot list them here; restart any kernel started before %s\n", installed.Local().Format("2006-01-02 15:04"))
	case len(stale) == 0:
		fmt.Fprintln(w, "kernels: none started before the install is running; nothing to restart")
	default:
		fmt.Fprintf(w, "kernels: %d started before the install still run upstream's widget.js; restart them:\n", len(stale))
		for _, k := range stale {
			fmt.Fprintf(w, "  pid %d, started %s: %s\n", k.PID, k.Started.Local().Format("15:04:05"), k.Command)
		}
	}
}

func staticList(files []string) string {
	var l []string
	for _, f := range files {
		l = append(l, "static/"+f)
	}
	return strings.Join(l, " and ")
}

func defineUninstall(fs *flag.FlagSet, stdout, _ io.Writer) func(context.Context, []string) error {
	pkgFlags := definePackageFlags(fs)
	return func(ctx context.Context, _ []string) error {
		p, st, err := pkgFlags.openStatus(ctx)
		if err != nil {
			return err
		}
		switch err := p.Uninstall(); {
		case errors.Is(err, install.ErrNotInstalled):
			fmt.Fprintf(stdout, "rerun_notebook %s in %s has upstream's files: nothing to uninstall\n", p.Version, p.Dir)
			return nil
		case err != nil:
			return &check.UsageError{Err: err}
		}
		fmt.Fprintf(stdout, "restored upstream's %s in %s (rerun_notebook %s)\n", staticList(st.Replaced), p.Dir, p.Version)
		return nil
	}
}

func defineStatus(fs *flag.FlagSet, stdout, _ io.Writer) func(context.Context, []string) error {
	pkgFlags := definePackageFlags(fs)
	return func(ctx context.Context, _ []string) error {
		p, st, err := pkgFlags.openStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rerun_notebook %s in %s\n", p.Version, p.Dir)
		switch st.State {
		case install.Upstream:
			fmt.Fprintf(stdout, "%s: upstream's (the Go loader is not installed)\n", names.WidgetFile)
		case install.Ours:
			fmt.Fprintf(stdout, "%s: the Go loader's, build %s for Viewer %s, installed %s by loader %s\n",
				names.WidgetFile, st.BuildID, st.ViewerVersion, st.Installed.Format("2006-01-02 15:04 MST"), st.Loader)
			fmt.Fprintf(stdout, "replaced: %s (upstream's kept in %s)\n", staticList(st.Replaced), filepath.Join(p.Static(), install.BackupDir))
			sayRestart(stdout, p, st.Installed)
		case install.Changed:
			fmt.Fprintf(stdout, "%s: not the Go loader's any more: %s; `%s install` installs it afresh\n", names.WidgetFile, st.Detail, commandName())
		}
		return nil
	}
}
