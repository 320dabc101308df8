package check

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/names"
)

//go:embed page
var pageFiles embed.FS

// page is the check page: check.html and check.js.
var page = func() fs.FS {
	sub, err := fs.Sub(pageFiles, "page")
	if err != nil {
		panic(err) // the embedded folder is there at build time
	}
	return sub
}()

// checkJS is check.js with the Viewer's event names filled in.
var checkJS = func() []byte {
	src, err := fs.ReadFile(page, "check.js")
	if err != nil {
		panic(err) // embedded at build time
	}
	events, _ := json.Marshal(names.ViewerEvents) // strings always marshal
	return bytes.ReplaceAll(src, []byte("__VIEWER_EVENTS__"), events)
}()

// pageServer serves the check page and the recordings (/rrd/NAME) on a
// loopback origin of their own.
func pageServer(recs []*recording) (origin string, closeFn func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServerFS(page))
	mux.HandleFunc("/check.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(checkJS)
	})
	byName := map[string]*recording{}
	for _, r := range recs {
		byName[r.Name] = r
	}
	mux.HandleFunc("/rrd/{file}", func(w http.ResponseWriter, req *http.Request) {
		name, _ := strings.CutSuffix(req.PathValue("file"), ".rrd")
		r, ok := byName[name]
		if !ok {
			http.NotFound(w, req)
			return
		}
		f, err := os.Open(r.path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, req, r.Name+".rrd", fi.ModTime(), f)
	})
	return listen(mux)
}

// Event is something the Viewer or the page reported, in order.
type Event struct {
	Type   string  `json:"type"`
	MS     float64 `json:"ms"` // since the page started
	Detail string  `json:"detail,omitempty"`
	Count  int     `json:"count,omitempty"` // of a run of time_update
}

// ConsoleLine is one console message, uncaught exception or browser log
// entry.
type ConsoleLine struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// BuildRun is one build's run of one scenario at one size.
type BuildRun struct {
	Build   string `json:"build"`   // "candidate" or "baseline"
	Reached string `json:"reached"` // the last phase: "loading", "ready", "open", "settled"
	// Failure is the Viewer's or the loader's own message when the page
	// failed (a crash, a start that failed), or why the run stopped.
	Failure string `json:"failure,omitempty"`
	// TimedOut is whether the run ran out of --timeout, Busy whether it
	// did so while the page worked without answering (its renderer used
	// CPU); Hung whether the page stopped answering and its renderer did
	// no work; RendererCrashed whether its renderer process died;
	// BrowserRestarted whether the browser died in an earlier try of this
	// run and was started again.
	TimedOut         bool `json:"timed_out,omitempty"`
	Busy             bool `json:"busy,omitempty"`
	Hung             bool `json:"hung,omitempty"`
	RendererCrashed  bool `json:"renderer_crashed,omitempty"`
	BrowserRestarted bool `json:"browser_restarted,omitempty"`
	// Times are from the page's start, in milliseconds: the module import
	// and the Viewer's download, compile and start, then the recording.
	ReadyMS float64 `json:"ready_ms,omitempty"`
	OpenMS  float64 `json:"open_ms,omitempty"`
	// RendererBytes is the resident memory of the browser's renderer
	// processes once the run settled (with other workers' tabs, when
	// several run at once).
	RendererBytes int64 `json:"renderer_bytes,omitempty"`
	// Shots are the screenshots, one per moment, in the scenario's order.
	Shots []*ShotRun `json:"shots"`
	// Frame intervals while the timeline played, in milliseconds: their
	// median and 95th percentile, of Frames frames.
	FrameP50MS float64 `json:"frame_p50_ms,omitempty"`
	FrameP95MS float64 `json:"frame_p95_ms,omitempty"`
	Frames     int     `json:"frames,omitempty"`
	Events     []Event `json:"events"`
	// Console is what the page logged but debug lines, which are only
	// counted.
	Console    []ConsoleLine `json:"console"`
	DebugLines int           `json:"debug_lines"`

	doing   string        // what the run was doing, for the message of a crash or hang
	timeout time.Duration // the run's, for the message of a busy page
	empty   []byte        // the Viewer's picture before it got the recording
}

// ShotRun is the screenshot at one moment.
type ShotRun struct {
	Moment Moment `json:"moment"`
	// At is where the timeline was put: "TIMELINE T of MIN..MAX".
	At         string  `json:"at,omitempty"`
	Problem    string  `json:"problem,omitempty"` // why the moment could not be shown
	SettleMS   float64 `json:"settle_ms,omitempty"`
	Screenshot string  `json:"screenshot,omitempty"` // a file in the output folder

	png []byte
}

// shot is the run's screenshot at m, nil when it has none.
func (r *BuildRun) shot(m Moment) *ShotRun {
	for _, s := range r.Shots {
		if s.Moment == m {
			return s
		}
	}
	return nil
}

// Crashed reports whether the Viewer panicked, and its message.
func (r *BuildRun) Crashed() (string, bool) {
	msg, ok := strings.CutPrefix(r.Failure, names.CrashTitle)
	return strings.TrimPrefix(msg, ": "), ok
}

// ConsoleErrors returns the console errors and uncaught exceptions.
func (r *BuildRun) ConsoleErrors() []ConsoleLine {
	var out []ConsoleLine
	for _, c := range r.Console {
		if c.Type == string(chromedp.ConsoleError) || c.Type == string(chromedp.ConsoleException) {
			out = append(out, c)
		}
	}
	return out
}

// pageState is window.check as the Go side reads it.
type pageState struct {
	Phase   string  `json:"phase"`
	Failure string  `json:"failure"`
	ReadyMS float64 `json:"readyMs"`
	OpenMS  float64 `json:"openMs"`
	// OpenedAt is when the page asked the Viewer to open the recording,
	// in milliseconds since the epoch, as console messages are stamped.
	OpenedAt float64 `json:"openedAt"`
	// ActiveRecording is the Viewer's active recording, "" while it has
	// none: a recording that never got one had nothing to open.
	ActiveRecording string  `json:"activeRecording"`
	Events          []Event `json:"events"`
	// AwaitingRecording is whether the Viewer runs and the page waits
	// for window.check.sendRecording() to send it the recording.
	AwaitingRecording bool `json:"awaitingRecording"`
}

// giveUpAfterError is how long a Viewer that logged an error after it
// started has to open the recording anyway: a recording the Viewer cannot
// read is reported this long after its first error, not after --timeout.
const giveUpAfterError = 3 * time.Second

// settleEvery is the pause between the screenshots compared to tell
// whether the Viewer stopped drawing anything new.
const settleEvery = 250 * time.Millisecond

// Why a run's context ended, when not by its caller.
var (
	errTimedOut        = errors.New("timed out")
	errRendererCrashed = errors.New("the renderer crashed")
)

// runWithRestart runs b on j, and once more in a new browser when the
// browser died under it.
func (r *runner) runWithRestart(ctx context.Context, b *viewerBuild, j *job, attempt int) *BuildRun {
	run, dead := r.runOne(ctx, b, j, attempt)
	if dead == nil || ctx.Err() != nil {
		return run
	}
	fmt.Fprintf(r.log, "       the browser died during %s (%s); starting it again\n", j.name(), run.Failure)
	if err := r.browsers.restart(dead); err != nil {
		run.Failure += "; " + err.Error()
		return run
	}
	again, _ := r.runOne(ctx, b, j, attempt)
	again.BrowserRestarted = true
	return again
}

// runOne opens a cold tab on the check page for build b and job j, waits
// until the recording opens, takes a settled screenshot at each moment,
// plays the timeline and measures. It returns the browser when the
// browser itself died.
func (r *runner) runOne(ctx context.Context, b *viewerBuild, j *job, attempt int) (*BuildRun, *headless.Browser) {
	run := &BuildRun{Build: b.role, Reached: "loading", doing: "loading the Viewer", timeout: j.scenario.Timeout}
	if b.broken != nil {
		run.Failure = names.StartFailedTitle + ": " + b.broken.Error()
		return run, nil
	}
	tab, br, err := r.browsers.newTab()
	if err != nil {
		run.Failure = err.Error()
		if !br.Alive() {
			return run, br
		}
		return run, nil
	}
	defer tab.Close()
	defer run.keepConsole(tab)
	ctx, cancel := context.WithTimeoutCause(ctx, j.scenario.Timeout, errTimedOut)
	defer cancel()
	ctx, crash := context.WithCancelCause(ctx)
	defer crash(nil)
	go func() {
		select {
		case <-tab.Crashed():
			crash(errRendererCrashed)
		case <-ctx.Done():
		}
	}()
	// A tab's context ends with the run's: every page call returns then.
	stop := context.AfterFunc(ctx, cancelTab(tab))
	defer stop()
	p := &pageCalls{ctx: ctx, tab: tab, hang: r.opts.HangAfter}
	died := func() *headless.Browser {
		if run.Failure != "" && !run.RendererCrashed && !br.Alive() {
			return br
		}
		return nil
	}

	if err := openCheckPage(tab, r.pageOrigin, b, j); err != nil {
		run.stopped(ctx, err)
		return run, died()
	}
	// Found now, while the page answers, the renderer process tells a
	// busy page from a hung one later. Should it fail, the page calls
	// look for it again, and without it a page that does not answer for
	// HangAfter is hung, as if it did no work.
	tab.RendererPID()

	if err := run.takeEmpty(ctx, p); err != nil || run.Failure != "" {
		if err != nil {
			run.stopped(ctx, err)
		}
		return run, died()
	}
	run.doing = "opening " + j.scenario.Recording.Name
	state, err := waitOpen(ctx, p)
	run.apply(state)
	if err != nil {
		run.stopped(ctx, err)
		return run, died()
	}
	if run.Failure != "" {
		return run, nil
	}
	if r.opts.sabotage != nil {
		r.opts.sabotage(tab, j, attempt)
	}

	for _, m := range j.scenario.At {
		run.doing = "taking the screenshot at " + m.String()
		settleStart := time.Now()
		shot := &ShotRun{Moment: m}
		png, err := settle(ctx, p, shot)
		if err != nil {
			if s, perr := p.state(); perr == nil {
				run.apply(s)
			}
			if run.Failure == "" {
				run.stopped(ctx, err)
			}
			return run, died()
		}
		shot.png = png
		shot.SettleMS = float64(time.Since(settleStart).Milliseconds())
		run.Shots = append(run.Shots, shot)
	}
	run.Reached = "settled"
	if r.opts.PlayFor > 0 {
		run.doing = "playing the timeline"
		intervals, err := eval[[]float64](p, fmt.Sprintf("window.check.play(%d)", r.opts.PlayFor.Milliseconds()))
		if err != nil {
			run.stopped(ctx, err)
			return run, died()
		}
		if len(intervals) > 0 {
			run.Frames = len(intervals)
			run.FrameP50MS = intervals[len(intervals)/2]
			run.FrameP95MS = intervals[min(len(intervals)-1, len(intervals)*95/100)]
		}
	}
	if rss, err := tab.RendererRSS(); err == nil {
		run.RendererBytes = rss
	}
	// A crash while settling still counts.
	if s, err := p.state(); err == nil {
		run.apply(s)
	}
	return run, nil
}

// pageCalls asks the page questions and waits for each answer as long as
// the page's renderer works and the run lasts: a page that does not
// answer and whose renderer does no work for hang is hung.
type pageCalls struct {
	ctx  context.Context // the run's
	tab  *headless.Tab
	hang time.Duration
}

func eval[T any](p *pageCalls, expr string) (T, error) {
	return headless.EvalWhileWorking[T](p.ctx, p.tab, p.hang, expr)
}

func (p *pageCalls) state() (pageState, error) {
	return eval[pageState](p, `(({phase, failure, readyMs, openMs, openedAt, events, viewer, awaitingRecording}) => {
		let activeRecording = "";
		try { activeRecording = viewer?.get_active_recording_id() ?? ""; } catch {}
		return {phase, failure, readyMs, openMs, openedAt, events, activeRecording, awaitingRecording};
	})(window.check ?? {phase: "loading", events: []})`)
}

func (p *pageCalls) screenshot() ([]byte, error) {
	return headless.WhileWorking(p.ctx, p.tab, p.hang, func(ctx context.Context) ([]byte, error) {
		return chromedp.Run(ctx, chromedp.CaptureScreenshot())
	})
}

// keepConsole records what the tab logged but debug lines: the Viewer
// logs thousands of them (shader compilation) that say nothing about a
// regression.
func (run *BuildRun) keepConsole(tab *headless.Tab) {
	for _, m := range tab.Console() {
		if m.Type == chromedp.ConsoleDebug {
			run.DebugLines++
			continue
		}
		run.Console = append(run.Console, ConsoleLine{Type: string(m.Type), Text: strings.TrimSpace(m.Text)})
	}
}

// openCheckPage sizes the tab and opens the check page on it for build b
// and job j.
func openCheckPage(tab *headless.Tab, pageOrigin string, b *viewerBuild, j *job) error {
	if _, err := chromedp.Run(tab.Ctx, chromedp.EmulateViewport(int64(j.size.W), int64(j.size.H))); err != nil {
		return fmt.Errorf("set the window to %s: %v", j.size, err)
	}
	// The Viewer tells what a URL holds by its extension.
	q := url.Values{"widget": {b.url}, "recording": {"/rrd/" + j.scenario.Recording.Name + ".rrd"}, "empty": {"1"}}
	if j.scenario.Theme != "" {
		q.Set("theme", j.scenario.Theme)
	}
	if len(j.scenario.PanelStates) > 0 {
		panels, _ := json.Marshal(j.scenario.PanelStates) // strings always marshal
		q.Set("panels", string(panels))
	}
	return tab.Navigate(pageOrigin + "/check.html?" + q.Encode())
}

func cancelTab(tab *headless.Tab) func() {
	return func() {
		// Closing the tab ends every call pending on it.
		go tab.Close()
	}
}

// apply takes what the page reported.
func (run *BuildRun) apply(s pageState) {
	run.Events = s.Events
	run.ReadyMS, run.OpenMS = s.ReadyMS, s.OpenMS
	if s.Failure != "" {
		run.Failure = s.Failure
	}
	switch s.Phase {
	case "ready", "open":
		if run.Reached != "settled" {
			run.Reached = s.Phase
		}
	}
}

// stopped records why a run ended early: its timeout (while the page
// was busy, or not), a crashed renderer, a hung page, or another error.
func (run *BuildRun) stopped(ctx context.Context, err error) {
	var noAnswer *headless.NoAnswerError
	errors.As(err, &noAnswer)
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errRendererCrashed):
		run.RendererCrashed = true
		run.Failure = "the renderer crashed while " + run.doing
	case errors.Is(cause, errTimedOut) && noAnswer != nil && !noAnswer.Hung:
		run.TimedOut, run.Busy = true, true
		run.Failure = fmt.Sprintf("the page was busy (its renderer used %.1f s of CPU in the last %.1f s, without answering) and did not finish within --timeout %v while %s; reached %s",
			noAnswer.CPU.Seconds(), noAnswer.Sampled.Seconds(), run.timeout, run.doing, run.progress())
	case errors.Is(cause, errTimedOut):
		run.TimedOut = true
		run.Failure = "timed out; reached " + run.progress()
	case noAnswer != nil && noAnswer.Hung:
		run.Hung = true
		run.Failure = noAnswer.Error() + " while " + run.doing
	case ctx.Err() != nil:
		run.Failure = "stopped: " + ctx.Err().Error()
	default:
		run.Failure = err.Error()
	}
}

// progress says how far a run got, with times.
func (run *BuildRun) progress() string {
	switch run.Reached {
	case "loading":
		return "nothing: the Viewer did not reach ready"
	case "ready":
		return fmt.Sprintf("ready (%.1f s) but no recording_open", run.ReadyMS/1000)
	case "open":
		return fmt.Sprintf("recording_open (%.1f s) but the picture kept changing", run.OpenMS/1000)
	}
	return run.Reached
}

// takeEmpty waits until the Viewer runs, takes the settled picture of its
// empty state, for the draws check, and has the page send it the
// recording.
func (run *BuildRun) takeEmpty(ctx context.Context, p *pageCalls) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := p.state()
		if err != nil {
			return err
		}
		if run.apply(s); run.Failure != "" {
			return nil
		}
		if s.AwaitingRecording {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	run.doing = "taking the picture of the Viewer's empty state"
	empty, err := settle(ctx, p, &ShotRun{Moment: endOfTimeline})
	if err != nil {
		return err
	}
	run.empty = empty
	_, err = eval[bool](p, `(window.check.sendRecording(), true)`)
	return err
}

// waitOpen polls the page until the recording opened or the page failed.
// When the Viewer complained after it was asked to open the recording, it
// has giveUpAfterError more to open it; then the run fails with the
// Viewer's own messages.
func waitOpen(ctx context.Context, p *pageCalls) (pageState, error) {
	var firstComplaint time.Time
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := p.state()
		if err != nil {
			return s, err
		}
		if s.Phase == "open" || s.Phase == "failed" {
			return s, nil
		}
		if s.Phase == "ready" && s.OpenedAt > 0 {
			if msgs := complaints(p.tab.Console(), s.OpenedAt, s.ActiveRecording == ""); len(msgs) > 0 {
				if firstComplaint.IsZero() {
					firstComplaint = time.Now()
				} else if time.Since(firstComplaint) > giveUpAfterError {
					s.Failure = "the Viewer could not open the recording: " + strings.Join(msgs, "; ")
					return s, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-tick.C:
		}
	}
}

// viewerLog is a warning or error of the Viewer's Rust logger, as it
// reaches the console: " WARN re_viewer::web: Failed to open URL: …".
var viewerLog = regexp.MustCompile(`^\s*(WARN|ERROR) [A-Za-z0-9_:]+: `)

// sourceFinished is the Viewer's debug line once it read a data source to
// its end: "DEBUG re_viewer::app: Data source … has finished".
var sourceFinished = regexp.MustCompile(`^\s*DEBUG re_viewer::[a-z_:]+: Data source .* has finished`)

// noRecording is the complaint about a source the Viewer read to its end
// without finding a recording in it.
const noRecording = "the Viewer read the whole file and found no recording in it (is it truncated?)"

// complaints returns the errors, exceptions and Viewer warnings logged
// since openedAt (milliseconds since the epoch), and whether the Viewer
// finished reading the recording while it has none (noneOpen).
func complaints(console []chromedp.ConsoleMessage, openedAt float64, noneOpen bool) []string {
	var msgs []string
	for _, m := range console {
		if float64(m.Time.UnixMilli()) < openedAt {
			continue
		}
		switch {
		case m.Type == chromedp.ConsoleError || m.IsException() || viewerLog.MatchString(m.Text):
			msgs = append(msgs, strings.TrimSpace(m.Text))
		case noneOpen && sourceFinished.MatchString(m.Text):
			// The Viewer opens a recording in the frame after it read
			// the data, and that frame can take seconds (shaders compile
			// for a 3D view): giveUpAfterError covers it.
			msgs = append(msgs, noRecording)
		}
	}
	return msgs
}

// settle pauses the timeline at shot's moment and takes screenshots until
// two in a row are identical and the range stopped growing, and returns
// the last. A moment the recording cannot show is shot.Problem, not an
// error: the picture is still taken.
func settle(ctx context.Context, p *pageCalls, shot *ShotRun) ([]byte, error) {
	var prevShot []byte
	prevAt := ""
	moment, _ := json.Marshal(map[string]any{"timeline": shot.Moment.Timeline, "kind": shot.Moment.Kind, "value": shot.Moment.Value})
	for {
		placed, err := eval[struct{ At, Problem string }](p, `window.check.settle(`+string(moment)+`)`)
		if err != nil {
			return nil, err
		}
		shot.At, shot.Problem = placed.At, placed.Problem
		png, err := p.screenshot()
		if err != nil {
			return nil, err
		}
		if s, err := p.state(); err == nil && s.Phase == "failed" {
			return nil, errors.New(s.Failure)
		}
		if prevShot != nil && placed.At == prevAt && bytes.Equal(png, prevShot) {
			return png, nil
		}
		prevShot, prevAt = png, placed.At
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(settleEvery):
		}
	}
}
