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

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/install"
	"github.com/gorerun/loader/names"
)

// packageFlags are the flags that name the rerun_notebook package.
type packageFlags struct{ python, into *string }

func definePackageFlags(fs *flag.FlagSet) packageFlags {
	return packageFlags{
		python: fs.String("python", "python3", "the Python `PATH` whose rerun_notebook package to use (a venv's bin/python works)"),
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
	viewer := fs.String("viewer", "", "the Viewer to build for: a pinned `VERSION` or an unpacked @rerun-io/web-viewer DIR (default: the package's version)")
	return func(ctx context.Context, _ []string) error {
		p, err := pkgFlags.open(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rerun_notebook %s in %s\n", p.Version, p.Dir)
		viewerDir, err := installViewer(ctx, p, *viewer, stderr)
		if err != nil {
			return err
		}
		tmp, err := os.MkdirTemp("", "loader-install-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		fmt.Fprintln(stdout, "building widget.js…")
		res, err := assets.Build(ctx, assets.Options{ViewerDir: viewerDir, OutDir: tmp})
		if err != nil {
			return err
		}
		if res.ViewerVersion != p.Version {
			fmt.Fprintf(stderr, "loader: warning: Viewer %s into rerun_notebook %s: the package's Python side was made for Viewer %s\n", res.ViewerVersion, p.Version, p.Version)
		}
		before, err := p.Status()
		if err != nil {
			return err
		}
		info, ok := debug.ReadBuildInfo()
		replaced, err := p.Install(install.Bundle{Dir: tmp, BuildID: res.BuildID, ViewerVersion: res.ViewerVersion, Loader: loaderVersion(info, ok)})
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
		fmt.Fprintf(stdout, "upstream's files are kept in %s; `loader uninstall` puts them back\n", filepath.Join(p.Static(), install.BackupDir))
		fmt.Fprintln(stdout, "RERUN_NOTEBOOK_ASSET=inline, =serve-local and `python -m rerun_notebook serve` now run the Go loader")
		return nil
	}
}

// installViewer returns the unpacked Viewer package to build for p: spec
// (a pinned version or a folder), else the pinned Viewer of p's version.
func installViewer(ctx context.Context, p *install.Package, spec string, log io.Writer) (string, error) {
	if spec != "" {
		if fi, err := os.Stat(spec); err == nil && fi.IsDir() {
			return spec, nil
		}
	}
	version := spec
	if version == "" {
		version = p.Version
	}
	pin, err := assets.LookupViewer(version)
	if err != nil {
		if spec != "" {
			return "", &check.UsageError{Err: fmt.Errorf("--viewer %s is neither a folder nor a pinned version: %w", spec, err)}
		}
		return "", &check.UsageError{Err: fmt.Errorf("rerun_notebook %s runs Viewer %s, which this loader cannot build for: it fetches only the Viewers it pins, each checked against its SHA-256 (%s). Install one of those versions of rerun-notebook, or choose a Viewer with --viewer VERSION|DIR",
			p.Version, p.Version, strings.Join(assets.PinnedVersions(), ", "))}
	}
	cache, err := assets.CacheDir()
	if err != nil {
		return "", err
	}
	return assets.FetchViewer(ctx, pin, cache, log)
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
		case install.Changed:
			fmt.Fprintf(stdout, "%s: not the Go loader's any more: %s; `loader install` installs it afresh\n", names.WidgetFile, st.Detail)
		}
		return nil
	}
}
