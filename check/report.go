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
	Spec    string `json:"spec"`    // as given: a folder or a version
	Version string `json:"version"` // the Viewer's
	Source  string `json:"source"`  // the folder it came from
	Broken  string `json:"broken,omitempty"`
}

// Report is a whole check, as report.json holds it.
type Report struct {
	Candidate    BuildInfo  `json:"candidate"`
	Baseline     *BuildInfo `json:"baseline,omitempty"`
	Browser      string     `json:"browser"`
	Size         string     `json:"size"`
	Threshold    float64    `json:"threshold"`
	MaxDiff      float64    `json:"max_diff"`
	MaxSlowdown  float64    `json:"max_slowdown,omitempty"`
	Golden       string     `json:"golden,omitempty"`
	UpdateGolden bool       `json:"update_golden,omitempty"`
	Started      time.Time  `json:"started"`
	DurationMS   float64    `json:"duration_ms"`
	Results      []*Result  `json:"results"`
}

func newReport(opts Options, candidate, baseline *viewerBuild, browser string) *Report {
	info := func(b *viewerBuild) BuildInfo {
		i := BuildInfo{Spec: b.spec, Version: b.version, Source: b.source}
		if b.broken != nil {
			i.Broken = b.broken.Error()
		}
		return i
	}
	r := &Report{
		Candidate: info(candidate), Browser: browser,
		Size: fmt.Sprintf("%dx%d", opts.Width, opts.Height), Threshold: Threshold,
		MaxDiff: opts.MaxDiff, MaxSlowdown: opts.MaxSlowdown,
		Golden: opts.Golden, UpdateGolden: opts.UpdateGolden, Started: time.Now().UTC(),
	}
	if baseline != nil {
		b := info(baseline)
		r.Baseline = &b
	}
	return r
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	return r.count(Failed) > 0
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
	return fmt.Sprintf("%d of %d recordings passed every check (%d checks failed, %d skipped)",
		len(r.Results)-failedRecs, len(r.Results), r.count(Failed), r.count(Skipped))
}

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
	SystemOut string        `xml:"system-out,omitempty"`
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
		for _, c := range res.Checks {
			tc := junitCase{ClassName: "rrd." + res.Recording.Name, Name: c.Name, Time: "0"}
			if c.Name == CheckReady {
				tc.Time = seconds(res.Candidate.ReadyMS)
			}
			switch c.Status {
			case Failed:
				first, _, _ := strings.Cut(c.Message, "\n")
				tc.Failure = &junitMessage{Message: first, Type: c.Name, Text: c.Message}
				tc.SystemOut = console.String()
				suite.Failures++
			case Skipped:
				tc.Skipped = &junitMessage{Message: c.Message}
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, tc)
			suite.Tests++
		}
	}
	all := junitSuites{Name: "loader check", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junitSuite{suite}}
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", JUnitFile, err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
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
