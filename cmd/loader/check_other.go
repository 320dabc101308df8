//go:build !js

package main

import (
	"context"
	"errors"
	"flag"
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

func defineCheck(fs *flag.FlagSet, stdout, stderr io.Writer) func(context.Context, []string) error {
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
	return func(ctx context.Context, recordings []string) error {
		w, h, err := parseSize(*size)
		if err != nil {
			return &check.UsageError{Err: err}
		}
		cache, err := assets.CacheDir()
		if err != nil {
			return &check.UsageError{Err: err}
		}
		rep, err := check.Run(ctx, check.Options{
			Viewer: *viewer, Baseline: *baseline, Recordings: recordings,
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
