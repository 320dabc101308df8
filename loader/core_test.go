package loader

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorerun/loader/wasmjs"
)

func str(s string) field { return field{Type: fieldString, Str: s} }

func TestOneLoadSharedByRacingWidgets(t *testing.T) {
	tp := newTestPage()
	const n = 20
	widgets := make([]*testWidget, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { widgets[i] = tp.mount(t, nil, nil) })
	}
	wg.Wait()
	c := tp.compiler.next(t)
	if c.url != testViewerURL {
		t.Errorf("compiled %q, want %q", c.url, testViewerURL)
	}
	c.report(loadProgress{Phase: phaseDownload, Received: 50, Total: 100})
	waitFor(t, "every widget to show 50%", func() bool {
		for _, w := range widgets {
			w.ui.mu.Lock()
			p := w.ui.last
			w.ui.mu.Unlock()
			if p.percent() != 50 {
				return false
			}
		}
		return true
	})
	c.finish(fakeModule{1}, nil)
	for _, w := range widgets {
		w.waitReady(t)
	}
	tp.compiler.none(t)
	if s := tp.stats(); s.compiles != 1 || s.fetches != 1 || !s.moduleCached || s.widgets != n {
		t.Errorf("stats = %+v, want 1 compile, 1 fetch, cached, %d widgets", s, n)
	}
	// A late widget uses the compiled Viewer at once.
	late := tp.mount(t, nil, nil)
	late.waitReady(t)
	tp.compiler.none(t)
	for _, w := range append(widgets, late) {
		w.cancel()
	}
	tp.waitGone(t)
}

// TestCleanupAtEachStage ends a widget at every stage of its life and
// checks that it leaves nothing behind: no UI, no model listeners, no
// Viewer, no download nobody waits for.
func TestCleanupAtEachStage(t *testing.T) {
	tests := []struct {
		stage string
		// reach brings the widget to the stage; it returns the compile
		// under way, if any.
		reach        func(t *testing.T, tp *testPage, w *testWidget) *compileCall
		wantAborted  bool // the download is aborted
		wantStarted  int  // Viewers started before the cleanup
		wantCompiled bool
	}{
		{"downloading", func(t *testing.T, tp *testPage, w *testWidget) *compileCall {
			c := tp.compiler.next(t)
			c.report(loadProgress{Phase: phaseDownload, Received: 10, Total: 100})
			return c
		}, true, 0, false},
		{"compiling", func(t *testing.T, tp *testPage, w *testWidget) *compileCall {
			c := tp.compiler.next(t)
			c.report(loadProgress{Phase: phaseCompile, Received: 100, Total: 100})
			waitFor(t, "the compile phase", func() bool { w.ui.mu.Lock(); defer w.ui.mu.Unlock(); return w.ui.last.Phase == phaseCompile })
			return c
		}, true, 0, false},
		{"hidden", func(t *testing.T, tp *testPage, w *testWidget) *compileCall {
			tp.compiler.next(t).finish(fakeModule{}, nil)
			waitFor(t, "the compiled Viewer", func() bool { return tp.stats().moduleCached })
			return nil
		}, false, 0, true},
		{"starting", func(t *testing.T, tp *testPage, w *testWidget) *compileCall {
			close(w.ui.hidden)
			tp.compiler.next(t).finish(fakeModule{}, nil)
			waitFor(t, "the start phase", func() bool { w.ui.mu.Lock(); defer w.ui.mu.Unlock(); return w.ui.last.Phase == phaseStart })
			return nil
		}, false, 0, true},
		{"ready", func(t *testing.T, tp *testPage, w *testWidget) *compileCall {
			close(w.ui.hidden)
			close(w.starter.hold)
			tp.compiler.next(t).finish(fakeModule{}, nil)
			w.waitReady(t)
			return nil
		}, false, 1, true},
		{"failed", func(t *testing.T, tp *testPage, w *testWidget) *compileCall {
			tp.compiler.next(t).finish(nil, &fetchError{URL: testViewerURL, Status: 404})
			waitFor(t, "the failure", func() bool { return w.ui.failure() != "" })
			return nil
		}, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			tp := newTestPage()
			w := &testWidget{model: newFakeModel(nil), ui: &fakeUI{hidden: make(chan struct{})},
				starter: &fakeStarter{hold: make(chan struct{})}}
			tp.mountWith(t, w, nil)
			c := tt.reach(t, tp, w)
			if tt.stage == "starting" {
				// The Viewer's start runs to completion before the widget
				// can free what it made.
				w.cancel()
				close(w.starter.hold)
			} else {
				w.cancel()
			}
			tp.waitGone(t)
			if !w.ui.isRemoved() {
				t.Error("the widget's UI is still on the page")
			}
			if w.model.isListening() {
				t.Error("the widget still listens to its model")
			}
			if live := w.starter.live(); live != 0 {
				t.Errorf("%d Viewers still alive", live)
			}
			if got := len(w.starter.viewers); got < tt.wantStarted {
				t.Errorf("%d Viewers started, want %d", got, tt.wantStarted)
			}
			if c != nil {
				aborted := c.ctx.Err() != nil
				if aborted != tt.wantAborted {
					t.Errorf("download aborted = %v, want %v", aborted, tt.wantAborted)
				}
			}
			if s := tp.stats(); s.moduleCached != tt.wantCompiled {
				t.Errorf("module cached = %v, want %v", s.moduleCached, tt.wantCompiled)
			}
		})
	}
}

func TestCompileThatFinishesAfterItsWidgetsLeftIsKept(t *testing.T) {
	tp := newTestPage()
	tp.compiler.ignoreCancel = true
	a := tp.mount(t, nil, nil)
	b := tp.mount(t, nil, nil)
	c := tp.compiler.next(t)
	tp.waitWaiters(t, 2)
	a.cancel()
	if c.ctx.Err() != nil {
		t.Fatal("the load was aborted while a widget still waited for it")
	}
	b.cancel()
	tp.waitGone(t)
	waitFor(t, "the load to be aborted", func() bool { return c.ctx.Err() != nil })
	c.finish(fakeModule{7}, nil) // the browser finished compiling anyway
	waitFor(t, "the late compile to be kept", func() bool { return tp.stats().moduleCached })
	w := tp.mount(t, nil, nil)
	w.waitReady(t)
	tp.compiler.none(t)
	if s := tp.stats(); s.compiles != 1 {
		t.Errorf("%d compiles, want 1", s.compiles)
	}
	w.cancel()
	tp.waitGone(t)
}

func TestLoadThatNobodyWaitsForIsAbortedAndTriedAgain(t *testing.T) {
	tp := newTestPage()
	a := tp.mount(t, nil, nil)
	first := tp.compiler.next(t)
	a.cancel()
	waitFor(t, "the abort", func() bool { return first.ctx.Err() != nil })
	tp.waitGone(t)
	b := tp.mount(t, nil, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	b.waitReady(t)
	b.cancel()
	tp.waitGone(t)
}

func TestEarlyDownload(t *testing.T) {
	tests := []struct {
		name        string
		abortLoad   bool // every widget leaves during the download
		wantAdopted bool
		wantAborted bool
	}{
		{"adopted", false, true, false},
		{"adopted, then nobody waits", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := newTestPage()
			var aborts atomic.Int32
			early := &earlyFetch{response: "early response", abort: func() { aborts.Add(1) }}
			w := tp.mount(t, nil, early)
			c := tp.compiler.next(t)
			if adopted := c.early == "early response"; adopted != tt.wantAdopted {
				t.Errorf("adopted = %v, want %v", adopted, tt.wantAdopted)
			}
			if tt.abortLoad {
				w.cancel()
				tp.waitGone(t)
			} else {
				c.finish(fakeModule{}, nil)
				w.waitReady(t)
			}
			if tt.wantAborted {
				waitFor(t, "the early download to be aborted", func() bool { return aborts.Load() > 0 })
			} else if aborts.Load() != 0 {
				t.Error("the adopted download was aborted")
			}
			if s := tp.stats(); (s.adopted == 1) != tt.wantAdopted || s.fetches != 1 {
				t.Errorf("stats %+v: adopted should be %v, with 1 fetch", s, tt.wantAdopted)
			}
			w.cancel()
			tp.waitGone(t)
			if got := aborts.Load(); got > 1 {
				t.Errorf("aborted %d times", got)
			}
		})
	}
}

func TestEarlyDownloadOfAWidgetThatLeftIsAborted(t *testing.T) {
	tp := newTestPage()
	var aborts atomic.Int32
	early := &earlyFetch{response: "early", abort: func() { aborts.Add(1) }}
	// The compiled Viewer is there already: the early download is not needed.
	first := tp.mount(t, nil, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	first.waitReady(t)
	w := tp.mount(t, nil, early)
	w.waitReady(t)
	waitFor(t, "the unneeded early download to be aborted", func() bool { return aborts.Load() == 1 })
	first.cancel()
	w.cancel()
	tp.waitGone(t)
	if aborts.Load() != 1 {
		t.Errorf("aborted %d times, want 1", aborts.Load())
	}
}

func TestMessagesBeforeReadyAreDeliveredInOrder(t *testing.T) {
	tp := newTestPage()
	w := &testWidget{model: newFakeModel(nil), ui: &fakeUI{hidden: make(chan struct{})}, starter: &fakeStarter{}}
	tp.mountWith(t, w, nil)
	c := tp.compiler.next(t)
	w.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"a", 10})
	w.model.set("_url", str("https://x.example/a.rrd"))
	w.model.deliver(map[string]any{"type": "recording_id", "recording_id": "r1"}, nil)
	c.finish(fakeModule{}, nil)
	// Compiled, but hidden: still nothing starts.
	w.model.deliver(map[string]any{"type": "table"}, &fakeBytes{"b", 10})
	waitFor(t, "the compile", func() bool { return tp.stats().moduleCached })
	if w.starter.live() != 0 || w.ui.canvases != 0 {
		t.Fatal("a hidden widget started its Viewer")
	}
	close(w.ui.hidden)
	w.waitReady(t)
	want := []string{`start theme=""`, "open https://x.example/a.rrd", "rrd a", "recording r1", "table b"}
	waitFor(t, "the messages", func() bool { return len(w.starter.calls()) >= len(want) })
	if got := w.starter.calls(); !slices.Equal(got, want) {
		t.Errorf("Viewer calls\n got %q\nwant %q", got, want)
	}
	w.cancel()
	tp.waitGone(t)
}

// TestRestartReplaysChannels: a page's channels are opened again on a
// restart, in order, sent their data again and, if the page closed them,
// closed again (a closed channel is the end of its stream to the Viewer).
func TestRestartReplaysChannels(t *testing.T) {
	tp := newTestPage()
	w := tp.mount(t, map[string]field{"_theme": str("dark")}, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	w.waitReady(t)
	w.model.deliver(map[string]any{"type": "open_channel", "channel": "a", "name": "first"}, nil)
	w.model.deliver(map[string]any{"type": "open_channel", "channel": "b", "name": "second"}, nil)
	w.model.deliver(map[string]any{"type": "rrd", "channel": "a"}, &fakeBytes{"one", 100})
	w.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"own", 100})
	w.model.deliver(map[string]any{"type": "table", "channel": "b"}, &fakeBytes{"two", 100})
	w.model.deliver(map[string]any{"type": "close_channel", "channel": "a"}, nil)
	w.model.set("_theme", str("light"))
	want := []string{`start theme="dark"`, "open channel a first", "open channel b second", "rrd @a one", "rrd own", "table @b two",
		"close channel a", "close viewer", `start theme="light"`,
		"open channel a first", "open channel b second", "rrd @a one", "rrd own", "table @b two", "close channel a",
		"recording rec-1", "time_ctrl frame 42 false"}
	waitFor(t, "the replay", func() bool { return len(w.starter.calls()) >= len(want) })
	if got := w.starter.calls(); !slices.Equal(got, want) {
		t.Errorf("Viewer calls\n got %q\nwant %q", got, want)
	}
	w.cancel()
	tp.waitGone(t)
}

func TestRestartReplaysRecordings(t *testing.T) {
	tp := newTestPage()
	w := tp.mount(t, map[string]field{"_theme": str("dark")}, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	w.waitReady(t)
	w.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"one", 100})
	w.model.deliver(map[string]any{"type": "table"}, &fakeBytes{"two", 100})
	w.model.deliver(map[string]any{"type": "open_url", "url": "https://x.example/live.rrd", "follow_if_http": true}, nil)
	w.model.deliver(map[string]any{"type": "open_url", "url": "https://x.example/gone.rrd"}, nil)
	w.model.deliver(map[string]any{"type": "close_url", "url": "https://x.example/gone.rrd"}, nil)
	w.model.set("_theme", str("dark")) // unchanged: no restart
	w.model.set("_theme", str("light"))
	want := []string{`start theme="dark"`, "rrd one", "table two",
		"open https://x.example/live.rrd (follow)", "open https://x.example/gone.rrd", "close https://x.example/gone.rrd",
		"close viewer", `start theme="light"`, "open https://x.example/live.rrd (follow)", "rrd one", "table two",
		"recording rec-1", "time_ctrl frame 42 false"}
	waitFor(t, "the replay", func() bool { return len(w.starter.calls()) >= len(want) })
	if got := w.starter.calls(); !slices.Equal(got, want) {
		t.Errorf("Viewer calls\n got %q\nwant %q", got, want)
	}

	// Past the budget nothing is kept, and the widget says so.
	w.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"huge", replayBudget})
	w.model.set("_fallback_token", str("tok"))
	waitFor(t, "the notice", func() bool {
		w.ui.mu.Lock()
		defer w.ui.mu.Unlock()
		return slices.ContainsFunc(w.ui.notices, func(n string) bool { return strings.Contains(n, "run the cell again") })
	})
	// The notice comes before the restart has replayed the state: wait
	// for the state, then nothing but it may follow the new start.
	waitFor(t, "the restart", func() bool {
		calls := w.starter.calls()
		return slices.Contains(calls[len(want):], "time_ctrl frame 42 false")
	})
	calls := w.starter.calls()
	restart := len(calls) - 1
	for restart > 0 && calls[restart] != `start theme="light"` {
		restart--
	}
	if after := calls[restart:]; !slices.Equal(after, []string{`start theme="light"`, "open https://x.example/live.rrd (follow)", "recording rec-1", "time_ctrl frame 42 false"}) {
		t.Errorf("after a restart over the budget the calls are %q, want the new start, the open URL and the state alone", after)
	}
	w.cancel()
	tp.waitGone(t)
}

func TestStalledDownloadOffersRetry(t *testing.T) {
	tp := newTestPage()
	a := tp.mount(t, nil, nil)
	b := tp.mount(t, nil, nil)
	c := tp.compiler.next(t)
	tp.waitWaiters(t, 2)
	c.report(loadProgress{Phase: phaseDownload, Received: 3 << 20, Total: 40 << 20})
	tp.stepWatchdog(t, stallMS/stallStepMS)
	for _, w := range []*testWidget{a, b} {
		waitFor(t, "the stall message", func() bool { return w.ui.failure() != "" })
		msg := w.ui.failure()
		for _, want := range []string{"stalled", testViewerURL, "3145728 bytes", stallHint} {
			if !strings.Contains(msg, want) {
				t.Errorf("failure %q lacks %q", msg, want)
			}
		}
	}
	if c.ctx.Err() == nil {
		t.Error("the stalled download was not aborted")
	}
	// Retry in one widget loads afresh; the other one still offers Retry.
	a.ui.retry()
	c2 := tp.compiler.next(t)
	c2.report(loadProgress{Phase: phaseDownload, Received: 1, Total: 2})
	c2.report(loadProgress{Phase: phaseCompile, Received: 2, Total: 2})
	if n := tp.clock.pending(); n != 0 {
		t.Errorf("%d watchdogs still armed once the bytes are in", n)
	}
	c2.finish(fakeModule{}, nil)
	a.waitReady(t)
	if b.model.ready() {
		t.Error("the widget that did not retry started")
	}
	b.ui.retry()
	b.waitReady(t)
	a.cancel()
	b.cancel()
	tp.waitGone(t)
}

// stepWatchdog runs n steps of the stall watchdog, each once it is armed.
func (tp *testPage) stepWatchdog(t *testing.T, n int) {
	t.Helper()
	for range n {
		waitFor(t, "the watchdog", func() bool { return tp.clock.pending() == 1 })
		tp.clock.fire()
	}
}

// TestBytesBetweenStepsKeepTheDownloadAlive: the stall time is counted in
// steps, so bytes counted after a late step (a busy main thread delays
// timers and reads alike) start the count again.
func TestBytesBetweenStepsKeepTheDownloadAlive(t *testing.T) {
	tp := newTestPage()
	w := tp.mount(t, nil, nil)
	c := tp.compiler.next(t)
	c.report(loadProgress{Phase: phaseDownload, Received: 1 << 20, Total: 40 << 20})
	tp.stepWatchdog(t, stallMS/stallStepMS-1)
	c.report(loadProgress{Phase: phaseDownload, Received: 2 << 20, Total: 40 << 20})
	tp.stepWatchdog(t, stallMS/stallStepMS-1)
	if f := w.ui.failure(); f != "" {
		t.Fatalf("a download that moved within the stall time failed: %q", f)
	}
	tp.stepWatchdog(t, 1)
	waitFor(t, "the stall message", func() bool { return strings.Contains(w.ui.failure(), "stalled") })
	w.cancel()
	tp.waitGone(t)
}

// TestBytesInThePageNeverStall: the inlined Viewer, a blob: or a data: URL
// is not watched for a stall however long it takes (a busy main thread
// decoding 47 MB), and the inlined one says it is being decoded.
func TestBytesInThePageNeverStall(t *testing.T) {
	for _, tc := range []struct {
		url   string
		phase phase
	}{
		{"", phaseDecode},
		{"blob:https://notebook.example/8a1c", phaseDownload},
		{"data:application/wasm;base64,AGFzbQ==", phaseDownload},
	} {
		t.Run(tc.url, func(t *testing.T) {
			tp := newTestPage()
			tp.url = tc.url
			w := tp.mount(t, nil, nil)
			c := tp.compiler.next(t)
			tp.waitWaiters(t, 1)
			c.report(loadProgress{Phase: phaseDownload, Received: 1 << 20})
			if n := tp.clock.pending(); n != 0 {
				t.Errorf("%d timers armed for bytes the page holds, want no watchdog", n)
			}
			w.ui.mu.Lock()
			shown := slices.Clone(w.ui.phases)
			w.ui.mu.Unlock()
			if !slices.Contains(shown, tc.phase) || tc.phase == phaseDecode && slices.Contains(shown, phaseDownload) {
				t.Errorf("the widget showed phases %v, want %q (%v) and no other way of getting the Viewer", shown, loadProgress{Phase: tc.phase}.title(), tc.phase)
			}
			c.finish(fakeModule{}, nil)
			w.waitReady(t)
			w.cancel()
			tp.waitGone(t)
		})
	}
}

func TestFailuresOtherThanTheNetworkOfferNoRetry(t *testing.T) {
	tp := newTestPage()
	w := tp.mount(t, nil, nil)
	tp.compiler.next(t).finish(nil, errBoom)
	waitFor(t, "the failure", func() bool { return w.ui.failure() != "" })
	w.ui.mu.Lock()
	retry := w.ui.retry
	w.ui.mu.Unlock()
	if retry != nil {
		t.Error("a failure no retry can cure offers Retry")
	}
	w.cancel()
	tp.waitGone(t)
}

// TestHostFailuresStayInTheirWidget: what a host or a Viewer does wrong
// ends as a message in that widget; the page and its other widgets go on.
func TestHostFailuresStayInTheirWidget(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(tp *testPage, w *testWidget)
		act     func(t *testing.T, tp *testPage, w *testWidget)
		wantErr string // in the widget's failure or notices
	}{
		{"model.get throws", func(tp *testPage, w *testWidget) { w.model.getErr = errBoom }, nil, "read _width from the model"},
		{"compiler panics", func(tp *testPage, w *testWidget) { tp.compiler.panics = true }, nil, "compiler bug"},
		{"Viewer panics on data", nil, func(t *testing.T, tp *testPage, w *testWidget) {
			w.starter.viewers[0].sendBug = true
			w.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"x", 1})
		}, "viewer bug"},
		{"Viewer start fails", func(tp *testPage, w *testWidget) { w.starter.err = errBoom }, nil, "boom"},
		{"Viewer crashes", nil, func(t *testing.T, tp *testPage, w *testWidget) {
			w.starter.viewers[0].panic = "index out of bounds"
			tp.clock.tick()
		}, "crashed: index out of bounds"},
		{"message is not an object", nil, func(t *testing.T, tp *testPage, w *testWidget) {
			w.model.onMessage(message{content: str("rrd")})
		}, "not an object"},
		{"rrd without buffer", nil, func(t *testing.T, tp *testPage, w *testWidget) {
			w.model.deliver(map[string]any{"type": "rrd"}, nil)
		}, "carries no buffer"},
		{"unreadable buffer", nil, func(t *testing.T, tp *testPage, w *testWidget) {
			w.model.onMessage(message{content: field{Type: fieldOther, Obj: fields{"type": "rrd"}},
				payload: func() (payload, error) { return nil, errBoom }})
		}, "boom"},
		{"bad _panel_states", nil, func(t *testing.T, tp *testPage, w *testWidget) {
			w.model.set("_panel_states", str("all"))
		}, "_panel_states is the string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := newTestPage()
			healthy := tp.mount(t, nil, nil)
			tp.compiler.next(t).finish(fakeModule{}, nil)
			healthy.waitReady(t)

			w := &testWidget{model: newFakeModel(nil), ui: &fakeUI{}, starter: &fakeStarter{}}
			if tt.setup != nil {
				tt.setup(tp, w)
			}
			if tt.name == "compiler panics" {
				tp.load = nil // make the widget load again, through the panicking compiler
			}
			tp.mountWith(t, w, nil)
			if tt.act != nil {
				w.waitReady(t)
				tt.act(t, tp, w)
			}
			waitFor(t, "the message "+tt.wantErr, func() bool {
				w.ui.mu.Lock()
				defer w.ui.mu.Unlock()
				all := strings.Join(append(slices.Clone(w.ui.failures), w.ui.notices...), "\n")
				return strings.Contains(all, tt.wantErr)
			})
			// The healthy widget still answers.
			healthy.model.deliver(map[string]any{"type": "time_ctrl", "play": true}, nil)
			waitFor(t, "the healthy widget to answer", func() bool {
				return slices.Contains(healthy.starter.calls(), "time_ctrl true")
			})
			w.cancel()
			healthy.cancel()
			tp.waitGone(t)
			if !w.ui.isRemoved() || w.model.isListening() || w.starter.live() != 0 {
				t.Error("the failed widget left something behind")
			}
		})
	}
}

func TestModelThatCannotBeListenedToFailsRender(t *testing.T) {
	tp := newTestPage()
	w := &testWidget{model: newFakeModel(nil), ui: &fakeUI{}, starter: &fakeStarter{}}
	w.model.listenErr = errBoom
	var aborts atomic.Int32
	early := &earlyFetch{abort: func() { aborts.Add(1) }}
	ctx, cancel := wasmjs.WithCancel(wasmjs.Background())
	err := tp.startWidget(ctx, cancel, widgetParts{model: w.model, ui: w.ui, starter: w.starter,
		src: viewerSource{url: testViewerURL, compiler: tp.compiler, early: early}})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("startWidget = %v, want the model's error", err)
	}
	if ctx.Err() == nil || !w.ui.isRemoved() || aborts.Load() != 1 || tp.stats().widgets != 0 {
		t.Error("a widget that could not start left its context, UI, early download or count behind")
	}
}

func TestInlineModuleLoadsThroughTheMarkerFunction(t *testing.T) {
	tp := newTestPage()
	w := &testWidget{model: newFakeModel(nil), ui: &fakeUI{}, starter: &fakeStarter{}}
	w.ctx, w.cancel = wasmjs.WithCancel(wasmjs.Background())
	if err := tp.startWidget(w.ctx, w.cancel, widgetParts{model: w.model, ui: w.ui, starter: w.starter,
		src: viewerSource{compiler: tp.compiler}}); err != nil {
		t.Fatal(err)
	}
	c := tp.compiler.next(t)
	if c.url != "" {
		t.Errorf("inline module compiled %q, want the marker function's own Viewer", c.url)
	}
	c.finish(fakeModule{}, nil)
	w.waitReady(t)
	w.cancel()
	tp.waitGone(t)
}

func TestStallErrorText(t *testing.T) {
	for _, e := range []*stallError{{URL: testViewerURL, Received: 5 << 20, Seconds: 10}, {Received: 0, Seconds: 10}} {
		msg := e.Error()
		if !strings.Contains(msg, "stalled") || !strings.Contains(msg, fmt.Sprint(e.Received)) {
			t.Errorf("%q", msg)
		}
	}
}

// restartQuietly mounts a widget with data and restarts its Viewer (a
// theme change) as one that reports nothing until the test says so.
func (tp *testPage) restartQuietly(t *testing.T) *testWidget {
	t.Helper()
	w := tp.mountWithData(t)
	w.starter.mu.Lock()
	w.starter.quiet = true
	w.starter.mu.Unlock()
	w.model.set("_theme", str("light"))
	return w
}

// TestRestoreWaitsForASlowViewer: a restarted Viewer that is slow to open
// its replayed recording keeps the kernel's messages waiting for its state
// while it reports anything, counted in steps; then they go on with no
// error logged, and a recording that opens after them no longer takes the
// old state back.
func TestRestoreWaitsForASlowViewer(t *testing.T) {
	tp := newTestPage()
	w := tp.restartQuietly(t)
	w.model.deliver(map[string]any{"type": "time_ctrl", "timeline": "frame", "time": 7, "play": true}, nil)
	steps := restoreWaitMS / restoreStepMS
	tp.stepWatchdog(t, steps-1)
	waitFor(t, "the next step", func() bool { return tp.clock.pending() == 1 })
	// News from the Viewer: it still works, and the count starts again
	// after the step it came in.
	w.starter.lastViewer().onEvent(`{"type":"selection_change"}`)
	tp.stepWatchdog(t, steps)
	waitFor(t, "the next step", func() bool { return tp.clock.pending() == 1 })
	if calls := w.starter.calls(); slices.Contains(calls, "time_ctrl frame 7 true") {
		t.Fatalf("the kernel's message went on while the Viewer still reported news: %q", calls)
	}
	tp.stepWatchdog(t, 1)
	waitFor(t, "the held message", func() bool { return slices.Contains(w.starter.calls(), "time_ctrl frame 7 true") })
	tp.logMu.Lock()
	logs, infos := slices.Clone(tp.logs), slices.Clone(tp.infos)
	tp.logMu.Unlock()
	if len(logs) > 0 {
		t.Errorf("a slow Viewer was logged as an error: %q", logs)
	}
	if len(infos) != 1 || !strings.Contains(infos[0], `has not opened the recording "rec-1" again and has reported nothing for 10 s`) {
		t.Errorf("the console says %q, want what happened once", infos)
	}
	// The recording opens late, after the kernel spoke: its time stays.
	before := len(w.starter.calls())
	w.starter.lastViewer().onEvent(`{"type":"recording_open","recording_id":"rec-1"}`)
	w.model.deliver(map[string]any{"type": "recording_id", "recording_id": "later"}, nil)
	waitFor(t, "the next message", func() bool { return slices.Contains(w.starter.calls(), "recording later") })
	if got := w.starter.calls()[before:]; !slices.Equal(got, []string{"recording later"}) {
		t.Errorf("after the late recording_open the calls are %q, want the kernel's message alone", got)
	}
	w.cancel()
	tp.waitGone(t)
}

// TestRestoreAfterTheWaitGaveUp: a recording that opens after the wait
// gave up, with nothing from the kernel since, still gets its state back.
func TestRestoreAfterTheWaitGaveUp(t *testing.T) {
	tp := newTestPage()
	w := tp.restartQuietly(t)
	tp.stepWatchdog(t, restoreWaitMS/restoreStepMS)
	waitFor(t, "the wait to give up", func() bool {
		tp.logMu.Lock()
		defer tp.logMu.Unlock()
		return len(tp.infos) == 1
	})
	w.starter.lastViewer().onEvent(`{"type":"recording_open","recording_id":"rec-1"}`)
	waitFor(t, "the state", func() bool { return slices.Contains(w.starter.calls(), "time_ctrl frame 42 false") })
	calls := w.starter.calls()
	if got := calls[len(calls)-2:]; !slices.Equal(got, []string{"recording rec-1", "time_ctrl frame 42 false"}) {
		t.Errorf("the late restore made the calls %q", got)
	}
	w.cancel()
	tp.waitGone(t)
}

// TestUnknownMessagesAreNotedOnce delivers messages of a type this loader
// does not know, as a newer rerun_notebook might send: the console notes
// the type once, the widget shows nothing, and the messages after them
// are handled.
func TestUnknownMessagesAreNotedOnce(t *testing.T) {
	tp := newTestPage()
	w := &testWidget{model: newFakeModel(nil), ui: &fakeUI{}, starter: &fakeStarter{}}
	tp.mountWith(t, w, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	w.waitReady(t)
	for range 3 {
		w.model.deliver(map[string]any{"type": "save_blueprint_v2"}, nil)
	}
	w.model.deliver(map[string]any{"type": "recording_id", "recording_id": "r1"}, nil)
	waitFor(t, "the known message", func() bool { return slices.Contains(w.starter.calls(), "recording r1") })
	tp.logMu.Lock()
	logs, infos := slices.Clone(tp.logs), slices.Clone(tp.infos)
	tp.logMu.Unlock()
	if len(logs) != 0 || len(infos) != 1 || !strings.Contains(infos[0], `ignored "save_blueprint_v2" messages from the kernel`) {
		t.Errorf("the console says %q and errors %q; want one note naming the type", infos, logs)
	}
	w.ui.mu.Lock()
	notices := slices.Clone(w.ui.notices)
	w.ui.mu.Unlock()
	if len(notices) != 0 {
		t.Errorf("the widget shows %q for a message it does not know", notices)
	}
	w.cancel()
	tp.waitGone(t)
}
