package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Scenario is one entry of a --scenarios file: a recording and how to
// look at it. Everything but Recording is optional and defaults to the
// command line's flags.
type Scenario struct {
	Recording string `json:"recording"`
	// Name names the scenario's testcases and PNGs; it defaults to the
	// recording's file name without .rrd.
	Name        string            `json:"name,omitempty"`
	Sizes       []string          `json:"sizes,omitempty"` // "WxH" in CSS pixels
	Theme       string            `json:"theme,omitempty"`
	PanelStates map[string]string `json:"panel_states,omitempty"`
	// At are the moments of the timeline to take a screenshot at: see
	// ParseMoment.
	At      []string `json:"at,omitempty"`
	MaxDiff *float64 `json:"max_diff,omitempty"`
	Timeout string   `json:"timeout,omitempty"` // a Go duration: "90s"
}

// scenario is a Scenario checked and filled in from the flags.
type scenario struct {
	Name        string            `json:"name"`
	Sizes       []Size            `json:"sizes"`
	Theme       string            `json:"theme,omitempty"`
	PanelStates map[string]string `json:"panel_states,omitempty"`
	At          []Moment          `json:"at"`
	MaxDiff     float64           `json:"max_diff"`
	Timeout     time.Duration     `json:"timeout_ns"`
	// Index is the scenario's place in the whole input, shards included:
	// merged reports keep that order.
	Index     int        `json:"index"`
	Recording *recording `json:"recording"`
	source    string
}

// Size is a window size in CSS pixels.
type Size struct{ W, H int }

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.W, s.H) }

// MarshalText writes WxH.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads WxH.
func (s *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	*s = v
	return err
}

// ParseSize reads WxH, 64x64 to 8192x8192.
func ParseSize(s string) (Size, error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil {
		return Size{}, fmt.Errorf("%q is not WxH, for example 1024x768", s)
	}
	sz := Size{w, h}
	if err := sz.inRange(); err != nil {
		return Size{}, err
	}
	return sz, nil
}

// inRange refuses sizes no screen has, which Chromium would clamp or
// refuse with a less helpful message.
func (s Size) inRange() error {
	if s.W < 64 || s.H < 64 || s.W > 8192 || s.H > 8192 {
		return fmt.Errorf("%dx%d is out of range: want 64x64 to 8192x8192", s.W, s.H)
	}
	return nil
}

// Moment is a point of a recording's timeline: its start, its end, a
// fraction of its range, or a time in the timeline's own unit (a sequence
// number, or nanoseconds for a temporal timeline), on the active timeline
// or on a named one ("frame:50%").
type Moment struct {
	Timeline string
	// Kind is "start", "end", "fraction" or "value".
	Kind  string
	Value float64
}

var momentForm = regexp.MustCompile(`^(?:(.+):)?(start|end|(-?[0-9]+(?:\.[0-9]+)?)(%)?)$`)

// ParseMoment reads "start", "end", "50%", "1234" or any of them after
// "TIMELINE:".
func ParseMoment(s string) (Moment, error) {
	m := momentForm.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Moment{}, fmt.Errorf("%q is not a moment: want start, end, a percentage such as 50%%, a time in the timeline's unit, each optionally after TIMELINE:", s)
	}
	mo := Moment{Timeline: m[1]}
	switch {
	case m[2] == "start" || m[2] == "end":
		mo.Kind = m[2]
	case m[4] == "%":
		mo.Kind = "fraction"
		mo.Value, _ = strconv.ParseFloat(m[3], 64)
		if mo.Value < 0 || mo.Value > 100 {
			return Moment{}, fmt.Errorf("%q is not between 0%% and 100%%", s)
		}
		mo.Value /= 100
	default:
		mo.Kind = "value"
		mo.Value, _ = strconv.ParseFloat(m[3], 64)
	}
	return mo, nil
}

func (m Moment) String() string {
	var s string
	switch m.Kind {
	case "start", "end":
		s = m.Kind
	case "fraction":
		s = strconv.FormatFloat(m.Value*100, 'f', -1, 64) + "%"
	default:
		s = strconv.FormatFloat(m.Value, 'f', -1, 64)
	}
	if m.Timeline != "" {
		s = m.Timeline + ":" + s
	}
	return s
}

// MarshalText writes the moment as ParseMoment reads it.
func (m Moment) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a moment.
func (m *Moment) UnmarshalText(b []byte) error {
	v, err := ParseMoment(string(b))
	*m = v
	return err
}

// slug is the moment in a file name: no "%" or ":", which URLs and some
// file systems treat specially.
func (m Moment) slug() string {
	return strings.NewReplacer("%", "pct", ":", "_").Replace(m.String())
}

// endOfTimeline is the moment of a scenario that names none.
var endOfTimeline = Moment{Kind: "end"}

// ReadScenarios reads a --scenarios file: a JSON list of Scenario.
// Unknown keys and bad values are refused, naming the file, the entry and
// the key.
func ReadScenarios(path string) ([]Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("read the scenarios: %v", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, usageErrorf("%s: not a JSON list of scenarios: %v", path, err)
	}
	if len(raw) == 0 {
		return nil, usageErrorf("%s: no scenarios in the list", path)
	}
	out := make([]Scenario, len(raw))
	for i, r := range raw {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out[i]); err != nil {
			return nil, usageErrorf("%s: scenario %d: %s", path, i+1, jsonProblem(err))
		}
		rec := out[i].Recording
		if rec == "" {
			return nil, usageErrorf("%s: scenario %d: \"recording\" is missing: name a .rrd file (relative to the scenarios file) or an http(s) URL", path, i+1)
		}
		if u, err := url.Parse(rec); (err != nil || !isURL(u)) && !filepath.IsAbs(rec) {
			out[i].Recording = filepath.Join(filepath.Dir(path), rec)
		}
	}
	return out, nil
}

// jsonProblem says which key of an entry is wrong, in words.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("%q is a JSON %s, want %s", typeErr.Field, typeErr.Value, kindName(typeErr.Type.String()))
	}
	msg := err.Error()
	if key, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown key " + key + ": the keys are recording, name, sizes, theme, panel_states, at, max_diff, timeout"
	}
	return msg
}

func kindName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list of strings"
	case strings.HasPrefix(goType, "map"):
		return "an object of strings"
	case goType == "*float64" || goType == "float64":
		return "a number"
	}
	return "a string"
}

// defaults are the command line's settings a scenario falls back to.
type defaults struct {
	size    Size
	theme   string
	maxDiff float64
	timeout time.Duration
}

// resolve checks s and fills it in from d; where says which entry it is
// in error messages.
func (s Scenario) resolve(d defaults, where string) (*scenario, error) {
	sc := &scenario{Theme: d.theme, MaxDiff: d.maxDiff, Timeout: d.timeout, PanelStates: s.PanelStates, source: s.Recording}
	bad := func(key, format string, args ...any) error {
		return usageErrorf("%s: %q: %s", where, key, fmt.Sprintf(format, args...))
	}
	if s.Name != "" {
		if unsafeName.MatchString(s.Name) {
			return nil, bad("name", "%q may hold only letters, digits, '.', '_' and '-': it names files", s.Name)
		}
		sc.Name = s.Name
	}
	for _, str := range s.Sizes {
		size, err := ParseSize(str)
		if err != nil {
			return nil, bad("sizes", "%v", err)
		}
		sc.Sizes = append(sc.Sizes, size)
	}
	if len(sc.Sizes) == 0 {
		sc.Sizes = []Size{d.size}
	}
	switch s.Theme {
	case "":
	case "dark", "light":
		sc.Theme = s.Theme
	default:
		return nil, bad("theme", "%q is not dark or light", s.Theme)
	}
	for panel, state := range s.PanelStates {
		switch panel {
		case "top", "blueprint", "selection", "time":
		default:
			return nil, bad("panel_states", "%q is not a panel: top, blueprint, selection or time", panel)
		}
		switch state {
		case "hidden", "collapsed", "expanded":
		default:
			return nil, bad("panel_states", "%s: %q is not hidden, collapsed or expanded", panel, state)
		}
	}
	seen := map[string]bool{}
	for _, str := range s.At {
		m, err := ParseMoment(str)
		if err != nil {
			return nil, bad("at", "%v", err)
		}
		if seen[m.String()] {
			return nil, bad("at", "%s is listed twice", m)
		}
		seen[m.String()] = true
		sc.At = append(sc.At, m)
	}
	if len(sc.At) == 0 {
		sc.At = []Moment{endOfTimeline}
	}
	if s.MaxDiff != nil {
		if *s.MaxDiff < 0 || *s.MaxDiff > 1 {
			return nil, bad("max_diff", "%v is not a fraction between 0 and 1", *s.MaxDiff)
		}
		sc.MaxDiff = *s.MaxDiff
	}
	if s.Timeout != "" {
		t, err := time.ParseDuration(s.Timeout)
		if err != nil || t <= 0 {
			return nil, bad("timeout", "%q is not a positive duration such as 90s", s.Timeout)
		}
		sc.Timeout = t
	}
	return sc, nil
}

// Shard is a --shard i/n: the i-th of n stable shares of the scenarios.
type Shard struct{ I, N int }

// ParseShard reads i/n, 1 ≤ i ≤ n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, errI := strconv.Atoi(is)
	n, errN := strconv.Atoi(ns)
	if !ok || errI != nil || errN != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("--shard %q is not i/n with 1 ≤ i ≤ n, for example 2/4", s)
	}
	return Shard{i, n}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// has reports whether the scenario named name is in the shard. The share
// depends on the name alone, so adding a scenario moves no other one.
func (s Shard) has(name string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32()%uint32(s.N)) == s.I-1
}
