package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/internal/readme"
)

// TestReadScenarios checks the scenario file a CI script writes: good
// entries are filled in from the flags, and each mistake is refused with
// the file, the entry and the key.
func TestReadScenarios(t *testing.T) {
	dir := t.TempDir()
	d := defaults{size: Size{1024, 768}, maxDiff: 0.001, timeout: time.Minute}
	tests := []struct {
		name, json string
		want       []string // in the error, or in the resolved scenario's String
	}{
		{"defaults", `[{"recording": "a.rrd"}]`, []string{"[1024x768] [end] 0.001 1m0s"}},
		{"everything", `[{"recording": "a.rrd", "name": "a-dark", "sizes": ["640x480", "800X600"], "theme": "dark",
			"panel_states": {"time": "collapsed"}, "at": ["start", "frame:50%", "12", "end"], "max_diff": 0.01, "timeout": "20s"}]`,
			[]string{"a-dark [640x480 800x600] [start frame:50% 12 end] 0.01 20s dark map[time:collapsed]"}},
		{"not a list", `{"recording": "a.rrd"}`, []string{"s.json", "not a JSON list"}},
		{"empty", `[]`, []string{"no scenarios"}},
		{"unknown key", `[{"recording": "a.rrd"}, {"recording": "b.rrd", "size": "1x1"}]`, []string{"s.json", "scenario 2", `unknown key "size"`}},
		{"wrong type", `[{"recording": "a.rrd", "sizes": "640x480"}]`, []string{"scenario 1", `"sizes" is a JSON string, want a list of strings`}},
		{"no recording", `[{"name": "x"}]`, []string{"scenario 1", `"recording" is missing`}},
		{"bad size", `[{"recording": "a.rrd", "sizes": ["640"]}]`, []string{"scenario 1", `"sizes"`, "not WxH"}},
		{"bad moment", `[{"recording": "a.rrd", "at": ["middle"]}]`, []string{`"at"`, `"middle" is not a moment`}},
		{"bad percentage", `[{"recording": "a.rrd", "at": ["150%"]}]`, []string{`"at"`, "not between 0% and 100%"}},
		{"twice", `[{"recording": "a.rrd", "at": ["end", "100%", "end"]}]`, []string{`"at"`, "end is listed twice"}},
		{"bad theme", `[{"recording": "a.rrd", "theme": "blue"}]`, []string{`"theme"`, `"blue" is not dark or light`}},
		{"bad panel", `[{"recording": "a.rrd", "panel_states": {"side": "hidden"}}]`, []string{`"panel_states"`, "side"}},
		{"bad panel state", `[{"recording": "a.rrd", "panel_states": {"time": "open"}}]`, []string{`"panel_states"`, `"open" is not hidden`}},
		{"bad max_diff", `[{"recording": "a.rrd", "max_diff": 2}]`, []string{`"max_diff"`, "not a fraction"}},
		{"bad timeout", `[{"recording": "a.rrd", "timeout": "soon"}]`, []string{`"timeout"`, "not a positive duration"}},
		{"bad name", `[{"recording": "a.rrd", "name": "a/b"}]`, []string{`"name"`, "names files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "s.json")
			os.WriteFile(path, []byte(tt.json), 0o644)
			var got string
			scs, err := ReadScenarios(path)
			if err == nil {
				var sc *scenario
				sc, err = scs[0].resolve(d, "scenario 1 ("+scs[0].Recording+")")
				if err == nil {
					got = fmt.Sprint(sc.Name, " ", sc.Sizes, " ", sc.At, " ", sc.MaxDiff, " ", sc.Timeout)
					if sc.Theme != "" {
						got += " " + sc.Theme
					}
					if sc.PanelStates != nil {
						got += fmt.Sprint(" ", sc.PanelStates)
					}
					if want := filepath.Join(dir, "a.rrd"); sc.source != want {
						t.Errorf("recording %s, want it relative to the file: %s", sc.source, want)
					}
				}
			}
			if err != nil {
				got = err.Error()
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to say %q", got, w)
				}
			}
		})
	}
}

// TestShardsAreStable splits names over shards: every name is in exactly
// one, and adding names moves none of the others.
func TestShardsAreStable(t *testing.T) {
	where := func(name string, n int) int {
		in := 0
		for i := 1; i <= n; i++ {
			if (Shard{i, n}).has(name) {
				if in != 0 {
					t.Fatalf("%s is in shards %d and %d of %d", name, in, i, n)
				}
				in = i
			}
		}
		if in == 0 {
			t.Fatalf("%s is in no shard of %d", name, n)
		}
		return in
	}
	before := map[string]int{}
	sizes := map[int]int{}
	for i := range 200 {
		name := fmt.Sprintf("recording-%d", i)
		before[name] = where(name, 4)
		sizes[before[name]]++
	}
	for i := 200; i < 220; i++ {
		where(fmt.Sprintf("recording-%d", i), 4)
	}
	for name, shard := range before {
		if where(name, 4) != shard {
			t.Errorf("%s moved", name)
		}
	}
	for i := 1; i <= 4; i++ {
		if sizes[i] < 30 {
			t.Errorf("shard %d of 4 has %d of 200 names", i, sizes[i])
		}
	}
	for _, bad := range []string{"0/2", "3/2", "1", "a/b", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) took it", bad)
		}
	}
}

// TestREADMEScenarioExample holds the README's scenario file example to
// what ReadScenarios accepts.
func TestREADMEScenarioExample(t *testing.T) {
	example, err := readme.Block("### Scenarios, moments, workers, shards", "json")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "scenarios.json")
	if err := os.WriteFile(file, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	scs, err := ReadScenarios(file)
	if err != nil {
		t.Fatalf("the README's example: %v", err)
	}
	d := defaults{size: Size{1024, 768}, maxDiff: DefaultMaxDiff, timeout: time.Minute}
	for i, s := range scs {
		if _, err := s.resolve(d, fmt.Sprintf("scenario %d", i+1)); err != nil {
			t.Errorf("the README's example: %v", err)
		}
	}
}
