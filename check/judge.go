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

// Check is one verdict on one recording.
type Check struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
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
}

// Result is everything about one recording.
type Result struct {
	Recording *recording  `json:"recording"`
	Checks    []Check     `json:"checks"`
	Candidate *BuildRun   `json:"candidate"`
	Baseline  *BuildRun   `json:"baseline,omitempty"`
	Golden    *Comparison `json:"golden,omitempty"`
	// VsBaseline compares the candidate's screenshot with the baseline's.
	VsBaseline *Comparison `json:"vs_baseline,omitempty"`
	Ratios     *Ratios     `json:"ratios,omitempty"`
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

// judge turns the runs of one recording into checks, and writes its PNGs
// (and, with --update-golden, its golden file).
func judge(res *Result, opts *Options) error {
	if err := writeScreenshots(res, opts.Out); err != nil {
		return err
	}
	settled := judgeRun(res)
	if opts.Golden != "" {
		if err := judgeGolden(res, opts, settled); err != nil {
			return err
		}
	}
	if res.Baseline != nil {
		judgeBaseline(res, opts, settled)
	}
	return nil
}

// writeScreenshots writes the settled screenshot of each build's run.
func writeScreenshots(res *Result, out string) error {
	for _, run := range []*BuildRun{res.Candidate, res.Baseline} {
		if run != nil && run.png != nil {
			run.Screenshot = res.Recording.Name + "." + run.Build + ".png"
			if err := os.WriteFile(filepath.Join(out, run.Screenshot), run.png, 0o644); err != nil {
				return fmt.Errorf("write screenshot: %w", err)
			}
		}
	}
	return nil
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
	if msg, crashed := c.Crashed(); crashed {
		res.add(CheckNoPanic, Failed, "the Viewer panicked: %s", msg)
	} else {
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
	switch {
	case settled:
		res.add(CheckSettles, Passed, "two identical frames %.0f ms after recording_open, at %s", c.SettleMS, c.TimeControl)
	case !open:
		res.add(CheckSettles, Skipped, "the recording did not open")
	default:
		res.add(CheckSettles, Failed, "%s", c.reason())
	}
	return settled
}

// judgeBaseline compares the candidate with the baseline: the screenshots,
// and the times against --max-slowdown.
func judgeBaseline(res *Result, opts *Options, settled bool) {
	b := res.Baseline
	switch {
	case !settled:
		res.add(CheckBaseline, Skipped, "the candidate has no settled screenshot")
	case b.png == nil:
		res.add(CheckBaseline, Skipped, "the baseline has no settled screenshot: %s", b.reason())
	default:
		cmp, err := compareTo(res, opts, b.png, b.Screenshot, "baseline")
		if err != nil {
			res.add(CheckBaseline, Failed, "%v", err)
			break
		}
		res.VsBaseline = cmp
		res.add(CheckBaseline, verdict(cmp, opts), "%s of pixels differ from the baseline's (max %s)", percent(cmp.Fraction), percent(opts.MaxDiff))
	}
	res.Ratios = ratios(res.Candidate, b)
	if opts.MaxSlowdown > 0 {
		switch {
		case res.Ratios.Ready == 0:
			res.add(CheckSlowdown, Skipped, "one of the builds did not get ready")
		case res.Ratios.Ready > opts.MaxSlowdown:
			res.add(CheckSlowdown, Failed, "ready %.2f× slower than the baseline (max %.2f×)", res.Ratios.Ready, opts.MaxSlowdown)
		default:
			res.add(CheckSlowdown, Passed, "ready in %.2f× the baseline's time", res.Ratios.Ready)
		}
	}
}

func judgeGolden(res *Result, opts *Options, settled bool) error {
	c := res.Candidate
	golden := filepath.Join(opts.Golden, fmt.Sprintf("%s-%dx%d.png", res.Recording.Name, opts.Width, opts.Height))
	if opts.UpdateGolden {
		if !settled {
			res.add(CheckGolden, Failed, "%s not written: the candidate has no settled screenshot", golden)
			return nil
		}
		if err := os.MkdirAll(opts.Golden, 0o755); err != nil {
			return &UsageError{fmt.Errorf("create the golden folder: %w", err)}
		}
		if err := os.WriteFile(golden, c.png, 0o644); err != nil {
			return &UsageError{fmt.Errorf("write golden: %w", err)}
		}
		res.add(CheckGolden, Passed, "wrote %s", golden)
		return nil
	}
	if !settled {
		res.add(CheckGolden, Skipped, "the candidate has no settled screenshot")
		return nil
	}
	ref, err := os.ReadFile(golden)
	if err != nil {
		res.add(CheckGolden, Failed, "no golden screenshot %s: record it with --update-golden", golden)
		return nil
	}
	reference := res.Recording.Name + ".golden.png"
	if err := os.WriteFile(filepath.Join(opts.Out, reference), ref, 0o644); err != nil {
		return fmt.Errorf("copy golden: %w", err)
	}
	cmp, err := compareTo(res, opts, ref, reference, "golden")
	if err != nil {
		res.add(CheckGolden, Failed, "%s: %v", golden, err)
		return nil
	}
	res.Golden = cmp
	res.add(CheckGolden, verdict(cmp, opts), "%s of pixels differ from %s (max %s)", percent(cmp.Fraction), golden, percent(opts.MaxDiff))
	return nil
}

// compareTo compares the candidate's screenshot with ref and writes the
// difference image.
func compareTo(res *Result, opts *Options, ref []byte, refFile, role string) (*Comparison, error) {
	d, err := compare(res.Candidate.png, ref)
	if err != nil {
		return nil, err
	}
	cmp := &Comparison{Reference: refFile, Pixels: d.Pixels, Fraction: d.Fraction}
	if d.Image != nil {
		cmp.Diff = res.Recording.Name + ".diff-" + role + ".png"
		if err := os.WriteFile(filepath.Join(opts.Out, cmp.Diff), d.Image, 0o644); err != nil {
			return nil, fmt.Errorf("write difference: %w", err)
		}
	}
	return cmp, nil
}

func verdict(c *Comparison, opts *Options) string {
	if c.Fraction > opts.MaxDiff {
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
	}
}

// reason is why a run stopped where it did.
func (r *BuildRun) reason() string {
	if r.Failure != "" {
		return r.Failure
	}
	return "reached " + r.progress()
}

// summary is the progress line of a recording.
func (r *Result) summary() string {
	var b strings.Builder
	status := "ok  "
	if r.Failed() {
		status = "FAIL"
	}
	fmt.Fprintf(&b, "%s %s", status, r.Recording.Name)
	c := r.Candidate
	if c.ReadyMS > 0 {
		fmt.Fprintf(&b, "  ready %.1f s", c.ReadyMS/1000)
	}
	if c.OpenMS > 0 {
		fmt.Fprintf(&b, ", open %.1f s", c.OpenMS/1000)
	}
	if r.Golden != nil {
		fmt.Fprintf(&b, ", %s vs golden", percent(r.Golden.Fraction))
	}
	if r.VsBaseline != nil {
		fmt.Fprintf(&b, ", %s vs baseline", percent(r.VsBaseline.Fraction))
	}
	if r.Ratios != nil && r.Ratios.Ready > 0 {
		fmt.Fprintf(&b, ", ready %.2f× baseline", r.Ratios.Ready)
	}
	for _, ch := range r.Checks {
		if ch.Status == Failed {
			msg, _, _ := strings.Cut(ch.Message, "\n")
			fmt.Fprintf(&b, "\n       %s: %s", ch.Name, msg)
		}
	}
	return b.String()
}
