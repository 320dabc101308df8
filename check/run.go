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

	"github.com/gorerun/loader/internal/headless"
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

// BuildRun is one build's run of one recording.
type BuildRun struct {
	Build   string `json:"build"`   // "candidate" or "baseline"
	Reached string `json:"reached"` // the last phase: "loading", "ready", "open", "settled"
	// Failure is the Viewer's or the loader's own message when the page
	// failed (a crash, a start that failed), or why the run stopped.
	Failure string `json:"failure,omitempty"`
	// TimedOut is whether the run ran out of --timeout.
	TimedOut bool `json:"timed_out,omitempty"`
	// Times are from the page's start, in milliseconds: the module import
	// and the Viewer's download, compile and start, then the recording.
	ReadyMS  float64 `json:"ready_ms,omitempty"`
	OpenMS   float64 `json:"open_ms,omitempty"`
	SettleMS float64 `json:"settle_ms,omitempty"`
	// RendererBytes is the resident memory of the browser's renderer
	// processes with this page alone open, once it settled.
	RendererBytes int64 `json:"renderer_bytes,omitempty"`
	// TimeControl is the timeline and range it was paused at, or why the
	// timeline could not be paused.
	TimeControl string  `json:"time_control,omitempty"`
	Screenshot  string  `json:"screenshot,omitempty"` // a file in the output folder
	Events      []Event `json:"events"`
	// Console is what the page logged but debug lines, which are only
	// counted.
	Console    []ConsoleLine `json:"console"`
	DebugLines int           `json:"debug_lines"`

	png []byte
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
	Phase       string  `json:"phase"`
	Failure     string  `json:"failure"`
	ReadyMS     float64 `json:"readyMs"`
	OpenMS      float64 `json:"openMs"`
	TimeControl string  `json:"timeControl"`
	// OpenedAt is when the page asked the Viewer to open the recording,
	// in milliseconds since the epoch, as console messages are stamped.
	OpenedAt float64 `json:"openedAt"`
	// ActiveRecording is the Viewer's active recording, "" while it has
	// none: a recording that never got one had nothing to open.
	ActiveRecording string  `json:"activeRecording"`
	Events          []Event `json:"events"`
}

// giveUpAfterError is how long a Viewer that logged an error after it
// started has to open the recording anyway: a recording the Viewer cannot
// read is reported this long after its first error, not after --timeout.
const giveUpAfterError = 3 * time.Second

// settleEvery is the pause between the screenshots compared to tell
// whether the Viewer stopped drawing anything new.
const settleEvery = 250 * time.Millisecond

// runOne opens a cold tab on the check page for build b and recording r,
// waits until the recording opens, pauses it at the end of its timeline,
// waits until two screenshots in a row are identical, and measures.
func runOne(ctx context.Context, browser *headless.Browser, pageOrigin string, b *viewerBuild, r *recording, opts *Options) *BuildRun {
	run := &BuildRun{Build: b.role, Reached: "loading"}
	if b.broken != nil {
		run.Failure = "The Rerun Viewer could not start: " + b.broken.Error()
		return run
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	tab, err := browser.NewTab()
	if err != nil {
		run.Failure = err.Error()
		return run
	}
	defer tab.Close()
	defer run.keepConsole(tab)
	// A tab's context ends with --timeout: every page call returns then.
	stop := context.AfterFunc(ctx, cancelTab(tab))
	defer stop()
	if err := openCheckPage(tab, pageOrigin, b, r, opts); err != nil {
		run.Failure = err.Error()
		return run
	}

	state, err := waitOpen(ctx, tab)
	run.apply(state)
	if err != nil {
		run.stopped(ctx, err)
		return run
	}
	if run.Failure != "" {
		return run
	}

	settleStart := time.Now()
	png, err := settle(ctx, tab, run)
	if err != nil {
		if s, perr := readState(tab); perr == nil {
			run.apply(s)
		}
		if run.Failure == "" {
			run.stopped(ctx, err)
		}
		return run
	}
	run.png = png
	run.Reached = "settled"
	run.SettleMS = float64(time.Since(settleStart).Milliseconds())
	if rss, err := tab.RendererRSS(); err == nil {
		run.RendererBytes = rss
	}
	// A crash while settling still counts.
	if s, err := readState(tab); err == nil {
		run.apply(s)
	}
	return run
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
// and recording r.
func openCheckPage(tab *headless.Tab, pageOrigin string, b *viewerBuild, r *recording, opts *Options) error {
	if _, err := chromedp.Run(tab.Ctx, chromedp.EmulateViewport(int64(opts.Width), int64(opts.Height))); err != nil {
		return fmt.Errorf("set the window to %dx%d: %v", opts.Width, opts.Height, err)
	}
	// The Viewer tells what a URL holds by its extension.
	q := url.Values{"widget": {b.url}, "recording": {"/rrd/" + r.Name + ".rrd"}}
	if opts.Theme != "" {
		q.Set("theme", opts.Theme)
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
	if s.TimeControl != "" {
		run.TimeControl = s.TimeControl
	}
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

// stopped records why a run ended early: its timeout, or another error.
func (run *BuildRun) stopped(ctx context.Context, err error) {
	if ctx.Err() != nil {
		run.TimedOut = true
		run.Failure = "timed out; reached " + run.progress()
		return
	}
	run.Failure = err.Error()
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

func readState(tab *headless.Tab) (pageState, error) {
	return headless.Eval[pageState](tab, `(({phase, failure, readyMs, openMs, timeControl, openedAt, events, viewer}) => {
		let activeRecording = "";
		try { activeRecording = viewer?.get_active_recording_id() ?? ""; } catch {}
		return {phase, failure, readyMs, openMs, timeControl, openedAt, events, activeRecording};
	})(window.check ?? {phase: "loading", events: []})`)
}

// waitOpen polls the page until the recording opened or the page failed.
// When the Viewer complained after it was asked to open the recording, it
// has giveUpAfterError more to open it; then the run fails with the
// Viewer's own messages.
func waitOpen(ctx context.Context, tab *headless.Tab) (pageState, error) {
	var firstComplaint time.Time
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := readState(tab)
		if err != nil {
			return s, err
		}
		if s.Phase == "open" || s.Phase == "failed" {
			return s, nil
		}
		if s.Phase == "ready" && s.OpenedAt > 0 {
			if msgs := complaints(tab.Console(), s.OpenedAt, s.ActiveRecording == ""); len(msgs) > 0 {
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

// settle pauses the timeline at the end of its range and takes
// screenshots until two in a row are identical and the range stopped
// growing, and returns the last.
func settle(ctx context.Context, tab *headless.Tab, run *BuildRun) ([]byte, error) {
	var prevShot []byte
	prevRange := ""
	for {
		rng, err := headless.Eval[string](tab, `window.check.settle()`)
		if err != nil {
			return nil, err
		}
		run.TimeControl = rng
		shot, err := tab.Screenshot()
		if err != nil {
			return nil, err
		}
		if s, err := readState(tab); err == nil && s.Phase == "failed" {
			return nil, errors.New(s.Failure)
		}
		if prevShot != nil && rng == prevRange && bytes.Equal(shot, prevShot) {
			return shot, nil
		}
		prevShot, prevRange = shot, rng
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(settleEvery):
		}
	}
}
