package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// cell is how far one host got with one Viewer version.
type cell struct {
	Host  string `json:"host"`
	Ready bool   `json:"ready"`
	Open  bool   `json:"open"`
	Drawn bool   `json:"drawn"`
	// Recording is the fixture the Viewer opened.
	Recording string `json:"recording,omitempty"`
	// Attempts are the recordings it did not open, in order, and why.
	Attempts []attempt `json:"attempts,omitempty"`
	// Failure says why the first step that failed did: for a Viewer that
	// opened none of the recordings, why it did not open the first.
	Failure string  `json:"failure,omitempty"`
	Seconds float64 `json:"seconds"`
}

// attempt is a recording the Viewer did not open.
type attempt struct {
	Recording string `json:"recording"`
	Failure   string `json:"failure"`
}

// tried records that the Viewer did not open rec, and why.
func (c *cell) tried(rec string, err error) {
	c.Attempts = append(c.Attempts, attempt{rec, err.Error()})
	if c.Failure == "" {
		c.Failure = err.Error()
	}
}

// opened records that the Viewer opened rec: the failures of the
// recordings before it were the recordings', not the host's.
func (c *cell) opened(rec string) {
	c.Open, c.Recording, c.Failure = true, rec, ""
}

// summary is the cell as the table shows it: the steps reached, then the
// one that failed with its reason, shortened.
func (c cell) summary() string {
	var steps []string
	for _, s := range []struct {
		ok   bool
		name string
	}{{c.Ready, "ready"}, {c.Open, "open"}, {c.Drawn, "drawn"}} {
		if !s.ok {
			reason := shorten(c.Failure, 110)
			if c.Recording == "" && len(c.Attempts) > 1 {
				reason += fmt.Sprintf(" (%d recordings tried)", len(c.Attempts))
			}
			return strings.Join(append(steps, "✗ "+reason), " · ")
		}
		steps = append(steps, s.name)
	}
	return strings.Join(steps, " · ")
}

// fixtureURL is the address of a recording on the page server, which
// the Viewer's messages name in full.
var fixtureURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+/rrd/`)

// shorten returns the first line of s, with the recordings' addresses
// cut to their names, in at most n characters: when it is longer, its
// first message or sentence, which says most, cut to n.
func shorten(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.Join(strings.Fields(fixtureURL.ReplaceAllString(s, "")), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	s, _, _ = strings.Cut(s, "; ")
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i+1]
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// row is one Viewer version: a cell per host.
type row struct {
	Version string `json:"version"`
	Cells   []cell `json:"cells"`
}

// recordings are the fixtures the row's hosts opened, each once.
func (r row) recordings() []string {
	var recs []string
	for _, c := range r.Cells {
		if c.Recording != "" && !slices.Contains(recs, c.Recording) {
			recs = append(recs, c.Recording)
		}
	}
	return recs
}

// report is the whole matrix, as compat.json holds it.
type report struct {
	Date    string  `json:"date"`
	Browser string  `json:"browser"`
	Seconds float64 `json:"seconds"`
	Rows    []row   `json:"rows"`
}

// markdown is the table: a row per version, a column per host, and the
// recording the hosts opened (named in a cell when the row's hosts opened
// different ones).
func (rep *report) markdown() string {
	var b strings.Builder
	b.WriteString("| Viewer | recording |")
	for _, h := range hosts {
		fmt.Fprintf(&b, " %s |", columnName(h.name))
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(hosts)) + "\n")
	for _, r := range rep.Rows {
		recs := r.recordings()
		named := make([]string, len(recs))
		for i, rec := range recs {
			named[i] = "`" + strings.TrimSuffix(rec, ".rrd") + "`"
		}
		if len(named) == 0 {
			named = []string{"none opened"}
		}
		fmt.Fprintf(&b, "| %s | %s |", r.Version, strings.Join(named, ", "))
		for _, c := range r.Cells {
			s := c.summary()
			if len(recs) > 1 && c.Recording != "" {
				s += " (`" + strings.TrimSuffix(c.Recording, ".rrd") + "`)"
			}
			fmt.Fprintf(&b, " %s |", strings.ReplaceAll(s, "|", `\|`))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s, %s, %.0f s.\n", rep.Browser, rep.Date, rep.Seconds)
	return b.String()
}

func columnName(host string) string {
	if host == "check" {
		return "`loader check`"
	}
	return host
}

// write puts the table into dir/compat.md and the report into
// dir/compat.json.
func (rep *report) write(dir, md string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the output folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "compat.md"), []byte(md), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode compat.json: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "compat.json"), append(js, '\n'), 0o644)
}
