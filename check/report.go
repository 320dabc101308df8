package check

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The files of a report.
const (
	ReportFile = "report.json"
	JUnitFile  = "junit.xml"
	IndexFile  = "index.html"
)

// BuildInfo says which Viewer a build is.
type BuildInfo struct {
	Spec    string `json:"spec"`     // as given: a folder or a version
	Version string `json:"version"`  // the Viewer's
	BuildID string `json:"build_id"` // the bundle's: reports of one build share it
	Source  string `json:"source"`   // the folder it came from
	Broken  string `json:"broken,omitempty"`
}

// Report is a whole check, as report.json holds it.
type Report struct {
	Candidate BuildInfo  `json:"candidate"`
	Baseline  *BuildInfo `json:"baseline,omitempty"`
	Browser   string     `json:"browser"`
	Size      string     `json:"size"` // the default; scenarios may name others
	Workers   int        `json:"workers"`
	Shard     string     `json:"shard,omitempty"`
	// MissingShards are the shards a merge had no report of: their
	// scenarios were not checked, so the merged report fails.
	MissingShards []string  `json:"missing_shards,omitempty"`
	Retries       int       `json:"retries,omitempty"`
	Threshold     float64   `json:"threshold"`
	MaxDiff       float64   `json:"max_diff"`
	MaxSlowdown   float64   `json:"max_slowdown,omitempty"`
	Golden        string    `json:"golden,omitempty"`
	UpdateGolden  bool      `json:"update_golden,omitempty"`
	Started       time.Time `json:"started"`
	DurationMS    float64   `json:"duration_ms"`
	Results       []*Result `json:"results"`
}

func newReport(opts Options, candidate, baseline *viewerBuild, browser string) *Report {
	info := func(b *viewerBuild) BuildInfo {
		i := BuildInfo{Spec: b.spec, Version: b.version, BuildID: b.buildID, Source: b.source}
		if b.broken != nil {
			i.Broken = b.broken.Error()
		}
		return i
	}
	r := &Report{
		Candidate: info(candidate), Browser: browser,
		Size: fmt.Sprintf("%dx%d", opts.Width, opts.Height), Threshold: Threshold,
		Workers: opts.Workers, Retries: opts.Retries,
		MaxDiff: opts.MaxDiff, MaxSlowdown: opts.MaxSlowdown,
		Golden: opts.Golden, UpdateGolden: opts.UpdateGolden, Started: time.Now().UTC(),
	}
	if opts.Shard.N > 1 {
		r.Shard = opts.Shard.String()
	}
	if baseline != nil {
		b := info(baseline)
		r.Baseline = &b
	}
	return r
}

// Flaky is how many results failed before they passed.
func (r *Report) Flaky() int {
	n := 0
	for _, res := range r.Results {
		if res.Flaky {
			n++
		}
	}
	return n
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	return r.count(Failed) > 0 || len(r.MissingShards) > 0
}

func (r *Report) count(status string) int {
	n := 0
	for _, res := range r.Results {
		for _, c := range res.Checks {
			if c.Status == status {
				n++
			}
		}
	}
	return n
}

// Summary is one line about the whole check.
func (r *Report) Summary() string {
	failedRecs := 0
	for _, res := range r.Results {
		if res.Failed() {
			failedRecs++
		}
	}
	s := fmt.Sprintf("%d of %d recordings passed every check (%d checks failed, %d skipped)",
		len(r.Results)-failedRecs, len(r.Results), r.count(Failed), r.count(Skipped))
	if n := r.Flaky(); n > 0 {
		s += fmt.Sprintf("; %d flaky: failed, then passed on a retry", n)
	}
	if len(r.MissingShards) > 0 {
		s += fmt.Sprintf("; no report of shard %s: its recordings were not checked", strings.Join(r.MissingShards, ", "))
	}
	return s
}

// write writes report.json, junit.xml and index.html into dir.
func (r *Report) write(dir string) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	junit, err := r.junit()
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := indexTemplate.Execute(&page, r); err != nil {
		return fmt.Errorf("render %s: %w", IndexFile, err)
	}
	for name, b := range map[string][]byte{ReportFile: append(js, '\n'), JUnitFile: junit, IndexFile: page.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

// The JUnit XML that CI systems read (Jenkins, GitLab, GitHub Actions'
// test reporters): testsuites, a testsuite per check run, a testcase per
// recording and check, a failure or skipped element with a message.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	// Flaky are the failures of earlier attempts of a testcase that
	// passed in the end, as Maven Surefire writes reruns.
	Flaky     []junitRerun `xml:"flakyFailure"`
	SystemOut string       `xml:"system-out,omitempty"`
}

type junitRerun struct {
	Message    string `xml:"message,attr"`
	Type       string `xml:"type,attr,omitempty"`
	StackTrace string `xml:"stackTrace"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms float64) string { return fmt.Sprintf("%.3f", ms/1000) }

func (r *Report) junit() ([]byte, error) {
	suite := junitSuite{
		Name:      "loader check: Viewer " + r.Candidate.Version,
		Time:      seconds(r.DurationMS),
		Timestamp: r.Started.Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{"candidate", r.Candidate.Spec}, {"browser", r.Browser}, {"size", r.Size},
			{"max_diff", fmt.Sprint(r.MaxDiff)},
		},
	}
	if r.Baseline != nil {
		suite.Properties = append(suite.Properties, junitProperty{"baseline", r.Baseline.Spec})
	}
	for _, res := range r.Results {
		var console strings.Builder
		for _, l := range res.Candidate.Console {
			fmt.Fprintf(&console, "[%s] %s\n", l.Type, l.Text)
		}
		for _, key := range res.testcases() {
			tc := junitCase{ClassName: "rrd." + res.Name, Name: key, Time: "0"}
			if key == CheckReady+"#"+res.Size {
				tc.Time = seconds(res.Candidate.ReadyMS)
			}
			status, msg, typ := res.testcase(key)
			switch status {
			case Failed:
				first, _, _ := strings.Cut(msg, "\n")
				tc.Failure = &junitMessage{Message: first, Type: typ, Text: msg}
				tc.SystemOut = console.String()
				suite.Failures++
			case Skipped:
				tc.Skipped = &junitMessage{Message: msg}
				suite.Skipped++
			case Passed:
				for _, earlier := range res.Retries {
					if st, m, t := earlier.testcase(key); st == Failed {
						first, _, _ := strings.Cut(m, "\n")
						tc.Flaky = append(tc.Flaky, junitRerun{Message: first, Type: t, StackTrace: m})
					}
				}
			}
			suite.Cases = append(suite.Cases, tc)
			suite.Tests++
		}
	}
	for _, sh := range r.MissingShards {
		msg := "no report of shard " + sh + " among the merged folders: its recordings were not checked"
		suite.Cases = append(suite.Cases, junitCase{ClassName: "merge", Name: "shard " + sh, Time: "0",
			Failure: &junitMessage{Message: msg, Type: "missing_shard", Text: msg}})
		suite.Tests++
		suite.Failures++
	}
	all := junitSuites{Name: "loader check", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junitSuite{suite}}
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", JUnitFile, err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// ShotChecks are the checks of the screenshot testcase (NAME@MOMENT#WxH).
func (r *Result) ShotChecks(testcase string) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Shot == testcase {
			out = append(out, c)
		}
	}
	return out
}

// testcases are the JUnit testcases of a result, in order: one per check
// of the whole run (CHECK#WxH), then one per screenshot
// (NAME@MOMENT#WxH) holding its checks.
func (r *Result) testcases() []string {
	var keys []string
	seen := map[string]bool{}
	for _, c := range r.Checks {
		k := c.key(r.Size)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

func (c Check) key(size string) string {
	if c.Shot != "" {
		return c.Shot
	}
	return c.Name + "#" + size
}

// testcase is the verdict of one testcase: failed when any of its checks
// failed, skipped when all were skipped; the messages of the checks that
// decided it, and their names.
func (r *Result) testcase(key string) (status, message, checks string) {
	var failed, skipped, passed []Check
	for _, c := range r.Checks {
		if c.key(r.Size) != key {
			continue
		}
		switch c.Status {
		case Failed:
			failed = append(failed, c)
		case Skipped:
			skipped = append(skipped, c)
		default:
			passed = append(passed, c)
		}
	}
	join := func(cs []Check) (string, string) {
		var msgs, names []string
		for _, c := range cs {
			names = append(names, c.Name)
			msgs = append(msgs, c.Name+": "+c.Message)
		}
		return strings.Join(msgs, "\n"), strings.Join(names, ",")
	}
	switch {
	case len(failed) > 0:
		m, n := join(failed)
		return Failed, m, n
	case len(passed) == 0 && len(skipped) > 0:
		m, n := join(skipped)
		return Skipped, m, n
	}
	m, n := join(passed)
	return Passed, m, n
}

//go:embed report.html
var indexHTML string

var indexTemplate = template.Must(template.New(IndexFile).Funcs(template.FuncMap{
	"percent": percent,
	"seconds": func(ms float64) string { return fmt.Sprintf("%.2f s", ms/1000) },
	"mib":     func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) },
	"ratio":   func(f float64) string { return fmt.Sprintf("%.2f×", f) },
	"runs": func(r *Result) []*BuildRun {
		if r.Baseline == nil {
			return []*BuildRun{r.Candidate}
		}
		return []*BuildRun{r.Candidate, r.Baseline}
	},
}).Parse(indexHTML))
