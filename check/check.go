// Package check is `loader check`: headless regression tests of a Rerun
// Viewer build against recordings. For every recording it starts the
// build in a cold tab of headless Chromium through widget.js, checks that
// the Viewer gets ready, opens the recording, does not crash and logs no
// error, pauses the timeline at its end, waits until the picture stops
// changing, and compares that screenshot with a golden one or with a
// baseline build run alternately in the same browser. It writes
// index.html, junit.xml, report.json and the PNGs.
package check

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gorerun/loader/internal/headless"
)

// Options says what to check and where to write the report.
type Options struct {
	// Viewer is the candidate: a folder (an unpacked @rerun-io/web-viewer
	// package or a local build's re_viewer.js and re_viewer_bg.wasm) or a
	// pinned version; "" is the pinned default.
	Viewer string
	// Baseline, when set, is a second build run alternately with the
	// candidate on every recording.
	Baseline string
	// Recordings are .rrd files or http(s) URLs.
	Recordings []string
	// Golden is a folder of reference screenshots, one per recording and
	// size. With UpdateGolden they are written instead of compared.
	Golden       string
	UpdateGolden bool
	// Out receives index.html, junit.xml, report.json and the PNGs.
	Out           string
	Width, Height int
	// Theme is the Viewer's theme ("dark", "light"); "" leaves the
	// Viewer's default, which follows the browser (light when headless).
	Theme string
	// Timeout bounds one build's run of one recording.
	Timeout time.Duration
	// MaxDiff is the fraction of pixels a screenshot may differ from its
	// reference.
	MaxDiff float64
	// MaxSlowdown, when above 0, fails a recording whose candidate gets
	// ready more than this many times slower than the baseline.
	MaxSlowdown float64
	// Cache holds Viewer downloads and the bundles built for them.
	Cache string
	// Progress receives one line per recording and set-up steps.
	Progress io.Writer
}

// DefaultMaxDiff is the --max-diff default: see the README's measurement
// of SwiftShader's noise, run to run, on the fixtures.
const DefaultMaxDiff = 0.001

func (o *Options) validate() error {
	switch {
	case o.Width < 64 || o.Height < 64 || o.Width > 8192 || o.Height > 8192:
		return usageErrorf("size %dx%d is out of range: want 64x64 to 8192x8192", o.Width, o.Height)
	case o.Timeout <= 0:
		return usageErrorf("timeout %v is not positive", o.Timeout)
	case o.MaxDiff < 0 || o.MaxDiff > 1:
		return usageErrorf("max-diff %v is not a fraction between 0 and 1", o.MaxDiff)
	case o.MaxSlowdown < 0:
		return usageErrorf("max-slowdown %v is negative", o.MaxSlowdown)
	case o.UpdateGolden && o.Golden == "":
		return usageErrorf("--update-golden needs --golden DIR")
	case o.MaxSlowdown > 0 && o.Baseline == "":
		return usageErrorf("--max-slowdown needs --baseline")
	case o.Out == "":
		return usageErrorf("no output folder")
	case o.Theme != "" && o.Theme != "dark" && o.Theme != "light":
		return usageErrorf("theme %q is not dark or light", o.Theme)
	}
	if _, _, err := locateViewer(o.Viewer); err != nil {
		return err
	}
	if o.Baseline != "" {
		if _, _, err := locateViewer(o.Baseline); err != nil {
			return err
		}
	}
	if o.Golden != "" && !o.UpdateGolden {
		if fi, err := os.Stat(o.Golden); err != nil || !fi.IsDir() {
			return usageErrorf("golden folder %s is not there (record it first with --update-golden)", o.Golden)
		}
	}
	return nil
}

// Run checks every recording and writes the report. It returns an error
// (a *UsageError for bad input or a missing browser) only when it could
// not check at all; failed checks are in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	log := opts.Progress
	if log == nil {
		log = io.Discard
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, &UsageError{fmt.Errorf("create the output folder: %w", err)}
	}
	tmp, err := os.MkdirTemp("", "loader-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	recs, err := loadRecordings(ctx, opts.Recordings, tmp, log)
	if err != nil {
		return nil, err
	}
	if _, err := headless.FindChromium(); err != nil {
		return nil, &UsageError{err}
	}

	candidate, baseline, closeBuilds, err := serveBuilds(ctx, &opts, log)
	if err != nil {
		return nil, err
	}
	defer closeBuilds()
	pageOrigin, closePages, err := pageServer(recs)
	if err != nil {
		return nil, err
	}
	defer closePages()

	browser, err := headless.Launch(ctx)
	if err != nil {
		return nil, &UsageError{fmt.Errorf("start Chromium: %w", err)}
	}
	defer browser.Close()
	product, _ := browser.Version()

	rep := newReport(opts, candidate, baseline, product)
	start := time.Now()
	if rep.Results, err = checkAll(ctx, browser, pageOrigin, candidate, baseline, recs, &opts, log); err != nil {
		return nil, err
	}
	rep.DurationMS = float64(time.Since(start).Milliseconds())
	if err := rep.write(opts.Out); err != nil {
		return nil, err
	}
	return rep, nil
}

// serveBuilds builds and serves the candidate and, when asked for, the
// baseline; closeBuilds stops serving them.
func serveBuilds(ctx context.Context, opts *Options, log io.Writer) (candidate, baseline *viewerBuild, closeBuilds func(), err error) {
	var closers []func()
	closeBuilds = func() {
		for _, c := range closers {
			c()
		}
	}
	defer func() {
		if err != nil {
			closeBuilds()
		}
	}()
	if candidate, err = prepare(ctx, "candidate", opts.Viewer, opts.Cache, log); err != nil {
		return nil, nil, nil, err
	}
	builds := []*viewerBuild{candidate}
	if opts.Baseline != "" {
		if baseline, err = prepare(ctx, "baseline", opts.Baseline, opts.Cache, log); err != nil {
			return nil, nil, nil, err
		}
		builds = append(builds, baseline)
	}
	for _, b := range builds {
		if err := b.serve(); err != nil {
			return nil, nil, nil, err
		}
		if b.close != nil {
			closers = append(closers, b.close)
		}
	}
	return candidate, baseline, closeBuilds, nil
}

// checkAll runs every recording with each build and judges it, in order.
func checkAll(ctx context.Context, browser *headless.Browser, pageOrigin string, candidate, baseline *viewerBuild,
	recs []*recording, opts *Options, log io.Writer) ([]*Result, error) {
	builds := []*viewerBuild{candidate}
	if baseline != nil {
		builds = append(builds, baseline)
	}
	var results []*Result
	for i, r := range recs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := &Result{Recording: r}
		// Alternate which build goes first, so neither always gets the
		// warmer machine.
		order := builds
		if i%2 == 1 && baseline != nil {
			order = []*viewerBuild{baseline, candidate}
		}
		for _, b := range order {
			run := runOne(ctx, browser, pageOrigin, b, r, opts)
			if b == candidate {
				res.Candidate = run
			} else {
				res.Baseline = run
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err // interrupted: the runs were cut short, not failed
		}
		if err := judge(res, opts); err != nil {
			return nil, err
		}
		results = append(results, res)
		fmt.Fprintf(log, "[%d/%d] %s\n", i+1, len(recs), res.summary())
	}
	return results, nil
}
