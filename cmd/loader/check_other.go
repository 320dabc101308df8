//go:build !js

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/names"
)

const checkUsage = `usage: loader check [flags] RECORDING...

Regression-test a Rerun Viewer build in headless Chromium. For each
RECORDING (an .rrd file or an http(s) URL of one) the Viewer must get
ready, open the recording (recording_open), not panic and log no console
error; then its timeline is paused at the end and, once two frames in a
row are identical, the screenshot is compared with the golden one
(--golden) and with the baseline build's (--baseline), perceptually
(pixelmatch, threshold %v).

Writes OUT/index.html (open it), OUT/junit.xml (for CI), OUT/report.json
and the screenshots. Exit status: 0 every check passed, 1 a check failed,
2 bad usage or a broken setup (no such file, no Chromium).

Examples:
  loader check --golden testdata/golden --update-golden my.rrd   # record goldens
  loader check --golden testdata/golden my.rrd                   # compare with them
  loader check --viewer ./rerun/web_viewer --baseline 0.33.0 *.rrd

Flags:
`

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, checkUsage, check.Threshold)
		fs.PrintDefaults()
	}
	pins := make([]string, 0, len(assets.PinnedViewers()))
	for _, p := range assets.PinnedViewers() {
		pins = append(pins, p.Version)
	}
	viewer := fs.String("viewer", assets.DefaultViewer().Version, "the candidate Viewer `DIR|VERSION`: an unpacked @rerun-io/web-viewer package, a folder with a local build's re_viewer.js and "+names.ViewerFile+", or a pinned VERSION ("+strings.Join(pins, ", ")+")")
	baseline := fs.String("baseline", "", "a second Viewer `DIR|VERSION` run alternately with the candidate: screenshots compared, times side by side")
	golden := fs.String("golden", "", "`DIR` of reference screenshots, NAME-WxH.png per recording")
	update := fs.Bool("update-golden", false, "write the candidate's screenshots into --golden instead of comparing")
	out := fs.String("out", filepath.Join("build", "check"), "`DIR` for index.html, junit.xml, report.json and the PNGs")
	size := fs.String("size", "1024x768", "window `WxH` in CSS pixels")
	timeout := fs.Duration("timeout", 60*time.Second, "time one build has for one recording, from page load to a settled picture")
	maxDiff := fs.Float64("max-diff", check.DefaultMaxDiff, "`fraction` of pixels a screenshot may differ from its reference")
	maxSlowdown := fs.Float64("max-slowdown", 0, "fail when the candidate gets ready more than this `factor` slower than the baseline (0: report only)")
	theme := fs.String("theme", "", "the Viewer's `theme`, dark or light (default: the Viewer's own)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w, h, err := parseSize(*size)
	if err != nil {
		return &check.UsageError{Err: err}
	}
	cache, err := assets.CacheDir()
	if err != nil {
		return &check.UsageError{Err: err}
	}
	rep, err := check.Run(ctx, check.Options{
		Viewer: *viewer, Baseline: *baseline, Recordings: fs.Args(),
		Golden: *golden, UpdateGolden: *update, Out: *out,
		Width: w, Height: h, Theme: *theme, Timeout: *timeout,
		MaxDiff: *maxDiff, MaxSlowdown: *maxSlowdown,
		Cache: cache, Progress: stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nreport: %s\n", rep.Summary(), filepath.Join(*out, check.IndexFile))
	if rep.Failed() {
		return errChecksFailed
	}
	return nil
}

// parseSize reads WxH.
func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil {
		return 0, 0, errors.New("--size " + strconv.Quote(s) + " is not WxH, for example 1024x768")
	}
	return w, h, nil
}
