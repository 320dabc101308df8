package check

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/testpage"
	"github.com/gorerun/loader/names"
)

// Small recordings of other projects' SDKs. The 2D ones open in a second
// or two; a 3D view costs SwiftShader some ten seconds of shader
// compilation before its first frame, so one test (TestReportJSON) keeps
// the 3D case.
const (
	textLog = "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd"
	trail   = "bwright000__DDS-SLAM__trail3_viz.rrd" // properties only: the Viewer's empty layout
	points  = "bwright000__DDS-SLAM__test.rrd"       // a 3D view of points
	plots   = "Nojgaard__wobl__ddsm_test.rrd"        // time series: each moment a different picture
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	dir, err := testpage.FixtureDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// options are the Options of a test run. The tests run one after another
// (no t.Parallel): each starts its own Chromium and the 47 MB Viewer, and
// side by side on two cores they starved each other into timeouts.
func options(t *testing.T, recordings ...string) Options {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real Viewer in Chromium")
	}
	cache, err := assets.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Recordings: recordings, Out: t.TempDir(), Width: 800, Height: 600,
		// A deadline for the Viewer's answers, not a bound on the run:
		// under make test's load plus another job, a 3D recording's page
		// worked 72 s (13.7 s of its CPU) before it opened.
		Timeout: 5 * time.Minute, MaxDiff: DefaultMaxDiff, Cache: cache,
		Workers: 1, PlayFor: 500 * time.Millisecond, Progress: testLog{t},
		// `make test` runs packages side by side on two cores, where
		// SwiftShader's shader compiles for a 3D view held a page's main
		// thread past the default 30 s once: only the hang test wants a
		// short wait, and it sets its own.
		HangAfter: 80 * time.Second,
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func run(t *testing.T, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{IndexFile, JUnitFile, ReportFile} {
		if _, err := os.Stat(filepath.Join(opts.Out, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}
	return rep
}

// check returns the named check of a result.
func check(t *testing.T, res *Result, name string) Check {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s has no %s check: %+v", res.Recording.Name, name, res.Checks)
	return Check{}
}

// TestGoldenRoundTrip records goldens, then runs the same build again
// with the text log's own golden and, in place of the other recording's,
// the text log's: the text log matches its own (the Viewer draws the same
// picture every run: zero pixels differ), the other fails with a
// difference image, and the report fails.
func TestGoldenRoundTrip(t *testing.T) {
	golden := t.TempDir()
	opts := options(t, fixture(t, trail), fixture(t, textLog))
	opts.Golden, opts.UpdateGolden = golden, true
	if rep := run(t, opts); rep.Failed() {
		t.Fatalf("recording goldens failed: %s", rep.Summary())
	}
	pngs, _ := filepath.Glob(filepath.Join(golden, "*.png"))
	want := []string{"JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log-800x600.png", "bwright000__DDS-SLAM__trail3_viz-800x600.png"}
	var names []string
	for _, p := range pngs {
		names = append(names, filepath.Base(p))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("goldens = %q, want %q", names, want)
	}

	own, other := filepath.Join(golden, want[0]), filepath.Join(golden, want[1])
	b, err := os.ReadFile(own)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	opts.UpdateGolden, opts.Out = false, t.TempDir()
	rep := run(t, opts)
	for _, res := range rep.Results {
		c := check(t, res, CheckGolden)
		golden := res.Shots[0].Golden
		if res.Recording.Name+"-800x600.png" == filepath.Base(own) {
			if res.Failed() || golden == nil || golden.Pixels != 0 {
				t.Errorf("%s against its own golden: %+v, %+v", res.Recording.Name, res.Checks, golden)
			}
			continue
		}
		if c.Status != Failed || !strings.Contains(c.Message, "of pixels differ") || golden == nil || golden.Fraction <= opts.MaxDiff {
			t.Errorf("%s against another recording's golden: %+v, %+v", res.Recording.Name, c, golden)
			continue
		}
		if _, err := os.Stat(filepath.Join(opts.Out, golden.Diff)); err != nil {
			t.Errorf("no difference image: %v", err)
		}
	}
	if !rep.Failed() {
		t.Error("the report passed with another recording's golden")
	}
}

// TestMismatchedViewer checks a local build whose re_viewer.js and
// re_viewer_bg.wasm come from different Viewer versions: every recording
// fails to get ready, with that named rather than a bare LinkError.
func TestMismatchedViewer(t *testing.T) {
	opts := options(t, fixture(t, trail))
	dir := t.TempDir()
	glue, err := os.ReadFile(filepath.Join(viewerDir(t, "0.31.4"), "re_viewer.js"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "re_viewer.js"), glue, 0o644)
	if err := os.Symlink(filepath.Join(viewerDir(t, "0.33.0"), names.ViewerFile), filepath.Join(dir, names.ViewerFile)); err != nil {
		t.Fatal(err)
	}
	opts.Viewer = dir
	rep := run(t, opts)
	res := rep.Results[0]
	if c := check(t, res, CheckReady); c.Status != Failed || !strings.Contains(c.Message, "re_viewer.js and re_viewer_bg.wasm come from different builds") {
		t.Errorf("ready = %+v, want the mismatch named", c)
	}
	if c := check(t, res, CheckRecordingOpen); c.Status != Skipped {
		t.Errorf("recording_open = %+v, want skipped", c)
	}
	if rep.Candidate.Broken == "" {
		t.Error("the report does not say the candidate is broken")
	}
}

func viewerDir(t *testing.T, version string) string {
	t.Helper()
	dir, err := assets.FetchPinnedViewer(context.Background(), version, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestUnreadableRecordings checks recordings the Viewer cannot open: the
// run fails on recording_open with the Viewer's own message, soon after
// the Viewer said it (not after --timeout), and the next recording still
// passes.
func TestUnreadableRecordings(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.rrd")
	os.WriteFile(garbage, []byte(strings.Repeat("not a recording at all ", 400)), 0o644)
	whole, err := os.ReadFile(fixture(t, trail))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.rrd")
	os.WriteFile(truncated, whole[:40], 0o644)
	opts := options(t, garbage, truncated, fixture(t, textLog))
	rep := run(t, opts)
	for _, res := range rep.Results[:2] {
		c := check(t, res, CheckRecordingOpen)
		if c.Status != Failed || !strings.Contains(c.Message, "the Viewer could not open the recording") {
			t.Errorf("%s: recording_open = %+v, want a failure with the Viewer's message", res.Recording.Name, c)
		}
		if res.Candidate.TimedOut {
			t.Errorf("%s: waited for the timeout", res.Recording.Name)
		}
		if c := check(t, res, CheckSettles); c.Status != Skipped {
			t.Errorf("%s: settles = %+v, want skipped", res.Recording.Name, c)
		}
	}
	if last := rep.Results[2]; last.Failed() {
		t.Errorf("a readable recording after unreadable ones: %+v", last.Checks)
	}
}

// TestBaselineOfTwoVersions runs the pinned Viewer against an older one
// on fixtures both can open: both builds run, the screenshots are
// compared, and the times and memory are side by side.
func TestBaselineOfTwoVersions(t *testing.T) {
	opts := options(t, fixture(t, textLog))
	opts.Viewer, opts.Baseline = "0.33.0", "0.31.4"
	rep := run(t, opts)
	if rep.Candidate.Version != "0.33.0" || rep.Baseline == nil || rep.Baseline.Version != "0.31.4" {
		t.Fatalf("builds = %+v / %+v", rep.Candidate, rep.Baseline)
	}
	for _, res := range rep.Results {
		if res.Baseline == nil || res.Baseline.Reached != "settled" || res.Candidate.Reached != "settled" {
			t.Errorf("%s: candidate reached %q (%s), baseline %+v", res.Recording.Name, res.Candidate.Reached, res.Candidate.Failure, res.Baseline != nil && res.Baseline.Reached == "settled")
			continue
		}
		if s := res.Shots[0]; s.VsBaseline == nil || s.VsBaseline.Reference != s.Baseline {
			t.Errorf("%s: no comparison with the baseline: %+v", res.Recording.Name, s.VsBaseline)
		}
		if r := res.Ratios; r == nil || r.Ready <= 0 || r.Open <= 0 || r.Memory <= 0 || r.Frame <= 0 {
			t.Errorf("%s: ratios %+v", res.Recording.Name, res.Ratios)
		}
		check(t, res, CheckBaseline)
	}
	html, err := os.ReadFile(filepath.Join(opts.Out, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"against 0.31.4", rep.Results[0].Shots[0].Baseline, "candidate/baseline: ready"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	checkJUnit(t, filepath.Join(opts.Out, JUnitFile), rep)
}

// checkJUnit reads a junit.xml the way CI systems do (Jenkins' JUnit
// plugin, GitLab, the GitHub test reporters: testsuites > testsuite >
// testcase with classname and name, failure and skipped with a message)
// and checks it says what the report says.
func checkJUnit(t *testing.T, path string, rep *Report) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				ClassName string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if !strings.HasPrefix(string(raw), xml.Header) {
		t.Error("junit.xml has no XML declaration")
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d test suites", len(doc.Suites))
	}
	s := doc.Suites[0]
	var failures, skipped []string
	for _, c := range s.Cases {
		if c.ClassName == "" || c.Name == "" || c.Time == "" {
			t.Errorf("testcase without classname, name or time: %+v", c)
		}
		if c.Failure != nil {
			if c.Failure.Message == "" {
				t.Errorf("%s.%s: a failure without a message", c.ClassName, c.Name)
			}
			failures = append(failures, c.ClassName+"."+c.Name)
		}
		if c.Skipped != nil {
			skipped = append(skipped, c.ClassName+"."+c.Name)
		}
	}
	var wantFailures, wantSkipped []string
	n := 0
	for _, res := range rep.Results {
		for _, key := range res.testcases() {
			n++
			switch status, _, _ := res.testcase(key); status {
			case Failed:
				wantFailures = append(wantFailures, "rrd."+res.Name+"."+key)
			case Skipped:
				wantSkipped = append(wantSkipped, "rrd."+res.Name+"."+key)
			}
		}
	}
	if len(s.Cases) != n || s.Tests != n || doc.Tests != n {
		t.Errorf("%d testcases, tests=%d/%d; want %d", len(s.Cases), s.Tests, doc.Tests, n)
	}
	if !slices.Equal(failures, wantFailures) || s.Failures != len(wantFailures) || doc.Failures != len(wantFailures) {
		t.Errorf("failures %q (counted %d/%d), want %q", failures, s.Failures, doc.Failures, wantFailures)
	}
	if !slices.Equal(skipped, wantSkipped) || s.Skipped != len(wantSkipped) {
		t.Errorf("skipped %q (counted %d), want %q", skipped, s.Skipped, wantSkipped)
	}
}

// TestReportJSON checks report.json round-trips what a CI script reads,
// on a recording with a 3D view: its first frame, not only the 2D ones,
// must settle into a screenshot.
func TestReportJSON(t *testing.T) {
	opts := options(t, fixture(t, points))
	rep := run(t, opts)
	raw, err := os.ReadFile(filepath.Join(opts.Out, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Candidate BuildInfo `json:"candidate"`
		Results   []struct {
			Checks    []Check `json:"checks"`
			Candidate struct {
				ReadyMS       float64 `json:"ready_ms"`
				RendererBytes int64   `json:"renderer_bytes"`
				FrameP50MS    float64 `json:"frame_p50_ms"`
				Shots         []struct {
					Screenshot string `json:"screenshot"`
				} `json:"shots"`
			} `json:"candidate"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Candidate.Version != assets.DefaultViewer().Version || len(back.Results) != 1 {
		t.Fatalf("report.json: %s", raw)
	}
	r := back.Results[0]
	if r.Candidate.ReadyMS <= 0 || r.Candidate.RendererBytes <= 0 || r.Candidate.FrameP50MS <= 0 || len(r.Candidate.Shots) != 1 || len(r.Checks) != len(rep.Results[0].Checks) {
		t.Fatalf("report.json result: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(opts.Out, r.Candidate.Shots[0].Screenshot)); err != nil {
		t.Error(err)
	}
	checkJUnit(t, filepath.Join(opts.Out, JUnitFile), rep)
}
