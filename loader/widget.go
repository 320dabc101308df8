package loader

import (
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/wasmjs"
)

// widget is one view showing one Viewer. It owns one context: cancelling
// it (the host's signal aborts, or the cleanup widget.js returned is
// called) is the whole cleanup story.
type widget struct {
	page   *page
	ctx    wasmjs.Context
	cancel func()
	id     string // the Viewer's recording channel

	model     model
	ui        ui
	starter   viewerStarter
	src       viewerSource
	simd      func() bool // nil: not checked
	lifecycle func(event string)
	// unknownKinds are the message types noted as unknown so far.
	unknownKinds []string

	stopListening func()
	inbox         inbox
	retry         chan struct{}

	module module
	viewer viewer // nil until started, and after a crash
	opts   viewerOptions
	url    string // the recording or server URL the Viewer has open (_url, partition_url)
	// opened are the URLs open_url opened and close_url did not close,
	// in order: a restart opens them again.
	opened []openedURL
	replay replayLog

	// dormant says why a widget has no Viewer it will get back: suspended
	// to keep the page within its budget, or its graphics context lost.
	dormant dormancy
	// held are the kernel's messages and trait changes that arrived while
	// dormant, handled in order once the Viewer is back.
	held []item
	// saved is the Viewer's state when it went dormant.
	saved viewerState
	// restoreFor is the recording whose recording_open puts saved back:
	// the Viewer reads replayed data in its own time. restoreGen numbers
	// the waits, so that news of an earlier Viewer's wait does nothing;
	// restoreNews counts the revived Viewer's events, which say it still
	// works. Guarded by restoreMu, as the Viewer's events arrive on
	// JavaScript's side; only the widget's goroutine writes restoreFor and
	// restoreGen.
	restoreMu   sync.Mutex
	restoreFor  string
	restoreGen  int
	restoreNews int
	// restoring: the state waits for restoreFor to open, and what arrives
	// meanwhile is held. Once the wait gives up, restoring is false while
	// restoreFor stays: the state still goes back if the recording opens
	// before the kernel says anything else.
	restoring       bool
	restoreIdle     int // steps of restoreStepMS without news from the Viewer
	restoreSeen     int // restoreNews at the last step
	stopRestoreWait func() bool

	// Guarded by page.mu: whether the widget is in the viewport, the
	// budget's sequence number of its last change, whether it was asked
	// to suspend, and whether its Viewer runs.
	inView     bool
	lastSeen   int64
	suspending bool
	started    bool // its Viewer runs (admitted and started)
}

// dormancy is why a widget has no running Viewer for now.
type dormancy int

const (
	awake dormancy = iota
	suspended
	contextLost
)

// widgetParts are what a host hands over for one widget.
type widgetParts struct {
	model   model
	ui      ui
	starter viewerStarter
	src     viewerSource
	simd    func() bool
	// lifecycle, when not nil, hears of suspensions, resumptions and
	// lost contexts (names.LifecycleEvents).
	lifecycle func(event string)
}

var widgetSeq struct {
	sync.Mutex
	n int
}

// startWidget subscribes a new widget to its model and runs it in its own
// goroutine until ctx ends; cancel ends it. It fails only when the model
// cannot be listened to, and then releases what it was given.
func (p *page) startWidget(ctx wasmjs.Context, cancel func(), parts widgetParts) error {
	w := &widget{
		page: p, ctx: ctx, cancel: cancel,
		model: parts.model, ui: parts.ui, starter: parts.starter, src: parts.src, simd: parts.simd,
		lifecycle: parts.lifecycle,
		retry:     make(chan struct{}, 1),
	}
	w.inbox.wake = make(chan struct{}, 1)
	widgetSeq.Lock()
	widgetSeq.n++
	w.id = "rerun-notebook-" + strconv.Itoa(widgetSeq.n)
	widgetSeq.Unlock()

	w.resize()
	stop, err := w.model.listen(traits,
		func(trait string) { w.inbox.push(item{trait: trait}) },
		func(m message) { w.inbox.push(item{msg: m}) })
	if err != nil {
		cancel()
		w.src.early.discard()
		w.ui.remove()
		return errors.Join(errors.New("listen to the widget's model"), err)
	}
	w.stopListening = stop
	w.ui.watchView(func(inView bool) { p.viewChanged(w, inView) })

	p.mu.Lock()
	p.widgets++
	p.mu.Unlock()
	go func() {
		w.run()
		p.mu.Lock()
		p.widgets--
		p.mu.Unlock()
	}()
	return nil
}

// traits are the synced traits the widget follows.
var traits = []string{"_width", "_height", "_url", "_panel_states", "_theme", "_fallback_token"}

// panicPollMS is how often a running Viewer is asked whether it
// panicked, in milliseconds.
const panicPollMS = 1000

// run loads and starts the Viewer, then serves the widget protocol until
// the widget's context ends, and tears everything down. Nothing that goes
// wrong in it stops the Go runtime: a panic fails this widget only.
func (w *widget) run() {
	defer w.teardown()
	defer func() {
		if r := recover(); r != nil {
			w.fail("The Rerun loader failed", errors.New("a bug in the loader: "+panicText(r)), false)
			<-w.ctx.Done()
		}
	}()
	if !w.startWithRetry() {
		return
	}
	tick, stopTick, err := w.page.clock.ticker(panicPollMS)
	if err != nil {
		w.fail("The Rerun Viewer cannot be watched for crashes", err, false)
		<-w.ctx.Done()
		return
	}
	defer stopTick()
	w.serve(tick)
}

// startWithRetry starts the Viewer, offering a Retry after failures that
// another try may cure. It reports whether the Viewer runs.
func (w *widget) startWithRetry() bool {
	for {
		err := w.start()
		if err == nil {
			return true
		}
		if w.ctx.Err() != nil {
			return false
		}
		canRetry := retryable(err)
		w.fail(names.StartFailedTitle, err, canRetry)
		if !canRetry {
			<-w.ctx.Done()
			return false
		}
		select {
		case <-w.ctx.Done():
			return false
		case <-w.retry:
			w.ui.showOverlay()
		}
	}
}

// serve handles the kernel's messages and trait changes in arrival order
// and watches the Viewer for panics.
func (w *widget) serve(tick <-chan struct{}) {
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-tick:
			w.checkPanic()
		case <-w.inbox.wake:
			for _, it := range w.inbox.drain() {
				w.handle(it)
			}
		}
	}
}

// fail shows an error in the console and in place of the Viewer.
func (w *widget) fail(title string, err error, canRetry bool) {
	detail := err.Error()
	w.page.log(title + ": " + detail)
	if hint := hintFor(err); hint != "" {
		detail += "\n\n" + hint
	}
	var retry func()
	if canRetry {
		retry = func() {
			select {
			case w.retry <- struct{}{}:
			default:
			}
		}
	}
	w.ui.fail(title, detail, retry)
}

// errNoSIMD is a browser that cannot run the Viewer.
var errNoSIMD = errors.New("This browser is too old to run the Rerun Viewer: it lacks WebAssembly SIMD. " +
	"Use Chrome or Edge 91+, Firefox 89+ or Safari 16.4+.")

func (w *widget) start() error {
	if w.simd != nil && !w.simd() {
		return errNoSIMD
	}
	w.ui.progress(loadProgress{})
	m, err := w.page.viewerModule(w.ctx, w.src, w.ui)
	// Only the first try can use the early download.
	w.src.early.discard()
	w.src.early = nil
	if err != nil {
		return err
	}
	w.module = m
	// A hidden widget (a collapsed output, a background tab) waits with
	// its compiled Viewer: a canvas with no size cannot start one.
	if err := w.ui.whenVisible(w.ctx); err != nil {
		return err
	}
	w.ui.progress(loadProgress{Phase: phaseStart})
	if err := w.startViewer(); err != nil {
		return err
	}
	w.ui.ready()
	if err := w.model.send("ready"); err != nil {
		return errors.Join(errors.New("tell the kernel the Viewer is ready"), err)
	}
	return nil
}

// startViewer starts a Viewer with the current traits on a fresh canvas,
// opens the _url and applies the panel states.
func (w *widget) startViewer() error {
	opts := w.currentOptions()
	if err := w.page.admit(w.ctx, w); err != nil {
		return err
	}
	lost := func() { w.inbox.push(item{control: controlLost}) }
	v, err := w.starter.start(w.ctx, w.module, w.ui.newCanvas(lost), opts, w.forwardEvent, w.id)
	if err != nil {
		w.page.release(w)
		return err
	}
	w.viewer, w.opts = v, opts
	w.page.started(w)
	if err := w.syncURL(); err != nil {
		return err
	}
	w.applyPanelStates()
	return nil
}

// forwardEvent sends a Viewer event to the kernel untouched, as upstream
// does: Python parses it, so parsing it here would be wasted work. While
// a revived Viewer's state waits for its recording, the event is news
// from the Viewer, and its recording_open puts the state back.
func (w *widget) forwardEvent(event string) {
	if err := w.model.send(event); err != nil {
		w.page.log("forward a viewer event: " + err.Error())
	}
	w.restoreMu.Lock()
	id, gen := w.restoreFor, w.restoreGen
	if id != "" {
		w.restoreNews++
	}
	w.restoreMu.Unlock()
	if id != "" && strings.Contains(event, `"recording_open"`) && strings.Contains(event, `"`+id+`"`) {
		w.inbox.push(item{control: controlRestoreState, gen: gen})
	}
}

// currentOptions reads the traits that become Viewer start options.
func (w *widget) currentOptions() viewerOptions {
	var o viewerOptions
	if token := w.trait("_fallback_token"); token.Type == fieldString {
		o.fallbackToken, o.hasToken = token.Str, true
	}
	if theme := w.trait("_theme"); theme.Type == fieldString {
		o.theme = theme.Str
	}
	return o
}

// trait reads a synced trait; a model that cannot say is reported and
// read as unset.
func (w *widget) trait(name string) field {
	f, err := w.model.get(name)
	if err != nil {
		w.report(errors.Join(errors.New("read "+name+" from the model"), err))
		return field{Type: fieldMissing}
	}
	return f
}

func (w *widget) resize() {
	w.ui.resize(lengthOf(w.trait("_width")), lengthOf(w.trait("_height")))
}

func lengthOf(f field) length {
	switch f.Type {
	case fieldNumber:
		return length{Pixels: f.Num, IsPx: true}
	case fieldString:
		return length{Auto: f.Str == "auto", CSS: cssLength(f.Str)}
	}
	return length{}
}

// panelStates reads _panel_states as panel → state ("" for the default),
// reporting invalid entries.
func (w *widget) panelStates() map[string]string {
	v := w.trait("_panel_states")
	states := map[string]string{}
	if v.Obj == nil {
		if v.Type != fieldNull && v.Type != fieldMissing {
			w.report(errors.New("_panel_states is " + describeField(v) + ", want an object or null"))
		}
		return states
	}
	for _, panel := range panels {
		state, err := panelState(panel, v.Obj.Field(panel))
		if err != nil {
			w.report(err)
			continue
		}
		states[panel] = state
	}
	return states
}

func (w *widget) applyPanelStates() {
	states := w.panelStates()
	for _, panel := range panels {
		state, ok := states[panel]
		if !ok {
			continue
		}
		if err := w.viewer.overridePanel(panel, state); err != nil {
			w.report(err)
		}
	}
}

// syncURL makes the Viewer's open URL match _url.
func (w *widget) syncURL() error {
	want := ""
	if u := w.trait("_url"); u.Type == fieldString {
		want = u.Str
	}
	return w.switchURL(want)
}

// switchURL closes the URL the Viewer has open and opens another ("" for
// none), as _url changes and partition_url messages ask.
func (w *widget) switchURL(url string) error {
	if url == w.url {
		return nil
	}
	if w.url != "" {
		if err := w.viewer.closeURL(w.url); err != nil {
			return err
		}
	}
	w.url = ""
	if url != "" {
		if err := w.viewer.openURL(url, false); err != nil {
			return err
		}
	}
	w.url = url
	return nil
}

// item is a kernel message, a trait change or news about the widget's
// Viewer, queued in arrival order.
type item struct {
	trait   string // a changed trait; empty for a message
	msg     message
	control control
	gen     int // the restore wait a controlRestoreState or controlRestoreStep is about
}

// control is news about a widget's Viewer from the page or the browser.
type control int

const (
	controlNone         control = iota
	controlSuspend              // the page's budget needs its context
	controlLost                 // the browser took its graphics context away
	controlView                 // the widget came into view
	controlResume               // the user asked for it back
	controlRestoreState         // the replayed recording is open again
	controlRestoreStep          // a step of the wait for it ended
)

// restoreWaitMS is how long a revived Viewer may go without opening its
// replayed recording, and without any other event, before what the
// kernel sent meanwhile stops waiting for its state. The wait is counted
// in steps of restoreStepMS, each a timer of its own, as the stall
// watchdog counts (see stallMS): a main thread busy for longer (the Viewer
// reading the replayed data, a starved CPU) delays the steps, and each
// event of the Viewer starts the count again, so a slow Viewer is not
// taken for one whose recording does not come back.
const (
	restoreWaitMS = 10_000
	restoreStepMS = 1_000
)

func (w *widget) handle(it item) {
	if it.control != controlNone {
		w.handleControl(it)
		return
	}
	if it.trait == "_width" || it.trait == "_height" {
		w.resize()
		return
	}
	if w.dormant != awake || w.restoring {
		w.held = append(w.held, it)
		return
	}
	if w.restoreFor != "" {
		// The wait gave up, and the kernel has spoken since: its word
		// wins over the state saved before.
		w.endRestore()
		w.saved = viewerState{}
	}
	if w.viewer == nil {
		return // crashed: the widget shows why
	}
	var err error
	if it.trait != "" {
		err = w.traitChanged(it.trait)
	} else {
		err = w.dispatch(it.msg)
	}
	var unknown *unknownMessage
	switch {
	case errors.As(err, &unknown):
		if !slices.Contains(w.unknownKinds, unknown.Kind) {
			w.unknownKinds = append(w.unknownKinds, unknown.Kind)
			w.page.info(err.Error())
		}
	case err != nil:
		w.report(err)
	}
}

// report shows a problem that does not stop the Viewer in the console and
// in the widget.
func (w *widget) report(err error) {
	w.page.log(err.Error())
	w.ui.notice(err.Error())
}

func (w *widget) traitChanged(name string) error {
	switch name {
	case "_url":
		return w.syncURL()
	case "_panel_states":
		w.applyPanelStates()
	case "_theme", "_fallback_token":
		if w.currentOptions() != w.opts {
			return w.restart()
		}
	}
	return nil
}

// restart replaces the Viewer with one built from the current traits
// (theme and fallback token are start options the Viewer cannot change
// while it runs), then replays the recordings sent so far.
func (w *widget) restart() error {
	w.saved = w.viewer.state()
	w.closeViewer()
	w.revive("the Viewer restarted to apply a new theme or token")
	return nil
}

// closeViewer destroys the Viewer, which no longer counts as running.
func (w *widget) closeViewer() {
	if w.restoreFor != "" {
		// Suspended or restarted before the state came back: what is held
		// stays held, and the state saved now is the one to put back.
		w.endRestore()
	}
	w.viewer.close()
	w.viewer, w.url = nil, ""
	w.page.release(w)
	// The closed Viewer's glue instance and Wasm memory stay pinned in
	// wasm_exec.js's table until a Go collection finalizes their values
	// (see teardown): a suspended Viewer must give its memory back now.
	runtime.GC()
}

// handleControl suspends the Viewer, gives it up when its context is
// lost, brings it back, or puts its state back.
func (w *widget) handleControl(it item) {
	switch it.control {
	case controlSuspend:
		if w.viewer == nil || w.dormant != awake {
			w.page.release(w) // nothing to suspend: not counted any more
			return
		}
		w.saved = w.viewer.state()
		w.ui.suspend(suspendedText+w.holdings(), w.askResume)
		w.closeViewer()
		w.dormant = suspended
		w.notify(names.EventSuspended)
	case controlLost:
		if w.viewer == nil || w.dormant != awake {
			return
		}
		w.saved = w.viewer.state()
		w.closeViewer()
		w.dormant = contextLost
		w.page.log(lostTitle + ": " + lostDetail)
		w.ui.offerRestore(lostTitle, lostDetail, w.askResume)
		w.notify(names.EventContextLost)
	case controlView:
		if w.dormant == suspended {
			w.wake()
		}
	case controlResume:
		if w.dormant != awake {
			w.wake()
		}
	case controlRestoreState:
		if it.gen != w.restoreGen || w.restoreFor == "" {
			return // an earlier Viewer's recording, or the state is back already
		}
		w.restoreState()
		w.saved = viewerState{}
		w.endRestore()
		w.handleHeld()
	case controlRestoreStep:
		if it.gen == w.restoreGen && w.restoring {
			w.restoreStep()
		}
	}
}

// armRestoreStep starts the next step of the wait for the revived
// Viewer's recording.
func (w *widget) armRestoreStep() {
	gen := w.restoreGen
	w.stopRestoreWait = w.page.clock.afterMS(restoreStepMS, func() {
		w.inbox.push(item{control: controlRestoreStep, gen: gen})
	})
}

// restoreStep ends a step of the wait for the revived Viewer's recording.
// Once the steps without news from the Viewer add up to restoreWaitMS,
// what the kernel sent meanwhile is handled: the Viewer is slow, or its
// recording does not come back (data too large to keep, a URL that no
// longer answers), and the page cannot tell which, so it says so without
// calling it an error.
func (w *widget) restoreStep() {
	w.restoreMu.Lock()
	news := w.restoreNews
	w.restoreMu.Unlock()
	if news != w.restoreSeen {
		w.restoreSeen, w.restoreIdle = news, 0
	} else {
		w.restoreIdle++
	}
	if w.restoreIdle*restoreStepMS < restoreWaitMS {
		w.armRestoreStep()
		return
	}
	w.restoring, w.stopRestoreWait = false, nil
	w.page.info("the Viewer started again has not opened the recording " + quote(w.restoreFor) +
		" again and has reported nothing for " + strconv.Itoa(restoreWaitMS/1000) +
		" s: the kernel's messages go on now, and its time and play state go back if it opens before they change them")
	w.handleHeld()
}

const (
	suspendedText = "Paused to save memory: a page runs a limited number of Rerun Viewers at once. " +
		"Scroll here or click to resume it."
	lostTitle  = "This Rerun Viewer lost its graphics context"
	lostDetail = "The browser took away its WebGL context: too many Viewers on the page, or the GPU process restarted. " +
		"Restore it to start it again with its data."
)

// holdings says what a paused widget holds, so a page of placeholders
// still tells its Viewers apart: the recording it showed and where, the
// data it keeps for its return, the URLs it opens again. "" when it holds
// nothing to name.
func (w *widget) holdings() string {
	var parts []string
	if id := w.saved.recordingID; id != "" {
		part := "the recording " + quote(id)
		if w.saved.timeline != "" {
			part += " on the timeline " + quote(w.saved.timeline)
		}
		parts = append(parts, part)
	}
	switch r := w.replay; {
	case r.dropped > 0:
		parts = append(parts, amount(r.dropped)+" of data too large to keep while paused (run the cell again to see it)")
	case r.size > 0:
		parts = append(parts, amount(r.size)+" of data kept for its return")
	}
	const shown = 3
	for i, o := range w.opened {
		if i == shown {
			parts = append(parts, strconv.Itoa(len(w.opened)-shown)+" more URLs")
			break
		}
		parts = append(parts, o.url)
	}
	if len(parts) == 0 {
		return ""
	}
	return "\nIt holds " + strings.Join(parts, "; ") + "."
}

// notify tells the page a Viewer of its own (not a notebook's kernel,
// which knows only the Viewer's events) suspended, resumed, lost its
// context or was restored.
func (w *widget) notify(event string) {
	if w.lifecycle != nil {
		w.lifecycle(event)
	}
}

// endRestore stops waiting for the revived Viewer's recording.
func (w *widget) endRestore() {
	w.restoring = false
	w.restoreMu.Lock()
	w.restoreFor = ""
	w.restoreMu.Unlock()
	if w.stopRestoreWait != nil {
		w.stopRestoreWait()
		w.stopRestoreWait = nil
	}
}

// askResume asks for the Viewer back; a click calls it.
func (w *widget) askResume() { w.inbox.push(item{control: controlResume}) }

// wake starts a dormant widget's Viewer again with its data and state,
// then handles what arrived meanwhile, in order.
func (w *widget) wake() {
	why, event := "the Viewer resumed", names.EventResumed
	if w.dormant == contextLost {
		why, event = "the Viewer was restored", names.EventRestored
	}
	was := w.dormant
	w.dormant = awake
	if !w.revive(why) {
		w.dormant = was
		return
	}
	w.notify(event)
}

// handleHeld handles what arrived while the widget was dormant or its
// state was being put back, in order.
func (w *widget) handleHeld() {
	held := w.held
	w.held = nil
	for _, it := range held {
		w.handle(it)
	}
}

// revive starts a Viewer with the current traits, opens the URLs and
// replays the data the widget was sent, puts back the state saved when the
// old one stopped, and says so plainly if data was too large to keep. It
// reports whether the Viewer runs.
func (w *widget) revive(why string) bool {
	w.ui.progress(loadProgress{Phase: phaseRestart})
	w.ui.showOverlay()
	if w.saved.recordingID != "" {
		// The state goes back once its recording is open again (the Viewer
		// reads replayed data in its own time); what the kernel sends
		// meanwhile waits, or the older state would overwrite it.
		w.restoring = true
		w.restoreMu.Lock()
		w.restoreFor = w.saved.recordingID
		w.restoreGen++
		w.restoreNews = 0
		w.restoreMu.Unlock()
		w.restoreIdle, w.restoreSeen = 0, 0
		w.armRestoreStep()
	}
	if err := w.startViewer(); err != nil {
		w.endRestore()
		w.fail("The Rerun Viewer could not restart", err, false)
		return false
	}
	for _, o := range w.opened {
		if err := w.viewer.openURL(o.url, o.follow); err != nil {
			w.report(err)
		}
	}
	for _, e := range w.replay.entries {
		if err := w.viewer.sendData(e.kind, e.data); err != nil {
			w.report(err)
		}
	}
	w.ui.ready()
	if !w.restoring {
		w.handleHeld()
	}
	if w.replay.dropped > 0 {
		w.report(errors.New(why + "; " + mib(w.replay.dropped) +
			" of data sent earlier was too large to keep for it: run the cell again"))
	}
	return true
}

// restoreState puts the saved recording, timeline, time and play state
// back, as far as the Viewer lets it be set, once the replayed recording
// is open again.
func (w *widget) restoreState() {
	if err := w.viewer.restore(w.saved); err != nil {
		w.page.log("put the Viewer's recording, time and play state back: " + err.Error())
	}
}

func (w *widget) dispatch(msg message) error {
	if msg.content.Obj == nil {
		return &messageError{Reason: errNotObject.Error()}
	}
	m, err := decodeMessage(msg.content.Obj)
	if err != nil {
		return err
	}
	var data payload
	if m.needsBuffer() {
		if msg.payload == nil {
			return &messageError{Kind: string(m.Kind), Reason: "it carries no buffer"}
		}
		if data, err = msg.payload(); err != nil {
			return &messageError{Kind: string(m.Kind), Reason: err.Error()}
		}
	}
	v := w.viewer
	switch m.Kind {
	case kindRRD, kindTable:
		if err := v.sendData(m.Kind, data); err != nil {
			return err
		}
		w.keepForReplay(m.Kind, data)
		return nil
	case kindTimeCtrl:
		return v.timeCtrl(m.Timeline, m.Time, m.Play)
	case kindRecordingID:
		return v.setRecordingID(m.ID)
	case kindPartitionURL:
		return w.switchURL(m.URL)
	case kindOpenURL:
		if err := v.openURL(m.URL, m.Follow); err != nil {
			return err
		}
		w.forget(m.URL)
		w.opened = append(w.opened, openedURL{m.URL, m.Follow})
		return nil
	case kindCloseURL:
		w.forget(m.URL)
		return v.closeURL(m.URL)
	case kindSetCredentials:
		return v.setCredentials(m.AccessToken, m.Email)
	}
	return nil
}

type openedURL struct {
	url    string
	follow bool
}

// forget drops url from the URLs to open again after a restart.
func (w *widget) forget(url string) {
	w.opened = slices.DeleteFunc(w.opened, func(o openedURL) bool { return o.url == url })
}

// checkPanic shows a Viewer panic in this widget and releases the dead
// Viewer.
func (w *widget) checkPanic() {
	if w.viewer == nil {
		return
	}
	msg, panicked := w.viewer.panicked()
	if !panicked {
		return
	}
	w.closeViewer()
	w.fail(names.CrashTitle, errors.New(msg), false)
}

// teardown releases everything the widget made, in the order that keeps
// JavaScript from calling released Go functions.
func (w *widget) teardown() {
	defer func() {
		if r := recover(); r != nil {
			w.page.log("clean up a widget: " + panicText(r))
		}
	}()
	w.cancel()
	w.src.early.discard() // when the widget ended before it asked for the Viewer
	w.stopListening()
	if w.viewer != nil {
		w.closeViewer()
	}
	w.page.release(w)
	w.page.freeReplay(w.replay.size)
	w.replay = replayLog{}
	w.held = nil
	w.inbox.drain()
	w.ui.remove()
	// Every JavaScript value Go references stays pinned in wasm_exec.js's
	// table until a Go garbage collection finalizes it; the loader's heap is
	// tiny and would rarely collect on its own, so without this a torn-down
	// Viewer's glue instance (and its Wasm memory) would stay reachable.
	runtime.GC()
}

// inbox queues kernel messages and trait changes in order without ever
// blocking the JavaScript callback that receives them.
type inbox struct {
	mu    sync.Mutex
	items []item
	wake  chan struct{}
}

func (q *inbox) push(it item) {
	q.mu.Lock()
	q.items = append(q.items, it)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *inbox) drain() []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// replayBudget bounds the bytes a widget keeps to replay after a restart:
// keeping everything would double the memory of large recordings for a
// rarely used path.
const replayBudget = 32 << 20

// replayLog keeps the recordings and tables sent to the Viewer, up to
// replayBudget and the page's pageReplayBudget, so a restart can send
// them again.
type replayLog struct {
	entries []replayEntry
	size    int64
	dropped int64 // bytes not kept: a budget was exceeded
}

type replayEntry struct {
	kind messageKind
	data payload
}

// keepForReplay adds data to the replay log while the budgets allow.
func (w *widget) keepForReplay(kind messageKind, data payload) {
	r := &w.replay
	n := data.size()
	if r.dropped > 0 || r.size+n > replayBudget || !w.page.reserveReplay(n) {
		// Once anything is dropped, keep nothing: a partial replay would
		// show a recording that silently misses its start.
		w.page.freeReplay(r.size)
		r.dropped += r.size + n
		r.entries, r.size = nil, 0
		return
	}
	r.entries = append(r.entries, replayEntry{kind, data})
	r.size += n
}
