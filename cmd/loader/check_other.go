//go:build !js

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
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
	timeout := fs.Duration("timeout", 2*time.Minute, "time one build has for one recording, from page load to a settled picture: a busy page is waited for this long, a hung one (no answer and no work for 30s) not")
	maxDiff := fs.Float64("max-diff", check.DefaultMaxDiff, "`fraction` of pixels a screenshot may differ from its reference")
	maxSlowdown := fs.Float64("max-slowdown", 0, "fail when the candidate gets ready more than this `factor` slower than the baseline (0: report only)")
	theme := fs.String("theme", "", "the Viewer's `theme`, dark or light (default: the Viewer's own)")
	scenarios := fs.String("scenarios", "", "a JSON `FILE` of scenarios: [{recording, name, sizes, theme, panel_states, at, max_diff, timeout}] (see the README)")
	workers := fs.Int("workers", 0, fmt.Sprintf("`N` recordings checked at once (0: %d on this machine, one per core, at most 4)", check.DefaultWorkers()))
	shard := fs.String("shard", "", "check only share `i/n` of the scenarios, by name (merge the shards' reports with `loader check merge`)")
	retries := fs.Int("retries", 0, "run a recording whose checks failed again up to `N` times; one that passes then is flaky")
	failOnFlaky := fs.Bool("fail-on-flaky", false, "exit with 1 when a check was flaky (failed, then passed on a retry)")
	return func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			switch args[0] {
			case "merge":
				return checkMerge(args[1:], stdout)
			case "approve":
				return checkApprove(args[1:], stdout)
			}
		}
		recordings := args
		sz, err := check.ParseSize(*size)
		if err != nil {
			return &check.UsageError{Err: fmt.Errorf("--size %w", err)}
		}
		var scs []check.Scenario
		if *scenarios != "" {
			if scs, err = check.ReadScenarios(*scenarios); err != nil {
				return err
			}
		}
		var sh check.Shard
		if *shard != "" {
			if sh, err = check.ParseShard(*shard); err != nil {
				return &check.UsageError{Err: err}
			}
		}
		cache, err := assets.CacheDir()
		if err != nil {
			return &check.UsageError{Err: err}
		}
		rep, err := check.Run(ctx, check.Options{
			Viewer: *viewer, Baseline: *baseline, Recordings: recordings, Scenarios: scs,
			Workers: *workers, Shard: sh, Retries: *retries,
			Golden: *golden, UpdateGolden: *update, Out: *out,
			Width: sz.W, Height: sz.H, Theme: *theme, Timeout: *timeout,
			MaxDiff: *maxDiff, MaxSlowdown: *maxSlowdown,
			Cache: cache, Progress: stderr,
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\nreport: %s\n", rep.Summary(), filepath.Join(*out, check.IndexFile))
		if rep.Failed() || (*failOnFlaky && rep.Flaky() > 0) {
			return errChecksFailed
		}
		return nil
	}
}

// checkMerge is `loader check merge OUT DIR...`.
func checkMerge(args []string, stdout io.Writer) error {
	if len(args) < 2 {
		return usageErrorf("usage: loader check merge OUT DIR... (OUT: the merged report; DIR: each shard's --out)")
	}
	rep, err := check.Merge(args[0], args[1:])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nreport: %s\n", rep.Summary(), filepath.Join(args[0], check.IndexFile))
	if rep.Failed() {
		return errChecksFailed
	}
	return nil
}

// checkApprove is `loader check approve OUT [NAME...]`.
func checkApprove(args []string, stdout io.Writer) error {
	if len(args) < 1 {
		return usageErrorf("usage: loader check approve OUT [NAME...] (OUT: a check's --out; NAME: NAME or NAME@MOMENT#WxH, default: every failed golden comparison)")
	}
	done, err := check.Approve(args[0], args[1:])
	for _, a := range done {
		fmt.Fprintf(stdout, "approved %s: %s\n", a.Testcase, a.Golden)
	}
	if err == nil && len(done) == 0 {
		fmt.Fprintln(stdout, "nothing to approve: no golden comparison failed")
	}
	return err
}
