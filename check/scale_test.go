package check

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/gorerun/loader/headless"
)

// verdicts are a report's testcases and their statuses, in order.
func verdicts(rep *Report) []string {
	var out []string
	for _, res := range rep.Results {
		for _, key := range res.testcases() {
			status, _, _ := res.testcase(key)
			out = append(out, res.Name+"."+key+"="+status)
		}
	}
	return out
}

// TestScenariosWorkersShards runs a scenario file of two moments and two
// sizes of one recording, and another recording: goldens recorded with one
// worker; the same with two workers, against the goldens, one of which is
// of another recording; then as two shards merged. The verdicts are the
// same each time, in the same order, the pictures identical (0 differing
// pixels but the wrong golden's), and approve puts the candidate in place
// of the wrong golden.
func TestScenariosWorkersShards(t *testing.T) {
	dir := t.TempDir()
	scenarios := filepath.Join(dir, "scenarios.json")
	os.WriteFile(scenarios, []byte(fmt.Sprintf(`[
		{"recording": %q, "name": "series", "sizes": ["640x480", "800x600"], "at": ["start", "50%%"]},
		{"recording": %q}
	]`, fixture(t, plots), fixture(t, textLog))), 0o644)
	scs, err := ReadScenarios(scenarios)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(dir, "golden")
	opts := options(t)
	opts.Scenarios, opts.Golden, opts.UpdateGolden = scs, golden, true
	first := run(t, opts)
	if first.Failed() || len(first.Results) != 3 {
		t.Fatalf("recording goldens: %s, %d results", first.Summary(), len(first.Results))
	}
	var pngs []string
	for _, p := range must(filepath.Glob(filepath.Join(golden, "*.png"))) {
		pngs = append(pngs, filepath.Base(p))
	}
	want := []string{"JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log-800x600.png",
		"series@50pct-640x480.png", "series@50pct-800x600.png", "series@start-640x480.png", "series@start-800x600.png"}
	if !slices.Equal(pngs, want) {
		t.Fatalf("goldens %q, want %q", pngs, want)
	}
	start := must(os.ReadFile(filepath.Join(golden, "series@start-640x480.png")))
	middle := must(os.ReadFile(filepath.Join(golden, "series@50pct-640x480.png")))
	if bytes.Equal(start, middle) {
		t.Error("the screenshots at the start and at 50% are the same: the moment was not shown")
	}
	// A wrong golden: the start's picture for the middle.
	wrong := filepath.Join(golden, "series@50pct-800x600.png")
	os.WriteFile(wrong, must(os.ReadFile(filepath.Join(golden, "series@start-800x600.png"))), 0o644)

	opts.UpdateGolden, opts.Out, opts.Workers = false, filepath.Join(dir, "two"), 2
	two := run(t, opts)
	wantVerdicts := verdicts(first)
	for i, v := range wantVerdicts {
		if strings.HasPrefix(v, "series.series@50%#800x600=") {
			wantVerdicts[i] = "series.series@50%#800x600=" + Failed
		}
	}
	if got := verdicts(two); !slices.Equal(got, wantVerdicts) {
		t.Errorf("two workers: %q\nwant %q", got, wantVerdicts)
	}
	for _, res := range two.Results {
		for _, s := range res.Shots {
			if s.Golden == nil || (s.Testcase != "series@50%#800x600" && s.Golden.Pixels != 0) {
				t.Errorf("%s: %+v differs from its golden", s.Testcase, s.Golden)
			}
		}
	}

	var shards []string
	for i := 1; i <= 2; i++ {
		o := opts
		o.Shard, o.Out, o.Workers = Shard{i, 2}, filepath.Join(dir, fmt.Sprintf("shard-%d", i)), 1
		if _, err := Run(t.Context(), o); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		shards = append(shards, o.Out)
	}
	merged, err := Merge(filepath.Join(dir, "merged"), shards)
	if err != nil {
		t.Fatal(err)
	}
	if got := verdicts(merged); !slices.Equal(got, wantVerdicts) {
		t.Errorf("merged shards: %q\nwant %q", got, wantVerdicts)
	}
	if merged.DurationMS <= 0 {
		t.Errorf("the merged report took %v ms: want the longest shard's time", merged.DurationMS)
	}
	again, err := ReadReport(filepath.Join(dir, "merged"))
	if err != nil {
		t.Fatal(err)
	}
	if got := verdicts(again); !slices.Equal(got, wantVerdicts) {
		t.Errorf("merged report.json: %q", got)
	}
	for _, res := range again.Results {
		for _, f := range res.images() {
			if _, err := os.Stat(filepath.Join(dir, "merged", f)); err != nil {
				t.Errorf("merged report lacks %s", f)
			}
		}
	}
	checkJUnit(t, filepath.Join(dir, "merged", JUnitFile), merged)
	if _, err := Merge(filepath.Join(dir, "bad"), []string{shards[0], opts.Out + "-missing"}); err == nil {
		t.Error("merged a folder with no report")
	}
	if _, err := Merge(filepath.Join(dir, "bad"), []string{shards[0], shards[0]}); err == nil || !strings.Contains(err.Error(), "are both shard 1/2") {
		t.Errorf("merging shard 1/2 twice: %v", err)
	}
	// A shard whose job died: the rest merges, and says it is incomplete.
	partial, err := Merge(filepath.Join(dir, "partial"), shards[:1])
	if err != nil || !slices.Equal(partial.MissingShards, []string{"2/2"}) || !partial.Failed() ||
		!strings.Contains(partial.Summary(), "no report of shard 2/2") {
		t.Errorf("merge of shard 1/2 alone: %v, missing %q, %q", err, partial.MissingShards, partial.Summary())
	}
	if junit := string(must(os.ReadFile(filepath.Join(dir, "partial", JUnitFile)))); !strings.Contains(junit, `name="shard 2/2"`) {
		t.Error("the merged junit.xml has no failed testcase for the missing shard")
	}

	approved, err := Approve(filepath.Join(dir, "merged"), nil)
	if err != nil || len(approved) != 1 || approved[0].Golden != wrong {
		t.Fatalf("approve = %+v, %v; want the wrong golden replaced", approved, err)
	}
	var candidate string
	for _, res := range merged.Results {
		for _, s := range res.Shots {
			if s.Testcase == "series@50%#800x600" {
				candidate = s.Candidate
			}
		}
	}
	if !bytes.Equal(must(os.ReadFile(wrong)), must(os.ReadFile(filepath.Join(dir, "merged", candidate)))) {
		t.Error("approve did not copy the candidate over the golden")
	}
	if _, err := Approve(filepath.Join(dir, "merged"), []string{"nosuch@end#1x1"}); err == nil || !strings.Contains(err.Error(), "no screenshot nosuch@end#1x1") {
		t.Errorf("approve of an unknown name: %v", err)
	}
}

// TestCrashHangAndFlaky breaks runs on purpose in the middle of a check
// of six recordings on two workers: one renderer crashes; one page hangs
// (its main thread waits on a request that never comes back, doing no
// work); one computes for twice the hang interval before it answers
// again, which is busy, not hung; one logs an error on its first try only;
// one hides the Viewer, which fails draws. Each of them gets its verdict
// with the reason, the busy one passes as the others do, the flaky one is
// flaky in report.json and JUnit, and the report fails. A seventh, of
// static data only, shows that any moment of it passes but one on a
// timeline it lacks.
func TestCrashHangAndFlaky(t *testing.T) {
	opts := options(t)
	never := neverAnswers(t)
	for _, name := range []string{"fine", "crashes", "hangs", "flaky", "busy", "blank"} {
		opts.Scenarios = append(opts.Scenarios, Scenario{Recording: fixture(t, textLog), Name: name})
	}
	// Static data only: any moment is its one picture, but a timeline
	// asked for by name must be there.
	opts.Scenarios = append(opts.Scenarios, Scenario{Recording: fixture(t, trail), Name: "static", At: []string{"start", "50%", "nosuch:end"}})
	opts.Workers, opts.Retries, opts.HangAfter = 2, 1, 3*time.Second
	opts.sabotage = func(tab *headless.Tab, j *job, attempt int) {
		switch j.scenario.Name {
		case "crashes":
			go chromedp.Run(tab.Ctx, func(ctx context.Context, tt *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, tt, cdppage.Crash, cdp.Empty{}) // never answers
				return chromedp.Void{}, err
			})
		case "hangs":
			headless.Eval[bool](tab, `(setTimeout(() => {
				const x = new XMLHttpRequest();
				x.open("GET", `+headless.JS(never)+`, false);
				x.send();
			}, 0), true)`)
		case "blank":
			// The Viewer draws nothing the screenshot sees.
			headless.Eval[bool](tab, `(document.getElementById("viewer").style.visibility = "hidden", true)`)
		case "busy":
			headless.Eval[bool](tab, `(setTimeout(() => {
				const end = Date.now() + `+headless.JS(2*opts.HangAfter.Milliseconds())+`;
				while (Date.now() < end);
			}, 0), true)`)
		case "flaky":
			if attempt == 0 {
				headless.Eval[bool](tab, `(console.error("a flaky failure"), true)`)
			}
		}
	}
	rep := run(t, opts)
	byName := map[string]*Result{}
	for _, res := range rep.Results {
		byName[res.Name] = res
	}
	if got := []string{rep.Results[0].Name, rep.Results[3].Name}; !slices.Equal(got, []string{"fine", "flaky"}) {
		t.Errorf("report order %v", got)
	}
	if r := byName["fine"]; r.Failed() || r.Flaky || r.Attempts != 1 {
		t.Errorf("fine: %+v", r.Checks)
	}
	if c := check(t, byName["crashes"], CheckNoPanic); c.Status != Failed || !strings.Contains(c.Message, "the renderer crashed while taking the screenshot at end") {
		t.Errorf("crashes: no_panic = %+v", c)
	}
	if r := byName["hangs"]; !r.Candidate.Hung || !strings.Contains(r.Candidate.Failure, "the page did not answer for 3s and its renderer did no work (hung) while") || !r.Failed() {
		t.Errorf("hangs: %+v, %q", r.Checks, r.Candidate.Failure)
	}
	// The busy page did not answer the first screenshot's calls for
	// longer than the hang interval, and was waited for.
	if r := byName["busy"]; r.Failed() || r.Candidate.Hung || len(r.Candidate.Shots) == 0 || r.Candidate.Shots[0].SettleMS < float64(opts.HangAfter.Milliseconds()) {
		t.Errorf("busy: %+v, %q, shots %+v", r.Checks, r.Candidate.Failure, r.Candidate.Shots)
	}
	if c := check(t, byName["blank"], CheckDraws); c.Status != Failed || c.Message != "the picture at end is one flat colour (#000000, 100.0% of pixels): the Viewer drew nothing" {
		t.Errorf("blank: draws = %+v", c)
	}
	if c := check(t, byName["fine"], CheckDraws); c.Status != Passed {
		t.Errorf("fine: draws = %+v", c)
	}
	var settles []string
	for _, c := range byName["static"].Checks {
		if c.Name == CheckSettles {
			msg, _, _ := strings.Cut(c.Message, ": ") // the first problem or settle time
			settles = append(settles, c.Shot+" "+c.Status+" "+msg)
		}
	}
	if want := []string{"static@start#800x600 passed two identical frames after", "static@50%#800x600 passed two identical frames after",
		"static@nosuch:end#800x600 failed nosuch:end"}; !slices.Equal(trimTimes(settles), want) {
		t.Errorf("static: settles\n%q\nwant\n%q", settles, want)
	}
	flaky := byName["flaky"]
	if flaky.Failed() || !flaky.Flaky || flaky.Attempts != 2 || len(flaky.Retries) != 1 {
		t.Errorf("flaky: failed %v, flaky %v, %d attempts", flaky.Failed(), flaky.Flaky, flaky.Attempts)
	}
	if !rep.Failed() || rep.Flaky() != 1 {
		t.Errorf("report failed %v, %d flaky", rep.Failed(), rep.Flaky())
	}
	var doc struct {
		Cases []struct {
			ClassName string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct{}
			Flaky     []struct {
				Message    string `xml:"message,attr"`
				StackTrace string `xml:"stackTrace"`
			} `xml:"flakyFailure"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(must(os.ReadFile(filepath.Join(opts.Out, JUnitFile))), &doc); err != nil {
		t.Fatal(err)
	}
	var flakyCases []string
	for _, c := range doc.Cases {
		if len(c.Flaky) > 0 {
			flakyCases = append(flakyCases, c.ClassName+"."+c.Name+": "+c.Flaky[0].StackTrace)
		}
	}
	if len(flakyCases) != 1 || !strings.HasPrefix(flakyCases[0], "rrd.flaky.no_console_errors#800x600: ") || !strings.Contains(flakyCases[0], "a flaky failure") {
		t.Errorf("JUnit flakyFailure: %q", flakyCases)
	}
	var back struct {
		Results []struct {
			Name  string `json:"name"`
			Flaky bool   `json:"flaky"`
		} `json:"results"`
	}
	json.Unmarshal(must(os.ReadFile(filepath.Join(opts.Out, ReportFile))), &back)
	if len(back.Results) != 7 || !back.Results[3].Flaky {
		t.Errorf("report.json: %+v", back.Results)
	}
}

// neverAnswers returns a URL whose requests are answered only when the
// test ends.
func neverAnswers(t *testing.T) string {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // first: Close waits for the requests
	return srv.URL + "/never"
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// trimTimes cuts "… after 581 ms at …" down to "… after".
func trimTimes(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i], _, _ = strings.Cut(l, " after ")
		if len(out[i]) < len(l) {
			out[i] += " after"
		}
	}
	return out
}

// TestBrowserDiesMidRun kills the whole browser while a recording is
// being checked: it is started again, that recording is checked again in
// the new one and passes, the ones before and after it too, and the
// report says so.
func TestBrowserDiesMidRun(t *testing.T) {
	opts := options(t)
	for _, name := range []string{"before", "dies", "after"} {
		opts.Scenarios = append(opts.Scenarios, Scenario{Recording: fixture(t, textLog), Name: name})
	}
	var killed sync.Once
	opts.sabotage = func(tab *headless.Tab, j *job, attempt int) {
		if j.scenario.Name != "dies" {
			return
		}
		killed.Do(func() {
			if p := chromedp.FromContext(tab.Ctx).Browser.Process(); p != nil {
				p.Kill()
			}
		})
	}
	rep := run(t, opts)
	var got []string
	for _, res := range rep.Results {
		got = append(got, fmt.Sprintf("%s failed=%v restarted=%v", res.Name, res.Failed(), res.Candidate.BrowserRestarted))
	}
	want := []string{"before failed=false restarted=false", "dies failed=false restarted=true", "after failed=false restarted=false"}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%q\nwant\n%q", got, want)
	}
}
