//go:build !js

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gorerun/loader/assets"
)

func defineVersion(fs *flag.FlagSet, stdout, _ io.Writer) func(context.Context, []string) error {
	return func(context.Context, []string) error {
		fmt.Fprint(stdout, versionText(debug.ReadBuildInfo()))
		return nil
	}
}

// versionText says what a binary is: its module version, the commit and
// time it was built from (with "modified" when the tree had uncommitted
// changes), its Go toolchain and target, the pinned Viewers and where its
// loader Wasm comes from.
func versionText(info *debug.BuildInfo, ok bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "loader %s\n", loaderVersion(info, ok))
	fmt.Fprintf(&b, "built with %s for %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	pins := assets.PinnedVersions()
	pins[0] += " (default)"
	fmt.Fprintf(&b, "Viewers: %s\n", strings.Join(pins, ", "))
	fmt.Fprintf(&b, "loader Wasm: %s\n", assets.LoaderWasmSource())
	return b.String()
}

// loaderVersion is the binary's module version and the commit and time it
// was built from, with "(modified)" when the tree had uncommitted changes.
func loaderVersion(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "(unknown)"
	}
	version := info.Main.Version
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// Go stamps a module built in its own checkout v0.0.0-TIME-REVISION.
	if rev := settings["vcs.revision"]; rev != "" && !strings.Contains(version, rev[:min(12, len(rev))]) {
		version += " " + rev[:min(12, len(rev))] + " " + settings["vcs.time"]
		if settings["vcs.modified"] == "true" {
			version += " (modified)"
		}
	}
	return version
}
