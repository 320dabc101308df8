package loader

import (
	"errors"
	"runtime"
	"strconv"
	"strings"

	"github.com/gorerun/loader/names"
)

// handleControl suspends the Viewer, gives it up when its context is
// lost, brings it back, hears its news, or ends a step of the wait for
// its state.
func (w *widget) handleControl(it item) {
	switch it.control {
	case controlSuspend:
		if w.state != stateRunning && w.state != stateRestoring {
			w.page.release(w) // nothing to suspend: not counted any more
			return
		}
		w.saved = w.viewer.state()
		w.ui.suspend(suspendedText+w.holdings(), w.askResume)
		w.closeViewer()
		w.moveTo(stateSuspended)
		w.notify(names.EventSuspended)
	case controlLost:
		if w.state != stateRunning && w.state != stateRestoring {
			return
		}
		w.saved = w.viewer.state()
		w.closeViewer()
		w.moveTo(stateLost)
		w.page.log(lostTitle + ": " + lostDetail)
		w.ui.offerRestore(lostTitle, lostDetail, w.askResume)
		w.notify(names.EventContextLost)
	case controlView:
		if w.state == stateSuspended {
			w.wake()
		}
	case controlResume:
		if w.state == stateSuspended || w.state == stateLost {
			w.wake()
		}
	case controlNews:
		if it.gen == w.viewerGen && w.restore.recording != "" {
			w.news(it.event)
		}
	case controlRestoreStep:
		if it.gen == w.viewerGen && w.state == stateRestoring {
			w.restoreStep()
		}
	}
}

// askResume asks for the Viewer back; a click calls it.
func (w *widget) askResume() { w.inbox.push(item{control: controlResume}) }

// restart replaces the Viewer with one built from the current traits
// (theme and fallback token are start options the Viewer cannot change
// while it runs), then replays the recordings sent so far.
func (w *widget) restart() error {
	w.saved = w.viewer.state()
	w.closeViewer()
	if !w.revive("the Viewer restarted to apply a new theme or token") {
		w.moveTo(stateFailed)
	}
	return nil
}

// wake starts a suspended or lost widget's Viewer again with its data and
// state, then handles what arrived meanwhile, in order. When that fails
// it stays as it was, showing why, and the next view or click tries again.
func (w *widget) wake() {
	why, event := "the Viewer resumed", names.EventResumed
	if w.state == stateLost {
		why, event = "the Viewer was restored", names.EventRestored
	}
	if w.revive(why) {
		w.notify(event)
	}
}

// closeViewer destroys the Viewer, which no longer counts as running.
func (w *widget) closeViewer() {
	if w.restore.recording != "" {
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

// revive starts a Viewer with the current traits, opens the URLs and
// replays the data the widget was sent, waits for its recording to put
// back the state saved when the old one stopped (restoring), and says so
// plainly if data was too large to keep. It reports whether the Viewer
// runs; the caller decides what a failure leaves.
func (w *widget) revive(why string) bool {
	w.ui.progress(loadProgress{Phase: phaseRestart})
	w.ui.showOverlay()
	if err := w.startViewer(); err != nil {
		w.fail("The Rerun Viewer could not restart", err, false)
		return false
	}
	if w.saved.recordingID != "" {
		// The state goes back once its recording is open again (the Viewer
		// reads replayed data in its own time); what the kernel sends
		// meanwhile waits, or the older state would overwrite it.
		w.restore = restoreWait{recording: w.saved.recordingID}
		w.armRestoreStep()
		w.moveTo(stateRestoring)
	} else {
		w.moveTo(stateRunning)
	}
	for _, o := range w.opened {
		if err := w.viewer.openURL(o.url, o.follow); err != nil {
			w.report(err)
		}
	}
	for _, c := range w.channels {
		if err := w.viewer.openChannel(c.id, c.name); err != nil {
			w.report(err)
		}
	}
	for _, e := range w.replay.entries {
		if err := w.viewer.sendData(e.channel, e.kind, e.data); err != nil {
			w.report(err)
		}
	}
	for _, c := range w.channels {
		if !c.closed {
			continue
		}
		if err := w.viewer.closeChannel(c.id); err != nil {
			w.report(err)
		}
	}
	w.ui.ready()
	if w.state == stateRunning {
		w.handleHeld()
	}
	if w.replay.dropped > 0 {
		w.report(errors.New(why + "; " + mib(w.replay.dropped) +
			" of data sent earlier was too large to keep for it: run the cell again"))
	}
	return true
}

// handleHeld handles what arrived while the widget had no Viewer or its
// state was being put back, in order.
func (w *widget) handleHeld() {
	held := w.held
	w.held = nil
	for _, it := range held {
		w.handle(it)
	}
}

// restoreWait is the wait of a revived Viewer for the recording whose
// recording_open puts the saved state back.
type restoreWait struct {
	// recording is the recording waited for, "" when none is. Once the
	// wait gives up (the widget runs again), it stays: the state still
	// goes back if the recording opens before the kernel says anything.
	recording string
	news      int // events of the revived Viewer, which say it still works
	seen      int // news at the last step
	idle      int // steps of restoreStepMS without news
	stop      func() bool
}

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

// news hears an event of the revived Viewer: its recording_open of the
// recording waited for puts the saved state back.
func (w *widget) news(event string) {
	w.restore.news++
	if !opens(event, w.restore.recording) {
		return
	}
	if err := w.viewer.restore(w.saved); err != nil {
		w.page.log("put the Viewer's recording, time and play state back: " + err.Error())
	}
	w.saved = viewerState{}
	w.endRestore()
	if w.state == stateRestoring {
		w.moveTo(stateRunning)
		w.handleHeld()
	}
}

// armRestoreStep starts the next step of the wait for the revived
// Viewer's recording.
func (w *widget) armRestoreStep() {
	gen := w.viewerGen
	w.restore.stop = w.page.clock.afterMS(restoreStepMS, func() {
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
	r := &w.restore
	if r.news != r.seen {
		r.seen, r.idle = r.news, 0
	} else {
		r.idle++
	}
	if r.idle*restoreStepMS < restoreWaitMS {
		w.armRestoreStep()
		return
	}
	r.stop = nil
	w.moveTo(stateRunning)
	w.page.info("the Viewer started again has not opened the recording " + quote(r.recording) +
		" again and has reported nothing for " + strconv.Itoa(restoreWaitMS/1000) +
		" s: the kernel's messages go on now, and its time and play state go back if it opens before they change them")
	w.handleHeld()
}

// endRestore stops waiting for the revived Viewer's recording.
func (w *widget) endRestore() {
	if w.restore.stop != nil {
		w.restore.stop()
	}
	w.restore = restoreWait{}
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
	w.moveTo(stateFailed)
	w.fail(names.CrashTitle, errors.New(msg), false)
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
	channel string
	kind    messageKind
	data    payload
}

// keepForReplay adds data to the replay log while the budgets allow.
func (w *widget) keepForReplay(channel string, kind messageKind, data payload) {
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
	r.entries = append(r.entries, replayEntry{channel, kind, data})
	r.size += n
}
