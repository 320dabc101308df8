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
	"runtime"
	"sync"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
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
	// Recordings are .rrd files or http(s) URLs, each checked with the
	// defaults below; Scenarios say per recording how to look at it. Both
	// may be given: the recordings come first.
	Recordings []string
	Scenarios  []Scenario
	// Golden is a folder of reference screenshots, one per recording,
	// moment and size. With UpdateGolden they are written instead of
	// compared.
	Golden       string
	UpdateGolden bool
	// Out receives index.html, junit.xml, report.json and the PNGs.
	Out           string
	Width, Height int
	// Theme is the Viewer's theme ("dark", "light"); "" leaves the
	// Viewer's default, which follows the browser (light when headless).
	Theme string
	// Timeout bounds one build's run of one recording at one size.
	Timeout time.Duration
	// MaxDiff is the fraction of pixels a screenshot may differ from its
	// reference.
	MaxDiff float64
	// MaxSlowdown, when above 0, fails a recording whose candidate gets
	// ready, or plays its frames, more than this many times slower than
	// the baseline.
	MaxSlowdown float64
	// Workers is how many recordings are checked at once (0: DefaultWorkers).
	Workers int
	// Shard, when set, takes only its share of the scenarios.
	Shard Shard
	// Retries is how many times a recording whose checks failed is run
	// again; one that passes then is flaky.
	Retries int
	// HangAfter is how long the page may take to answer one question
	// before it counts as hung (0: 30 s).
	HangAfter time.Duration
	// PlayFor is how long the timeline plays to measure its frame
	// intervals (0: 2 s; negative: not measured).
	PlayFor time.Duration
	// Cache holds Viewer downloads and the bundles built for them.
	Cache string
	// Progress receives one line per recording and set-up steps.
	Progress io.Writer

	// sabotage, in tests, breaks a run on purpose once the recording is
	// open: it crashes the renderer, blocks the page, logs an error.
	sabotage func(tab *headless.Tab, j *job, attempt int)
}

// DefaultMaxDiff is the --max-diff default: see the README's measurement
// of SwiftShader's noise, run to run, on the fixtures.
const DefaultMaxDiff = 0.001

// DefaultWorkers is the --workers default, a worker per core up to 4: see
// the README's recordings per minute for 1, 2 and 4 workers. Each worker
// runs a Viewer in software GL, which keeps a core busy; with more workers
// than cores a 3D recording's page stops answering for half a minute while
// its shaders compile.
func DefaultWorkers() int { return max(1, min(4, runtime.NumCPU())) }

func (o *Options) validate() error {
	if err := (Size{o.Width, o.Height}).inRange(); err != nil {
		return &UsageError{Err: fmt.Errorf("size %w", err)}
	}
	switch {
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
	case o.Workers < 0:
		return usageErrorf("--workers %d is negative", o.Workers)
	case o.Retries < 0:
		return usageErrorf("--retries %d is negative", o.Retries)
	case o.Shard.N < 0 || (o.Shard.N > 0 && (o.Shard.I < 1 || o.Shard.I > o.Shard.N)):
		return usageErrorf("--shard %s is not i/n with 1 ≤ i ≤ n", o.Shard)
	}
	if _, err := assets.ParseViewerSpec(o.Viewer); err != nil {
		return &UsageError{err}
	}
	if o.Baseline != "" {
		if _, err := assets.ParseViewerSpec(o.Baseline); err != nil {
			return &UsageError{err}
		}
	}
	if o.Golden != "" && !o.UpdateGolden {
		if fi, err := os.Stat(o.Golden); err != nil || !fi.IsDir() {
			return usageErrorf("golden folder %s is not there (record it first with --update-golden)", o.Golden)
		}
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers()
	}
	if o.HangAfter == 0 {
		o.HangAfter = 30 * time.Second
	}
	if o.PlayFor == 0 {
		o.PlayFor = 2 * time.Second
	}
	return nil
}

// Run checks every scenario and writes the report. It returns an error
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
	tmp, err := os.MkdirTemp("", "loader-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	scenarios, err := prepareScenarios(ctx, &opts, tmp, log)
	if err != nil {
		return nil, err
	}
	if _, err := headless.FindChromium(); err != nil {
		return nil, &UsageError{err}
	}
	// Only now: bad input leaves no output folder behind.
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, &UsageError{fmt.Errorf("create the output folder: %w", err)}
	}

	candidate, baseline, closeBuilds, err := serveBuilds(ctx, &opts, log)
	if err != nil {
		return nil, err
	}
	defer closeBuilds()
	var recs []*recording
	for _, sc := range scenarios {
		recs = append(recs, sc.Recording)
	}
	pageOrigin, closePages, err := pageServer(recs)
	if err != nil {
		return nil, err
	}
	defer closePages()

	browsers, err := launchBrowser(ctx)
	if err != nil {
		return nil, err
	}
	defer browsers.close()
	product, _ := browsers.version()

	rep := newReport(opts, candidate, baseline, product)
	start := time.Now()
	r := &runner{browsers: browsers, pageOrigin: pageOrigin, candidate: candidate, baseline: baseline, opts: &opts, log: log}
	if rep.Results, err = r.checkAll(ctx, jobsOf(scenarios)); err != nil {
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

// job is one scenario at one size: one page load per build.
type job struct {
	index    int // in the report's order
	scenario *scenario
	size     Size
}

// name is the job's name in progress lines and testcases: NAME#WxH.
func (j *job) name() string { return j.scenario.Name + "#" + j.size.String() }

func jobsOf(scenarios []*scenario) []*job {
	var jobs []*job
	for _, sc := range scenarios {
		for _, size := range sc.Sizes {
			jobs = append(jobs, &job{index: len(jobs), scenario: sc, size: size})
		}
	}
	return jobs
}

// runner checks jobs on Workers tabs of one browser at a time.
type runner struct {
	browsers            *browsers
	pageOrigin          string
	candidate, baseline *viewerBuild
	opts                *Options
	log                 io.Writer

	mu   sync.Mutex
	done int
}

// checkAll runs every job with each build, judges it and retries it,
// Workers at a time; the results keep the jobs' order.
func (r *runner) checkAll(ctx context.Context, jobs []*job) ([]*Result, error) {
	results := make([]*Result, len(jobs))
	next := make(chan *job)
	var wg sync.WaitGroup
	var failure error
	var failOnce sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(r.opts.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				res, err := r.check(ctx, j)
				if err != nil {
					failOnce.Do(func() { failure = err; cancel() })
					continue
				}
				results[j.index] = res
				r.mu.Lock()
				r.done++
				fmt.Fprintf(r.log, "[%d/%d] %s\n", r.done, len(jobs), res.summary())
				r.mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if failure != nil {
		return nil, failure
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: the runs were cut short, not failed
	}
	return results, nil
}

// check runs one job, again up to Retries times while it fails.
func (r *runner) check(ctx context.Context, j *job) (*Result, error) {
	var failures []*Result
	for attempt := 0; ; attempt++ {
		res, err := r.attempt(ctx, j, attempt)
		if err != nil {
			return nil, err
		}
		if !res.Failed() || attempt >= r.opts.Retries {
			res.Attempts = attempt + 1
			res.Retries = failures
			if len(failures) > 0 && !res.Failed() {
				res.Flaky = true
			}
			return res, nil
		}
		failures = append(failures, res)
		fmt.Fprintf(r.log, "       %s failed, running it again (%d of %d)\n", j.name(), attempt+1, r.opts.Retries)
	}
}

// attempt is one run of each build on j, and their verdicts.
func (r *runner) attempt(ctx context.Context, j *job, attempt int) (*Result, error) {
	builds := []*viewerBuild{r.candidate}
	if r.baseline != nil {
		// Alternate which build goes first, so neither always gets the
		// warmer machine.
		builds = append(builds, r.baseline)
		if j.index%2 == 1 {
			builds[0], builds[1] = builds[1], builds[0]
		}
	}
	res := &Result{Name: j.scenario.Name, Size: j.size.String(), Scenario: j.scenario, Recording: j.scenario.Recording}
	for _, b := range builds {
		run := r.runWithRestart(ctx, b, j, attempt)
		if b == r.candidate {
			res.Candidate = run
		} else {
			res.Baseline = run
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	suffix := ""
	if attempt > 0 {
		suffix = fmt.Sprintf(".try%d", attempt+1)
	}
	if err := judge(res, r.opts, suffix); err != nil {
		return nil, err
	}
	return res, nil
}
