package loader

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorerun/loader/wasmjs"
)

// The fakes below stand in for the browser: the core is exercised through
// the same interfaces the *_js.go adapters implement.

// waitFor polls cond until it holds, failing the test after five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// fakeClock fires timers only when the test says so; its ticker ticks on
// demand too.
type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer
	ticks  []chan struct{}
}

type fakeTimer struct {
	ms      int
	f       func()
	stopped bool
}

func (c *fakeClock) afterMS(ms int, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{ms: ms, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// fire runs every pending timer, as if their time had come.
func (c *fakeClock) fire() int {
	c.mu.Lock()
	var due []*fakeTimer
	for _, t := range c.timers {
		if !t.stopped {
			t.stopped = true
			due = append(due, t)
		}
	}
	c.timers = nil
	c.mu.Unlock()
	for _, t := range due {
		go t.f()
	}
	return len(due)
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return countIf(c.timers, func(t *fakeTimer) bool { return !t.stopped })
}

func countIf[T any](xs []T, keep func(T) bool) int {
	n := 0
	for _, x := range xs {
		if keep(x) {
			n++
		}
	}
	return n
}

func (c *fakeClock) ticker(int) (<-chan struct{}, func(), error) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.ticks = append(c.ticks, ch)
	c.mu.Unlock()
	return ch, func() {}, nil
}

// tick ticks every ticker once.
func (c *fakeClock) tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.ticks {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// fakeModule is a compiled Viewer.
type fakeModule struct{ n int }

// compileCall is one compile the fake compiler was asked for; the test
// settles it with finish, or leaves it to the context.
type compileCall struct {
	ctx    wasmjs.Context
	url    string
	early  any
	report func(loadProgress)
	result chan compileResult
}

type compileResult struct {
	m   module
	err error
}

func (c *compileCall) finish(m module, err error) { c.result <- compileResult{m, err} }

// fakeCompiler hands every compile to the test through calls. With
// ignoreCancel it finishes even after its context ended, as a compile the
// browser already runs does.
type fakeCompiler struct {
	calls        chan *compileCall
	ignoreCancel bool
	panics       bool
}

func newFakeCompiler() *fakeCompiler { return &fakeCompiler{calls: make(chan *compileCall, 100)} }

func (f *fakeCompiler) compile(ctx wasmjs.Context, url string, early any, report func(loadProgress)) (module, error) {
	if f.panics {
		panic("compiler bug")
	}
	c := &compileCall{ctx: ctx, url: url, early: early, report: report, result: make(chan compileResult, 1)}
	f.calls <- c
	if f.ignoreCancel {
		r := <-c.result
		return r.m, r.err
	}
	select {
	case r := <-c.result:
		return r.m, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// next returns the next compile call.
func (f *fakeCompiler) next(t *testing.T) *compileCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no compile was asked for")
		return nil
	}
}

func (f *fakeCompiler) none(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.calls:
		t.Fatalf("an unexpected compile of %q", c.url)
	case <-time.After(20 * time.Millisecond):
	}
}

// fakeModel is a kernel: traits and custom messages.
type fakeModel struct {
	mu        sync.Mutex
	traits    map[string]field
	onChange  func(string)
	onMessage func(message)
	listening bool
	sent      []any
	getErr    error
	listenErr error
}

func newFakeModel(traits map[string]field) *fakeModel {
	if traits == nil {
		traits = map[string]field{}
	}
	return &fakeModel{traits: traits}
}

func (m *fakeModel) get(name string) (field, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.getErr != nil {
		return field{}, m.getErr
	}
	f, ok := m.traits[name]
	if !ok {
		return field{Type: fieldMissing}, nil
	}
	return f, nil
}

func (m *fakeModel) listen(_ []string, onChange func(string), onMessage func(message)) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listenErr != nil {
		return nil, m.listenErr
	}
	m.onChange, m.onMessage, m.listening = onChange, onMessage, true
	return func() {
		m.mu.Lock()
		m.listening = false
		m.mu.Unlock()
	}, nil
}

func (m *fakeModel) send(content any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, content)
	return nil
}

// set changes a trait as the kernel does.
func (m *fakeModel) set(name string, f field) {
	m.mu.Lock()
	m.traits[name] = f
	onChange := m.onChange
	m.mu.Unlock()
	onChange(name)
}

// deliver sends a custom message; with data != nil it carries a buffer of
// that many bytes.
func (m *fakeModel) deliver(content map[string]any, data *fakeBytes) {
	m.mu.Lock()
	onMessage := m.onMessage
	m.mu.Unlock()
	msg := message{content: field{Type: fieldOther, Obj: fields(content)}}
	if data != nil {
		msg.payload = func() (payload, error) { return *data, nil }
	}
	onMessage(msg)
}

func (m *fakeModel) ready() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Contains(m.sent, any("ready"))
}

func (m *fakeModel) isListening() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.listening
}

type fakeBytes struct {
	name string
	n    int64
}

func (b fakeBytes) size() int64 { return b.n }

// fakeUI records what a widget shows.
type fakeUI struct {
	mu       sync.Mutex
	phases   []phase
	last     loadProgress
	failures []string
	retry    func()
	notices  []string
	canvases int
	removed  bool
	hidden   chan struct{} // while not nil and open, the widget is hidden
	onLost   func()        // the last canvas's
	onView   func(bool)
	paused   []string // what suspend showed
	resume   func()
	isPaused bool
}

func (u *fakeUI) progress(p loadProgress) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.last = p
	if len(u.phases) == 0 || u.phases[len(u.phases)-1] != p.Phase {
		u.phases = append(u.phases, p.Phase)
	}
}

func (u *fakeUI) resize(length, length) {}

func (u *fakeUI) whenVisible(ctx wasmjs.Context) error {
	u.mu.Lock()
	hidden := u.hidden
	u.mu.Unlock()
	if hidden == nil {
		return nil
	}
	select {
	case <-hidden:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (u *fakeUI) newCanvas(onLost func()) any {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.canvases++
	u.onLost = onLost
	return u.canvases
}

func (u *fakeUI) watchView(onChange func(bool)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.onView = onChange
}

func (u *fakeUI) suspend(text string, resume func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.paused = append(u.paused, text)
	u.resume, u.isPaused = resume, true
}

// view tells the widget it came into view or left it.
func (u *fakeUI) view(in bool) {
	u.mu.Lock()
	f := u.onView
	u.mu.Unlock()
	f(in)
}

// loseContext is the browser taking the canvas's context away.
func (u *fakeUI) loseContext() {
	u.mu.Lock()
	f := u.onLost
	u.mu.Unlock()
	f()
}

func (u *fakeUI) pausedNow() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.isPaused
}

// clickRetry clicks the Retry (or Restore) button the widget shows.
func (u *fakeUI) clickRetry() {
	u.mu.Lock()
	f := u.retry
	u.mu.Unlock()
	f()
}

func (u *fakeUI) showOverlay() {}
func (u *fakeUI) ready() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.isPaused, u.resume = false, nil
}

func (u *fakeUI) fail(title, detail string, retry func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.failures = append(u.failures, title+": "+detail)
	u.retry = retry
}

func (u *fakeUI) offerRestore(title, detail string, restore func()) {
	u.fail(title, detail, restore)
}

func (u *fakeUI) notice(text string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.notices = append(u.notices, text)
}

func (u *fakeUI) remove() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.removed = true
}

func (u *fakeUI) failure() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.failures, "\n")
}

func (u *fakeUI) isRemoved() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.removed
}

// fakeStarter starts fake Viewers that record every call in one log.
type fakeStarter struct {
	mu      sync.Mutex
	log     []string
	viewers []*fakeViewer
	hold    chan struct{} // while not nil and open, start waits
	err     error
	quiet   bool // its Viewers open no recording and report nothing
}

func (s *fakeStarter) start(ctx wasmjs.Context, m module, _ any, opts viewerOptions, onEvent func(string), channel string) (viewer, error) {
	s.mu.Lock()
	hold, err := s.hold, s.err
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	if err != nil {
		return nil, err
	}
	v := &fakeViewer{s: s, onEvent: onEvent}
	s.record(fmt.Sprintf("start theme=%q", opts.theme))
	s.mu.Lock()
	s.viewers = append(s.viewers, v)
	quiet := s.quiet
	s.mu.Unlock()
	if !quiet {
		onEvent(`{"type":"started"}`)
	}
	return v, nil
}

func (s *fakeStarter) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, call)
}

func (s *fakeStarter) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func (s *fakeStarter) live() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return countIf(s.viewers, func(v *fakeViewer) bool { return !v.closed })
}

type fakeViewer struct {
	s       *fakeStarter
	onEvent func(string)
	closed  bool
	panic   string
	sendBug bool
}

// fakeState is what every fake Viewer says its state is.
var fakeState = viewerState{recordingID: "rec-1", timeline: "frame", time: 42, playing: false}

func (v *fakeViewer) state() viewerState { return fakeState }

func (v *fakeViewer) restore(st viewerState) error {
	if err := v.setRecordingID(st.recordingID); err != nil {
		return err
	}
	return v.timeCtrl(&st.timeline, &st.time, st.playing)
}

// opens has the Viewer open the recording its data belongs to, in its own
// time, unless its starter is quiet.
func (v *fakeViewer) opens() {
	v.s.mu.Lock()
	quiet := v.s.quiet
	v.s.mu.Unlock()
	if !quiet {
		go v.onEvent(`{"type":"recording_open","recording_id":"` + fakeState.recordingID + `"}`)
	}
}

func (v *fakeViewer) sendData(channel string, kind messageKind, data payload) error {
	if v.sendBug {
		panic("viewer bug")
	}
	if channel != "" {
		kind += messageKind(" @" + channel)
	}
	v.s.record(fmt.Sprintf("%s %s", kind, data.(fakeBytes).name))
	v.opens()
	return nil
}

func (v *fakeViewer) timeCtrl(timeline *string, t *float64, play bool) error {
	if timeline != nil && t != nil {
		v.s.record(fmt.Sprintf("time_ctrl %s %v %v", *timeline, *t, play))
		return nil
	}
	v.s.record(fmt.Sprintf("time_ctrl %v", play))
	return nil
}
func (v *fakeViewer) openURL(url string, follow bool) error {
	if follow {
		url += " (follow)"
	}
	v.s.record("open " + url)
	v.opens()
	return nil
}
func (v *fakeViewer) closeURL(url string) error { v.s.record("close " + url); return nil }
func (v *fakeViewer) openChannel(channel, name string) error {
	v.s.record("open channel " + channel + " " + name)
	return nil
}
func (v *fakeViewer) closeChannel(channel string) error {
	v.s.record("close channel " + channel)
	return nil
}
func (v *fakeViewer) setRecordingID(id string) error { v.s.record("recording " + id); return nil }
func (v *fakeViewer) setCredentials(token, email string) error {
	v.s.record("credentials " + email)
	return nil
}
func (v *fakeViewer) overridePanel(panel, state string) error {
	v.s.record("panel " + panel + "=" + state)
	return nil
}
func (v *fakeViewer) panicked() (string, bool) { return v.panic, v.panic != "" }
func (v *fakeViewer) close() {
	v.s.mu.Lock()
	v.closed = true
	v.s.mu.Unlock()
	v.s.record("close viewer")
}

// testWidget is one widget on a test page, with its fakes.
type testWidget struct {
	model   *fakeModel
	ui      *fakeUI
	starter *fakeStarter
	cancel  func()
	ctx     wasmjs.Context
}

// testPage is a page with a fake clock and a fake compiler.
type testPage struct {
	*page
	clock    *fakeClock
	compiler *fakeCompiler
	url      string // the Viewer URL widgets mount with
	logMu    sync.Mutex
	logs     []string // errors
	infos    []string // news that is no error
}

func newTestPage() *testPage {
	tp := &testPage{clock: &fakeClock{}, compiler: newFakeCompiler(), url: testViewerURL}
	tp.page = newPage(tp.clock, func(msg string) {
		if strings.HasPrefix(msg, badMove) {
			badMoves.Store(msg)
		}
		tp.logMu.Lock()
		tp.logs = append(tp.logs, msg)
		tp.logMu.Unlock()
	}, func(msg string) {
		tp.logMu.Lock()
		tp.infos = append(tp.infos, msg)
		tp.logMu.Unlock()
	})
	return tp
}

const testViewerURL = "https://cdn.example/rerun/re_viewer_bg.wasm?token=1"

// mount starts a widget on the page with the given early download.
func (tp *testPage) mount(t *testing.T, traits map[string]field, early *earlyFetch) *testWidget {
	t.Helper()
	w := &testWidget{model: newFakeModel(traits), ui: &fakeUI{}, starter: &fakeStarter{}}
	return tp.mountWith(t, w, early)
}

func (tp *testPage) mountWith(t *testing.T, w *testWidget, early *earlyFetch) *testWidget {
	t.Helper()
	w.ctx, w.cancel = wasmjs.WithCancel(wasmjs.Background())
	err := tp.startWidget(w.ctx, w.cancel, widgetParts{
		model: w.model, ui: w.ui, starter: w.starter,
		src: viewerSource{url: tp.url, compiler: tp.compiler, early: early},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// mountWithData starts a widget on a page whose Viewer is compiled and
// sends it some data, which a restart replays.
func (tp *testPage) mountWithData(t *testing.T) *testWidget {
	t.Helper()
	w := tp.mount(t, nil, nil)
	tp.compiler.next(t).finish(fakeModule{}, nil)
	w.waitReady(t)
	w.model.deliver(map[string]any{"type": "rrd"}, &fakeBytes{"data", 100})
	waitFor(t, "the data", func() bool { return slices.Contains(w.starter.calls(), "rrd data") })
	return w
}

func (w *testWidget) waitReady(t *testing.T) {
	t.Helper()
	waitFor(t, "the widget to say ready", w.model.ready)
}

// waitWaiters waits until n widgets wait for the load under way.
func (tp *testPage) waitWaiters(t *testing.T, n int) {
	t.Helper()
	waitFor(t, fmt.Sprint(n, " widgets waiting for the load"), func() bool {
		tp.mu.Lock()
		defer tp.mu.Unlock()
		return tp.load != nil && tp.load.waiters == n
	})
}

// waitGone waits until every widget of the page has torn down.
func (tp *testPage) waitGone(t *testing.T) {
	t.Helper()
	waitFor(t, "no live widgets", func() bool { return tp.stats().widgets == 0 })
}

var errBoom = errors.New("boom")

// lastViewer is the Viewer started last.
func (s *fakeStarter) lastViewer() *fakeViewer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.viewers[len(s.viewers)-1]
}
