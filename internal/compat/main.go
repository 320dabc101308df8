// Command compat prints a compatibility matrix of Viewer versions × hosts:
// for each released @rerun-io/web-viewer, whether this loader gets it
// ready, has it open a real recording and draw it in the notebook widget
// (anywidget's host page), in the <rerun-viewer> element, and under
// `loader check`. It writes the table to OUT/compat.md and every detail
// to OUT/compat.json.
//
//	go run ./internal/compat --out build/compat [--versions 0.24.1,0.33.0]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
)

// oldest is the first Viewer release the matrix covers by default.
var oldest = [3]int{0, 20, 0}

func main() {
	versions := flag.String("versions", "", "comma-separated Viewer `versions` (default: every version of "+assets.ViewerPackage+" on npm from 0.20 on)")
	out := flag.String("out", "build/compat", "`DIR` for compat.md and compat.json")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "compat: unexpected arguments %q\n", flag.Args())
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *versions, *out); err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintf(flag.CommandLine.Output(), `usage: go run ./internal/compat [--versions LIST] [--out DIR]

For each Viewer version: fetch it (pinned ones checked against viewers.lock,
others against npm's integrity), build its bundle, and run it in three
hosts with a real recording of the shared fixtures that it opens: the
notebook widget, the <rerun-viewer> element and `+"`loader check`"+`. Each cell
says whether the Viewer got ready, opened the recording and drew a picture,
or why not. Progress goes to stderr, the Markdown table to stdout and
DIR/compat.md, every detail to DIR/compat.json.

`)
	flag.PrintDefaults()
}

func run(ctx context.Context, versionList, out string) error {
	start := time.Now()
	versions, err := chooseVersions(ctx, versionList)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "Viewer versions: %s\n", strings.Join(versions, " "))
	m, err := newMatrix(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer m.close()
	rep := &report{Date: start.Format(time.DateOnly), Browser: m.browserName()}
	for _, v := range versions {
		rep.Rows = append(rep.Rows, m.version(ctx, v))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	md := rep.markdown()
	fmt.Print(md)
	return rep.write(out, md)
}

// chooseVersions returns the versions in list, or by default every
// version of the Viewer on npm from oldest on, in npm's order.
func chooseVersions(ctx context.Context, list string) ([]string, error) {
	if list != "" {
		var vs []string
		for _, v := range strings.Split(list, ",") {
			if v = strings.TrimSpace(v); v != "" {
				vs = append(vs, v)
			}
		}
		return vs, nil
	}
	published, err := npmVersions(ctx)
	if err != nil {
		return nil, err
	}
	var vs []string
	for _, v := range published {
		if atLeast(v, oldest) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("npm lists no version of %s from %d.%d on (it lists %q)", assets.ViewerPackage, oldest[0], oldest[1], published)
	}
	return vs, nil
}

// npmVersions asks the registry for the published versions of the Viewer.
func npmVersions(ctx context.Context) ([]string, error) {
	cmd := exec.CommandContext(ctx, "npm", "view", assets.ViewerPackage, "versions", "--json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm view %s versions (give --versions to skip it): %w: %s", assets.ViewerPackage, err, strings.TrimSpace(stderr.String()))
	}
	var vs []string
	if err := json.Unmarshal(b, &vs); err != nil {
		// npm prints a package of one version as a bare string.
		var one string
		if json.Unmarshal(b, &one) != nil {
			return nil, fmt.Errorf("read npm's list of %s versions: %w", assets.ViewerPackage, err)
		}
		vs = []string{one}
	}
	return vs, nil
}

// atLeast reports whether version's major.minor.patch is min or later; a
// pre-release counts as its release line.
func atLeast(version string, min [3]int) bool {
	core, _, _ := strings.Cut(version, "-")
	fields := strings.Split(core, ".")
	if len(fields) != 3 {
		return false
	}
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return false
		}
		if n != min[i] {
			return n > min[i]
		}
	}
	return true
}
