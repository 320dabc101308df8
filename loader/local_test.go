package loader

import (
	"slices"
	"sync"
	"testing"

	"github.com/gorerun/loader/wasmjs"
)

// TestPageDrivenViewer drives a widget through a localModel as WebViewer,
// mount() and <rerun-viewer> do: traits set before and after the start,
// messages posted, events and failures reported to the page, and nothing
// accepted once it stopped.
func TestPageDrivenViewer(t *testing.T) {
	tp := newTestPage()
	var (
		mu       sync.Mutex
		emitted  []any
		failures []string
	)
	m := newLocalModel(map[string]field{"_theme": str("dark")}, func(content any) error {
		mu.Lock()
		emitted = append(emitted, content)
		mu.Unlock()
		return nil
	})
	ui := &fakeUI{}
	starter := &fakeStarter{}
	ctx, cancel := wasmjs.WithCancel(wasmjs.Background())
	err := tp.startWidget(ctx, cancel, widgetParts{
		model:   m,
		ui:      &reportingUI{ui, func(title, detail string) { mu.Lock(); failures = append(failures, title); mu.Unlock() }},
		starter: starter,
		src:     viewerSource{url: testViewerURL, compiler: tp.compiler},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.listen(nil, nil, nil); err == nil {
		t.Error("a second listener was accepted")
	}
	// Before the Viewer runs: queued, delivered in order once it does.
	if err := m.set("_url", str("https://x.example/a.rrd")); err != nil {
		t.Fatal(err)
	}
	if err := m.post(message{content: field{Type: fieldOther, Obj: fields{"type": "open_url", "url": "https://x.example/b.rrd"}}}); err != nil {
		t.Fatal(err)
	}
	tp.compiler.next(t).finish(fakeModule{}, nil)
	waitFor(t, "ready to reach the page", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(emitted, any("ready"))
	})
	m.set("_theme", str("dark")) // unchanged: no restart
	m.set("_theme", str("light"))
	want := []string{`start theme="dark"`, "open https://x.example/a.rrd", "open https://x.example/b.rrd",
		"close viewer", `start theme="light"`, "open https://x.example/a.rrd", "open https://x.example/b.rrd",
		"recording rec-1", "time_ctrl frame 42 false"}
	waitFor(t, "the restart", func() bool { return len(starter.calls()) >= len(want) })
	if got := starter.calls(); !slices.Equal(got, want) {
		t.Errorf("Viewer calls\n got %q\nwant %q", got, want)
	}

	// A Viewer panic is a failure the page hears of.
	starter.mu.Lock()
	v := starter.viewers[len(starter.viewers)-1]
	starter.mu.Unlock()
	v.s.mu.Lock()
	v.panic = "index out of bounds"
	v.s.mu.Unlock()
	tp.clock.tick()
	waitFor(t, "the page to hear of the crash", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Equal(failures, []string{"The Rerun Viewer crashed"})
	})

	cancel()
	tp.waitGone(t)
	if err := m.post(message{}); err != errViewerStopped {
		t.Errorf("post after stop = %v, want %v", err, errViewerStopped)
	}
	if err := m.set("_url", str("")); err != errViewerStopped {
		t.Errorf("set after stop = %v, want %v", err, errViewerStopped)
	}
}
