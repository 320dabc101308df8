package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The checks of a recording, in the order they are judged and reported.
const (
	CheckReady          = "ready"
	CheckRecordingOpen  = "recording_open"
	CheckNoPanic        = "no_panic"
	CheckNoConsoleError = "no_console_errors"
	CheckSettles        = "settles"
	CheckDraws          = "draws"
	CheckGolden         = "matches_golden"
	CheckBaseline       = "matches_baseline"
	CheckSlowdown       = "max_slowdown"
)

// The statuses of a check.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Check is one verdict on one recording, or on one of its screenshots.
type Check struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	// Shot is the screenshot the check is about (NAME@MOMENT#WxH), its
	// JUnit testcase; "" for the checks of the whole run.
	Shot string `json:"shot,omitempty"`
}

// Comparison is the candidate's screenshot against a reference.
type Comparison struct {
	Reference string  `json:"reference"` // PNG in the output folder
	Diff      string  `json:"diff,omitempty"`
	Pixels    int     `json:"pixels"`
	Fraction  float64 `json:"fraction"`
}

// Ratios are the candidate's measures over the baseline's: above 1 is
// slower or bigger.
type Ratios struct {
	Ready  float64 `json:"ready,omitempty"`
	Open   float64 `json:"open,omitempty"`
	Memory float64 `json:"memory,omitempty"`
	// Frame is of the median frame interval while playing.
	Frame float64 `json:"frame,omitempty"`
}

// Shot is one moment of a result: the candidate's screenshot and what it
// was compared with.
type Shot struct {
	Moment   Moment `json:"moment"`
	Testcase string `json:"testcase"` // NAME@MOMENT#WxH
	// Candidate and Baseline are the screenshots, files in the output
	// folder.
	Candidate string `json:"candidate,omitempty"`
	Baseline  string `json:"baseline,omitempty"`
	// GoldenFile is the golden screenshot's path, where `loader check
	// approve` copies the candidate.
	GoldenFile string      `json:"golden_file,omitempty"`
	Golden     *Comparison `json:"golden,omitempty"`
	VsBaseline *Comparison `json:"vs_baseline,omitempty"`
}

// Result is everything about one scenario at one size.
type Result struct {
	Name      string     `json:"name"`
	Size      string     `json:"size"`
	Scenario  *scenario  `json:"scenario"`
	Recording *recording `json:"recording"`
	Checks    []Check    `json:"checks"`
	Candidate *BuildRun  `json:"candidate"`
	Baseline  *BuildRun  `json:"baseline,omitempty"`
	Shots     []*Shot    `json:"shots"`
	Ratios    *Ratios    `json:"ratios,omitempty"`
	// Attempts is how many times it ran; Flaky is whether it failed
	// before it passed; Retries are the failed attempts before the last.
	Attempts int       `json:"attempts"`
	Flaky    bool      `json:"flaky,omitempty"`
	Retries  []*Result `json:"retries,omitempty"`
}

// Failed reports whether any check failed.
func (r *Result) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == Failed {
			return true
		}
	}
	return false
}

func (r *Result) add(name, status, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, Status: status, Message: fmt.Sprintf(format, args...)})
}

func (r *Result) addShot(shot *Shot, name, status, format string, args ...any) {
	r.add(name, status, format, args...)
	r.Checks[len(r.Checks)-1].Shot = shot.Testcase
}

// testcase names a screenshot: NAME@MOMENT#WxH.
func testcase(name string, m Moment, size string) string {
	return name + "@" + m.String() + "#" + size
}

// file names one of a result's PNGs in the output folder, per moment:
// NAME@MOMENT-WxH.ROLE.png (no "#", which a URL would cut).
func (r *Result) file(m Moment, role, suffix string) string {
	return fmt.Sprintf("%s@%s-%s%s.%s.png", r.Name, m.slug(), r.Size, suffix, role)
}

// goldenFile is the golden screenshot of a moment: NAME-WxH.png at the end
// of the timeline, as before moments could be chosen, else
// NAME@MOMENT-WxH.png.
func goldenFile(dir, name string, m Moment, size string) string {
	if m == endOfTimeline {
		return filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, size))
	}
	return filepath.Join(dir, fmt.Sprintf("%s@%s-%s.png", name, m.slug(), size))
}

// judge turns the runs of one scenario at one size into checks, and
// writes its PNGs (and, with --update-golden, its golden files). suffix
// tells the files of a retried attempt apart.
func judge(res *Result, opts *Options, suffix string) error {
	settled := judgeRun(res)
	for _, m := range res.Scenario.At {
		shot := &Shot{Moment: m, Testcase: testcase(res.Name, m, res.Size)}
		res.Shots = append(res.Shots, shot)
		c, err := writeShot(res, res.Candidate, shot, &shot.Candidate, suffix, opts.Out)
		if err != nil {
			return err
		}
		var b *ShotRun
		if res.Baseline != nil {
			if b, err = writeShot(res, res.Baseline, shot, &shot.Baseline, suffix, opts.Out); err != nil {
				return err
			}
		}
		switch {
		case c != nil && c.png != nil:
			msg := fmt.Sprintf("two identical frames after %.0f ms at %s", c.SettleMS, c.At)
			if c.Problem != "" {
				res.addShot(shot, CheckSettles, Failed, "%s: %s", m, c.Problem)
			} else {
				res.addShot(shot, CheckSettles, Passed, "%s", msg)
			}
		case !settled && res.Candidate.Reached == "open":
			res.addShot(shot, CheckSettles, Failed, "%s", res.Candidate.reason())
		default:
			res.addShot(shot, CheckSettles, Skipped, "the recording did not open")
		}
		judgeDraws(res, shot, c)
		if opts.Golden != "" {
			if err := judgeGolden(res, opts, shot, c, suffix); err != nil {
				return err
			}
		}
		if res.Baseline != nil {
			judgeBaseline(res, opts, shot, c, b, suffix)
		}
	}
	if res.Baseline != nil {
		judgeSpeed(res, opts)
	}
	return nil
}

// writeShot writes run's screenshot of shot's moment, if it has one, and
// names the file in *name.
func writeShot(res *Result, run *BuildRun, shot *Shot, name *string, suffix, out string) (*ShotRun, error) {
	s := run.shot(shot.Moment)
	if s == nil || s.png == nil {
		return s, nil
	}
	s.Screenshot = res.file(shot.Moment, run.Build, suffix)
	*name = s.Screenshot
	if err := os.WriteFile(filepath.Join(out, s.Screenshot), s.png, 0o644); err != nil {
		return nil, fmt.Errorf("write screenshot: %w", err)
	}
	return s, nil
}

// judgeRun adds the checks of the candidate's run alone, each skipped when
// an earlier stage failed, and reports whether it settled.
func judgeRun(res *Result) (settled bool) {
	c := res.Candidate
	ready := c.Reached != "loading"
	open := c.Reached == "open" || c.Reached == "settled"
	settled = c.Reached == "settled"
	switch {
	case ready:
		res.add(CheckReady, Passed, "in %.0f ms", c.ReadyMS)
	default:
		res.add(CheckReady, Failed, "%s", c.reason())
	}
	switch {
	case open:
		res.add(CheckRecordingOpen, Passed, "in %.0f ms", c.OpenMS)
	case !ready:
		res.add(CheckRecordingOpen, Skipped, "the Viewer did not get ready")
	default:
		res.add(CheckRecordingOpen, Failed, "%s", c.reason())
	}
	switch msg, crashed := c.Crashed(); {
	case crashed:
		res.add(CheckNoPanic, Failed, "the Viewer panicked: %s", msg)
	case c.RendererCrashed:
		res.add(CheckNoPanic, Failed, "%s", c.Failure)
	default:
		res.add(CheckNoPanic, Passed, "")
	}
	if errs := c.ConsoleErrors(); len(errs) > 0 {
		var lines []string
		for _, e := range errs {
			lines = append(lines, e.Text)
		}
		res.add(CheckNoConsoleError, Failed, "%d console errors: %s", len(errs), strings.Join(lines, "\n"))
	} else {
		res.add(CheckNoConsoleError, Passed, "")
	}
	return settled
}

// judgeDraws fails a moment whose picture shows nothing drawn: one flat
// colour, or the Viewer's empty state (see picture.blank).
func judgeDraws(res *Result, shot *Shot, c *ShotRun) {
	if c == nil || c.png == nil {
		res.addShot(shot, CheckDraws, Skipped, "the candidate has no settled screenshot")
		return
	}
	p, err := measure(c.png, res.Candidate.empty)
	switch {
	case err != nil:
		res.addShot(shot, CheckDraws, Failed, "%v", err)
	case p.blank(res.Scenario.MaxDiff) != "":
		res.addShot(shot, CheckDraws, Failed, "the picture at %s %s", shot.Moment, p.blank(res.Scenario.MaxDiff))
	default:
		res.addShot(shot, CheckDraws, Passed, "%s", p)
	}
}

// judgeBaseline compares the candidate's screenshot of a moment with the
// baseline's.
func judgeBaseline(res *Result, opts *Options, shot *Shot, c, b *ShotRun, suffix string) {
	switch {
	case c == nil || c.png == nil:
		res.addShot(shot, CheckBaseline, Skipped, "the candidate has no settled screenshot")
	case b == nil || b.png == nil:
		res.addShot(shot, CheckBaseline, Skipped, "the baseline has no settled screenshot: %s", res.Baseline.reason())
	default:
		cmp, err := compareTo(res, opts, shot, c.png, b.png, shot.Baseline, "baseline", suffix)
		if err != nil {
			res.addShot(shot, CheckBaseline, Failed, "%v", err)
			return
		}
		shot.VsBaseline = cmp
		res.addShot(shot, CheckBaseline, verdict(cmp, res.Scenario.MaxDiff), "%s of pixels differ from the baseline's (max %s)",
			percent(cmp.Fraction), percent(res.Scenario.MaxDiff))
	}
}

// judgeSpeed puts the candidate's times beside the baseline's, against
// --max-slowdown: getting ready, and the frames while playing.
func judgeSpeed(res *Result, opts *Options) {
	res.Ratios = ratios(res.Candidate, res.Baseline)
	if opts.MaxSlowdown <= 0 {
		return
	}
	switch {
	case res.Ratios.Ready == 0:
		res.add(CheckSlowdown, Skipped, "one of the builds did not get ready")
	case res.Ratios.Ready > opts.MaxSlowdown:
		res.add(CheckSlowdown, Failed, "ready %.2f× slower than the baseline (max %.2f×)", res.Ratios.Ready, opts.MaxSlowdown)
	case res.Ratios.Frame > opts.MaxSlowdown:
		res.add(CheckSlowdown, Failed, "frames %.2f× slower than the baseline's while playing: median %.1f ms against %.1f ms (max %.2f×)",
			res.Ratios.Frame, res.Candidate.FrameP50MS, res.Baseline.FrameP50MS, opts.MaxSlowdown)
	default:
		res.add(CheckSlowdown, Passed, "ready in %.2f× the baseline's time, frames in %.2f×", res.Ratios.Ready, res.Ratios.Frame)
	}
}

func judgeGolden(res *Result, opts *Options, shot *Shot, c *ShotRun, suffix string) error {
	golden := goldenFile(opts.Golden, res.Name, shot.Moment, res.Size)
	shot.GoldenFile = golden
	if opts.UpdateGolden {
		if c == nil || c.png == nil {
			res.addShot(shot, CheckGolden, Failed, "%s not written: the candidate has no settled screenshot", golden)
			return nil
		}
		if err := os.MkdirAll(opts.Golden, 0o755); err != nil {
			return &UsageError{fmt.Errorf("create the golden folder: %w", err)}
		}
		if err := os.WriteFile(golden, c.png, 0o644); err != nil {
			return &UsageError{fmt.Errorf("write golden: %w", err)}
		}
		res.addShot(shot, CheckGolden, Passed, "wrote %s", golden)
		return nil
	}
	if c == nil || c.png == nil {
		res.addShot(shot, CheckGolden, Skipped, "the candidate has no settled screenshot")
		return nil
	}
	ref, err := os.ReadFile(golden)
	if err != nil {
		res.addShot(shot, CheckGolden, Failed, "no golden screenshot %s: record it with --update-golden", golden)
		return nil
	}
	reference := res.file(shot.Moment, "golden", suffix)
	if err := os.WriteFile(filepath.Join(opts.Out, reference), ref, 0o644); err != nil {
		return fmt.Errorf("copy golden: %w", err)
	}
	cmp, err := compareTo(res, opts, shot, c.png, ref, reference, "golden", suffix)
	if err != nil {
		res.addShot(shot, CheckGolden, Failed, "%s: %v", golden, err)
		return nil
	}
	shot.Golden = cmp
	res.addShot(shot, CheckGolden, verdict(cmp, res.Scenario.MaxDiff), "%s of pixels differ from %s (max %s)",
		percent(cmp.Fraction), golden, percent(res.Scenario.MaxDiff))
	return nil
}

// compareTo compares a candidate's screenshot with ref and writes the
// difference image.
func compareTo(res *Result, opts *Options, shot *Shot, png, ref []byte, refFile, role, suffix string) (*Comparison, error) {
	d, err := compare(png, ref)
	if err != nil {
		return nil, err
	}
	cmp := &Comparison{Reference: refFile, Pixels: d.Pixels, Fraction: d.Fraction}
	if d.Image != nil {
		cmp.Diff = res.file(shot.Moment, "diff-"+role, suffix)
		if err := os.WriteFile(filepath.Join(opts.Out, cmp.Diff), d.Image, 0o644); err != nil {
			return nil, fmt.Errorf("write difference: %w", err)
		}
	}
	return cmp, nil
}

func verdict(c *Comparison, maxDiff float64) string {
	if c.Fraction > maxDiff {
		return Failed
	}
	return Passed
}

func percent(f float64) string { return fmt.Sprintf("%.3f%%", f*100) }

func ratios(c, b *BuildRun) *Ratios {
	div := func(x, y float64) float64 {
		if x <= 0 || y <= 0 {
			return 0
		}
		return x / y
	}
	return &Ratios{
		Ready:  div(c.ReadyMS, b.ReadyMS),
		Open:   div(c.OpenMS, b.OpenMS),
		Memory: div(float64(c.RendererBytes), float64(b.RendererBytes)),
		Frame:  div(c.FrameP50MS, b.FrameP50MS),
	}
}

// reason is why a run stopped where it did.
func (r *BuildRun) reason() string {
	if r.Failure != "" {
		return r.Failure
	}
	return "reached " + r.progress()
}

// summary is the progress line of a result.
func (r *Result) summary() string {
	var b strings.Builder
	status := "ok  "
	switch {
	case r.Failed():
		status = "FAIL"
	case r.Flaky:
		status = "FLAKY"
	}
	fmt.Fprintf(&b, "%s %s#%s", status, r.Name, r.Size)
	c := r.Candidate
	if c.ReadyMS > 0 {
		fmt.Fprintf(&b, "  ready %.1f s", c.ReadyMS/1000)
	}
	if c.OpenMS > 0 {
		fmt.Fprintf(&b, ", open %.1f s", c.OpenMS/1000)
	}
	if c.FrameP50MS > 0 {
		fmt.Fprintf(&b, ", frames %.0f/%.0f ms", c.FrameP50MS, c.FrameP95MS)
	}
	for _, s := range r.Shots {
		if s.Golden != nil {
			fmt.Fprintf(&b, ", %s %s vs golden", s.Moment, percent(s.Golden.Fraction))
		}
		if s.VsBaseline != nil {
			fmt.Fprintf(&b, ", %s %s vs baseline", s.Moment, percent(s.VsBaseline.Fraction))
		}
	}
	if r.Ratios != nil && r.Ratios.Ready > 0 {
		fmt.Fprintf(&b, ", ready %.2f× baseline", r.Ratios.Ready)
	}
	for _, ch := range r.Checks {
		if ch.Status == Failed {
			msg, _, _ := strings.Cut(ch.Message, "\n")
			where := ""
			if ch.Shot != "" {
				where = " (" + ch.Shot + ")"
			}
			fmt.Fprintf(&b, "\n       %s%s: %s", ch.Name, where, msg)
		}
	}
	return b.String()
}
