package loader

import (
	"slices"
	"strings"
	"testing"
)

// liveViewer reports whether the widget's last Viewer runs.
func (w *testWidget) liveViewer() bool { return w.starter.live() == 1 }

// TestBudgetSuspendsOutOfViewLongest runs three widgets on a page with
// room for two: the one that left the view first is suspended, what the
// kernel sends it meanwhile waits, and scrolling back to it brings back
// its recording, its state and then those messages, in order, suspending
// the one out of view longest now.
func TestBudgetSuspendsOutOfViewLongest(t *testing.T) {
	tp := newTestPage()
	tp.setMaxRunning(2)
	a := tp.mount(t, nil, nil)
	b := tp.mount(t, nil, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	a.waitReady(t)
	b.waitReady(t)
	a.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"a-data", 100})
	a.ui.view(true)
	b.ui.view(true)
	a.ui.view(false) // scrolled past a

	c := tp.mount(t, nil, nil)
	c.waitReady(t)
	c.ui.view(true)
	waitFor(t, "a to suspend", func() bool { return a.ui.pausedNow() && !a.liveViewer() })
	if !b.liveViewer() || !c.liveViewer() {
		t.Fatalf("b live %v, c live %v; want both running", b.liveViewer(), c.liveViewer())
	}
	if got := a.ui.paused; len(got) != 1 || !strings.Contains(got[0], "Scroll here or click") ||
		!strings.HasSuffix(got[0], "\nIt holds the recording \"rec-1\" on the timeline \"frame\"; 100 bytes of data kept for its return.") {
		t.Errorf("a shows %q while suspended: want what it holds", got)
	}
	if s := tp.stats(); s.running != 2 {
		t.Errorf("%d Viewers count as running, want 2", s.running)
	}

	before := len(a.starter.calls())
	a.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"a-more", 10})
	a.model.deliver(map[string]any{"type": "recording_id", "recording_id": "r2"}, nil)
	if got := a.starter.calls()[before:]; len(got) != 0 {
		t.Errorf("a suspended Viewer was called: %q", got)
	}

	b.ui.view(false) // b is now the one out of view longest
	a.ui.view(true)
	want := []string{"start theme=\"\"", "rrd a-data", "recording rec-1", "time_ctrl frame 42 false", "rrd a-more", "recording r2"}
	waitFor(t, "a to resume", func() bool { return len(a.starter.calls()) >= before+len(want) })
	if got := a.starter.calls()[before:]; !slices.Equal(got, want) {
		t.Errorf("a's calls on resume\n got %q\nwant %q", got, want)
	}
	waitFor(t, "b to suspend", func() bool { return b.ui.pausedNow() && !b.liveViewer() })
	if !c.liveViewer() || a.ui.pausedNow() {
		t.Errorf("c live %v, a paused %v; want c running and a resumed", c.liveViewer(), a.ui.pausedNow())
	}

	// A click resumes too.
	b.ui.mu.Lock()
	resume := b.ui.resume
	b.ui.mu.Unlock()
	resume()
	waitFor(t, "b to resume on a click", func() bool { return b.liveViewer() })

	for _, w := range []*testWidget{a, b, c} {
		w.cancel()
	}
	tp.waitGone(t)
	if s := tp.stats(); s.running != 0 || tp.budget.replayBytes != 0 {
		t.Errorf("after cleanup %d Viewers count as running and %d replay bytes are held", s.running, tp.budget.replayBytes)
	}
}

// TestLostContextOffersRestore: a canvas whose context the browser takes
// away says so with a button; the button restarts the Viewer with its data
// and state, then what arrived meanwhile.
func TestLostContextOffersRestore(t *testing.T) {
	tp := newTestPage()
	w := tp.mountWithData(t)
	w.ui.loseContext()
	waitFor(t, "the message", func() bool { return strings.Contains(w.ui.failure(), "lost its graphics context") })
	if w.liveViewer() {
		t.Error("the Viewer whose context was lost still runs")
	}
	if s := tp.stats(); s.running != 0 {
		t.Errorf("%d Viewers count as running, want 0", s.running)
	}
	before := len(w.starter.calls())
	w.model.deliver(map[string]any{"type": "recording_id", "recording_id": "later"}, nil)
	w.ui.clickRetry()
	want := []string{"start theme=\"\"", "rrd data", "recording rec-1", "time_ctrl frame 42 false", "recording later"}
	waitFor(t, "the restore", func() bool { return len(w.starter.calls()) >= before+len(want) })
	if got := w.starter.calls()[before:]; !slices.Equal(got, want) {
		t.Errorf("calls on restore\n got %q\nwant %q", got, want)
	}
	w.cancel()
	tp.waitGone(t)
}

// TestSetMaxRunning lowers the budget below the running Viewers: the
// extra ones suspend.
func TestSetMaxRunning(t *testing.T) {
	tp := newTestPage()
	widgets := []*testWidget{tp.mount(t, nil, nil), tp.mount(t, nil, nil), tp.mount(t, nil, nil)}
	tp.compiler.next(t).finish(fakeModule{}, nil)
	for _, w := range widgets {
		w.waitReady(t)
	}
	if s := tp.stats(); s.running != 3 {
		t.Fatalf("%d running, want 3 (the default budget is %d)", s.running, defaultMaxRunning)
	}
	tp.setMaxRunning(1)
	waitFor(t, "two to suspend", func() bool { return tp.stats().running == 1 })
	paused := countIf(widgets, func(w *testWidget) bool { return w.ui.pausedNow() })
	if paused != 2 {
		t.Errorf("%d widgets show they are paused, want 2", paused)
	}
	for _, w := range widgets {
		w.cancel()
	}
	tp.waitGone(t)
}

// TestPageReplayBudget: the page keeps at most pageReplayBudget bytes for
// replay across its widgets; a widget past it keeps nothing and says so
// when it comes back.
func TestPageReplayBudget(t *testing.T) {
	tp := newTestPage()
	const each = replayBudget - 1
	fit := pageReplayBudget / each
	var widgets []*widget
	for range fit + 1 {
		w := &widget{page: tp.page}
		w.keepForReplay("", kindRRD, fakeBytes{"x", each})
		widgets = append(widgets, w)
	}
	for i, w := range widgets {
		kept := len(w.replay.entries) == 1
		if kept != (i < fit) {
			t.Errorf("widget %d kept its data: %v, want %v (room for %d)", i, kept, i < fit, fit)
		}
	}
	if last := widgets[fit]; last.replay.dropped != each {
		t.Errorf("the widget past the budget counts %d bytes dropped, want %d", last.replay.dropped, each)
	}
	if got := tp.budget.replayBytes; got != int64(fit)*each {
		t.Errorf("the page holds %d replay bytes, want %d", got, int64(fit)*each)
	}
}
