package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gorerun/loader/headless"
)

const (
	// deadline bounds each step of a cell in a page: the element getting
	// ready, a recording opening. A 47 MB Viewer starting, or a 3D view
	// compiling its shaders in SwiftShader, takes tens of seconds on a
	// busy machine.
	deadline = 3 * time.Minute
	// complaintGrace is how long a Viewer that complained after it was
	// sent a recording still has to open it, while its page answers: a
	// recording it cannot read is told from its own messages this long
	// after, not at the deadline, and one it reads with a warning (an
	// older version's stream) still opens.
	complaintGrace = 20 * time.Second
	// drawDeadline is how long an open Viewer's canvas may stay one flat
	// colour before it counts as drawing nothing.
	drawDeadline = time.Minute
	// afterInput is how long a Viewer that waited for input has to open
	// its recording once it got some.
	afterInput = time.Minute
	// pollEvery is the pause between two looks at a page.
	pollEvery = 250 * time.Millisecond
	// maxFlat is the share of a picture one colour may cover when it
	// shows something, as `loader check`'s draws check has it.
	maxFlat = 0.99
)

// A pageViewer is one Viewer in a host page, started for one recording.
type pageViewer interface {
	// open has the Viewer open the recording, if it does not by itself,
	// and returns a JavaScript expression that is true once it opened
	// it, and the time from which what the Viewer says is about it.
	open() (opened string, since time.Time, err error)
	// canvas is the CSS selector of its canvas.
	canvas() string
	// remove takes it off the page.
	remove() error
}

// inPage tries the recordings in tab one after the other, each in a
// Viewer of its own that start puts on the page for it, until one opens,
// and then waits for its picture. A Viewer logs each warning once, so a
// second recording sent to the Viewer that refused the first would be
// refused in silence.
func inPage(ctx context.Context, tab *headless.Tab, recs []string, start func(rec string) (pageViewer, error)) (c cell) {
	for _, rec := range recs {
		v, err := start(rec)
		if err != nil && !c.Ready {
			c.Failure = why(tab, err)
			return c
		}
		if err != nil {
			c.tried(rec, fmt.Errorf("a Viewer for it did not get ready: %s", why(tab, err)))
			continue
		}
		c.Ready = true
		opened, since, err := v.open()
		if err == nil {
			err = awaitOpen(ctx, tab, opened, since, deadline)
		}
		if errors.Is(err, errSilent) && opensOnInput(ctx, tab, v, opened) {
			// The recording is fine and another would wait the same.
			c.Recording = rec
			c.Failure = fmt.Sprintf("opened only after a pointer move over it, not within %v without one", deadline)
			return c
		}
		if err == nil {
			c.opened(rec)
			if err := awaitDrawn(ctx, tab, v.canvas()); err != nil {
				c.Failure = err.Error()
			} else {
				c.Drawn = true
			}
			return c
		}
		c.tried(rec, err)
		if err := v.remove(); err != nil {
			c.Failure = fmt.Sprintf("remove the Viewer that did not open %s: %v", rec, err)
			return c
		}
	}
	return c
}

// opensOnInput reports whether the Viewer that said nothing of the
// recording it was sent opens it once a pointer moves over its canvas: a
// Viewer that handles a new source in its next frame without asking for
// one waits for input to draw that frame.
func opensOnInput(ctx context.Context, tab *headless.Tab, v pageViewer, opened string) bool {
	_, err := headless.Eval[bool](tab, fmt.Sprintf(`(() => {
		const c = document.querySelector(%s), r = c.getBoundingClientRect();
		const at = { bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2 };
		c.dispatchEvent(new PointerEvent("pointermove", at));
		c.dispatchEvent(new MouseEvent("mousemove", at));
		return true;
	})()`, headless.JS(v.canvas())))
	return err == nil && awaitOpen(ctx, tab, opened, time.Now(), afterInput) == nil
}

// errSilent is awaitOpen's error for a Viewer that neither opened the
// recording nor said a word about it.
var errSilent = errors.New("no recording_open event and no word from the Viewer")

// awaitOpen waits up to within until the JavaScript expression opened is
// true in tab. It fails with the Viewer's own messages when the Viewer
// complained since it was sent the recording and did not open it within
// complaintGrace, and at the end.
func awaitOpen(ctx context.Context, tab *headless.Tab, opened string, since time.Time, within time.Duration) error {
	end := time.Now().Add(within)
	var graceFrom time.Time
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		asked := time.Now()
		// A page compiling a 3D view's shaders does not answer for a
		// while: that is no failure before the deadline.
		ok, err := headless.EvalWithin[bool](tab, max(time.Until(end), time.Second), opened)
		switch {
		case err == nil && ok:
			return nil
		case err != nil && !errors.Is(err, headless.ErrNoAnswer):
			return fmt.Errorf("read the page: %w", err)
		}
		msgs := complaints(tab, since)
		// A page slow to answer is a Viewer at work (its first frame of a
		// 3D view), which may still open the recording after a warning:
		// the grace starts again.
		if len(msgs) == 0 || time.Since(asked) > time.Second {
			graceFrom = time.Time{}
		} else if graceFrom.IsZero() {
			graceFrom = time.Now()
		}
		switch {
		case !graceFrom.IsZero() && time.Since(graceFrom) > complaintGrace:
			return errors.New(strings.Join(msgs, "; "))
		case time.Now().After(end) && len(msgs) > 0:
			return fmt.Errorf("no recording_open event within %v: %s", within, strings.Join(msgs, "; "))
		case time.Now().After(end):
			return fmt.Errorf("%w within %v", errSilent, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tab.Crashed():
			return errors.New("the renderer crashed")
		case <-tick.C:
		}
	}
}

// The Viewer's Rust logger reaches the console in one of two shapes, by
// Viewer version: " WARN re_viewer::web: Failed to open URL: …" as a log
// line, or, in older ones (0.24 among them), a console warning
// "[re_log_encoding::decoder] re_log_encoding/src/decoder/mod.rs:39: Found
// log stream…". The message is the last group.
var (
	viewerLog    = regexp.MustCompile(`^\s*(?:WARN|ERROR) [A-Za-z0-9_:]+: (.*)`)
	viewerLogOld = regexp.MustCompile(`^\[[a-z0-9_]+(?:::[a-z0-9_]+)*\] \S+:\d+: (.*)`)
)

// sourceFinished is the Viewer's debug line once it read a data source to
// its end (in older Viewers, the decoder's); one that opened nothing from
// it found no recording there.
var sourceFinished = regexp.MustCompile(`Data source .* has finished|Reached end of stream, iterator complete`)

// complaints returns, each once and in order, the console errors,
// uncaught exceptions and Viewer warnings since since, and the Viewer's
// word that it read a source to its end (which, with nothing opened,
// means it found no recording in it).
func complaints(tab *headless.Tab, since time.Time) []string {
	var msgs []string
	add := func(msg string) {
		if msg = strings.TrimSpace(msg); !slices.Contains(msgs, msg) {
			msgs = append(msgs, msg)
		}
	}
	for _, m := range tab.Console() {
		if m.Time.Before(since) {
			continue
		}
		old := viewerLogOld.FindStringSubmatch(m.Text)
		switch {
		case viewerLog.MatchString(m.Text):
			add(viewerLog.FindStringSubmatch(m.Text)[1])
		case old != nil && (m.Type == chromedp.ConsoleWarning || m.Type == chromedp.ConsoleError):
			add(old[1])
		case m.Type == chromedp.ConsoleError || m.IsException():
			add(m.Text)
		case sourceFinished.MatchString(m.Text):
			add("the Viewer read the whole file and found no recording in it")
		}
	}
	return msgs
}

// awaitDrawn takes screenshots of the canvas at selector until one is
// not one flat colour, for up to drawDeadline.
func awaitDrawn(ctx context.Context, tab *headless.Tab, selector string) error {
	end := time.Now().Add(drawDeadline)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		shot, err := canvasShot(tab, selector)
		if err != nil {
			return err
		}
		colour, share, err := commonest(shot)
		if err != nil {
			return err
		}
		if share <= maxFlat {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("the canvas stayed one flat colour (%s, %.1f %% of pixels) for %v", colour, share*100, drawDeadline)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// canvasShot is a PNG of the canvas at selector; a page that does not
// answer within the deadline fails it.
func canvasShot(tab *headless.Tab, selector string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(tab.Ctx, deadline)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(selector)))
	if err != nil {
		return nil, fmt.Errorf("take a screenshot of %s: %w", selector, err)
	}
	return png, nil
}

// commonest returns the colour most pixels of a PNG have, as #rrggbb, and
// their share.
func commonest(shot []byte) (string, float64, error) {
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		return "", 0, fmt.Errorf("decode the screenshot: %w", err)
	}
	counts := map[[3]uint8]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[rgb(img, x, y)]++
		}
	}
	var top [3]uint8
	for c, n := range counts {
		if n > counts[top] {
			top = c
		}
	}
	share := float64(counts[top]) / float64(max(1, b.Dx()*b.Dy()))
	return fmt.Sprintf("#%02x%02x%02x", top[0], top[1], top[2]), share, nil
}

func rgb(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// why says why a step failed: the error the loader shows on the page,
// else the first console error, else err.
func why(tab *headless.Tab, err error) string {
	shown, _ := headless.EvalWithin[string](tab, 10*time.Second, `document.querySelector(".rerun-loader-error")?.textContent ?? ""`)
	if shown = strings.TrimSpace(shown); shown != "" {
		return "the page shows: " + shown
	}
	if errs := tab.Errors(); len(errs) > 0 {
		return "console: " + errs[0].Text
	}
	return err.Error()
}
