package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/headless"
)

// traits are a notebook widget's, as rerun-notebook sets them.
var traits = map[string]any{"_width": 640, "_height": 480, "_url": nil, "_panel_states": nil, "_fallback_token": nil}

// checkTimeout is `loader check`'s --timeout for one recording: twice its
// default, for a machine that runs other jobs beside this one.
const checkTimeout = 4 * time.Minute

// widget mounts the notebook widget in anywidget's host page, as a
// notebook cell does, and sends it a recording as the kernel does: an
// {type: "rrd"} message with the bytes.
func (m *matrix) widget(ctx context.Context, b *bundle, recs []string) cell {
	return m.inTab(func(tab *headless.Tab) cell {
		return inPage(ctx, tab, recs, func(rec string) (pageViewer, error) {
			mounted, err := tab.Mount(headless.LoadURL(b.widgetURL()), traits)
			return &widgetViewer{tab, mounted.Index, rec}, err
		})
	})
}

// widgetViewer is a mounted widget, window.views[index] of the host page,
// for the recording rec.
type widgetViewer struct {
	tab   *headless.Tab
	index int
	rec   string
}

// open sends the recording.
func (w *widgetViewer) open() (string, time.Time, error) {
	since := time.Now()
	model := fmt.Sprintf("window.views[%d].model", w.index)
	before, err := headless.Eval[int](w.tab, fmt.Sprintf(`(async () => {
		const model = %s;
		const bytes = new Uint8Array(await (await fetch(%s)).arrayBuffer());
		const before = model.events("recording_open").length;
		model.deliver({ type: "rrd" }, [host.bytesView(bytes)]);
		return before;
	})()`, model, headless.JS("/rrd/"+w.rec)))
	if err != nil {
		return "", since, fmt.Errorf("send %s: %w", w.rec, err)
	}
	return fmt.Sprintf(`%s.events("recording_open").length > %d`, model, before), since, nil
}

// canvas is in the view's element, the index+1-th of #widgets (a removed
// view leaves its empty element in place).
func (w *widgetViewer) canvas() string {
	return fmt.Sprintf("#widgets > .widget:nth-child(%d) canvas", w.index+1)
}

func (w *widgetViewer) remove() error {
	_, err := headless.Eval[bool](w.tab, fmt.Sprintf(`(async () => { await window.views[%d].remove(); return true; })()`, w.index))
	return err
}

// elementKit is the JavaScript expression of the test kit's element
// module.
const elementKit = `(await import("/testkit/elements.js"))`

// element puts a <rerun-viewer src="…"> from the bundle's origin on a
// page of another, as a web page writes it: the element opens its src
// once its Viewer runs.
func (m *matrix) element(ctx context.Context, b *bundle, recs []string) cell {
	return m.inTab(func(tab *headless.Tab) cell {
		return inPage(ctx, tab, recs, func(rec string) (pageViewer, error) { return addElement(tab, b.elementURL(), rec) })
	})
}

// elementViewer is a <rerun-viewer>, window.elements[index] of the page.
type elementViewer struct {
	tab   *headless.Tab
	index int
	// ready is when it dispatched its ready event, right before it
	// opened its src.
	ready time.Time
}

// addElement adds a <rerun-viewer> of the module at url with rec as its
// src, and waits for its ready event; an error event fails it with its
// message.
func addElement(tab *headless.Tab, url, rec string) (*elementViewer, error) {
	attrs := map[string]string{"src": "/rrd/" + rec, "width": "640", "height": "480"}
	i, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => %s.addElement(%s, %s))()`,
		elementKit, headless.JS(url), headless.JS(attrs)))
	if err != nil {
		return nil, fmt.Errorf("add the element: %w", err)
	}
	e := &elementViewer{tab: tab, index: i}
	if err := tab.Poll("the element's ready or error event", fmt.Sprintf(`(async () => %s + %s > 0)()`, e.count("ready"), e.count("error")), deadline); err != nil {
		return nil, err
	}
	// The console's times are the wall clock's: the event's is the
	// page's time origin plus its performance.now().
	ev, err := headless.Eval[struct {
		Failure string  `json:"failure"`
		ReadyAt float64 `json:"readyAt"`
	}](tab, fmt.Sprintf(`(() => {
		const events = window.elements[%d].events;
		return {
			failure: events.find((e) => e.type === "error")?.detail?.message ?? "",
			readyAt: performance.timeOrigin + (events.find((e) => e.type === "ready")?.at ?? 0),
		};
	})()`, i))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read the element's events: %w", err)
	case ev.Failure != "":
		return nil, fmt.Errorf("error event: %s", ev.Failure)
	}
	e.ready = time.UnixMicro(int64(ev.ReadyAt * 1000))
	return e, nil
}

// count is the JavaScript for how many events of typ the element
// dispatched.
func (e *elementViewer) count(typ string) string {
	return fmt.Sprintf(`%s.count(%d, %s)`, elementKit, e.index, headless.JS(typ))
}

// open waits for the element, which opens its src by itself once ready:
// what its Viewer says from then on is about the recording.
func (e *elementViewer) open() (string, time.Time, error) {
	return fmt.Sprintf(`(async () => %s > 0)()`, e.count("recording_open")), e.ready, nil
}

func (e *elementViewer) canvas() string { return "rerun-viewer canvas" }

func (e *elementViewer) remove() error {
	_, err := headless.Eval[bool](e.tab, fmt.Sprintf(`(window.elements[%d].remove(), true)`, e.index))
	return err
}

// check runs `loader check` on the bundle's Viewer package with each
// recording until one opens: its ready, recording_open and draws checks
// are the cell's steps.
func (m *matrix) check(ctx context.Context, b *bundle, recs []string) (c cell) {
	for _, rec := range recs {
		res, err := m.checkOne(ctx, b.pkg, rec)
		if err != nil {
			c.Failure = err.Error()
			return c
		}
		if v := verdict(res, check.CheckReady); v.Status != check.Passed {
			c.Failure = v.Message
			return c
		}
		c.Ready = true
		if v := verdict(res, check.CheckRecordingOpen); v.Status != check.Passed {
			c.tried(rec, errors.New(v.Message))
			continue
		}
		c.opened(rec)
		if v := verdict(res, check.CheckDraws); v.Status != check.Passed {
			c.Failure = v.Message
			return c
		}
		c.Drawn = true
		return c
	}
	return c
}

// checkOne runs `loader check` on one recording, with its report in a
// temporary folder, and returns the recording's result.
func (m *matrix) checkOne(ctx context.Context, pkg, rec string) (*check.Result, error) {
	out, err := os.MkdirTemp("", "compat-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	rep, err := check.Run(ctx, check.Options{
		Viewer: pkg, Recordings: []string{filepath.Join(m.fixtures, rec)}, Out: out,
		Workers: 1, Timeout: checkTimeout, Width: 1024, Height: 768, MaxDiff: check.DefaultMaxDiff,
		PlayFor: -1, // the playback's frame times are no part of the matrix
		Cache:   m.cache,
	})
	if err != nil {
		return nil, fmt.Errorf("loader check %s: %w", rec, err)
	}
	if len(rep.Results) != 1 {
		return nil, fmt.Errorf("loader check %s: %d results, want 1", rec, len(rep.Results))
	}
	return rep.Results[0], nil
}

// verdict returns the first check of res named name (the draws check of
// the only moment checked); a check that was not judged is skipped.
func verdict(res *check.Result, name string) check.Check {
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	return check.Check{Name: name, Status: check.Skipped, Message: name + " was not judged"}
}

// inTab runs f in a cold tab on the host page.
func (m *matrix) inTab(f func(tab *headless.Tab) cell) cell {
	tab, err := m.browser.NewTab()
	if err != nil {
		return cell{Failure: err.Error()}
	}
	defer tab.Close()
	if err := tab.Open(m.pages.URL + "/"); err != nil {
		return cell{Failure: err.Error()}
	}
	return f(tab)
}
