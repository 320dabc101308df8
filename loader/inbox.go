package loader

import "sync"

// item is what a widget's goroutine handles, one at a time, in arrival
// order: a kernel message, a trait change, or news about its Viewer.
type item struct {
	trait   string // a changed trait; empty for a message
	msg     message
	control control
	// gen is the Viewer a controlNews or controlRestoreStep is about (see
	// widget.viewerGen): news of an earlier Viewer does nothing.
	gen int
	// event is a controlNews's Viewer event, as its JSON text.
	event string
}

// control is news about a widget's Viewer from the page, the browser or
// the Viewer itself.
type control int

const (
	controlNone        control = iota
	controlSuspend             // the page's budget needs its context
	controlLost                // the browser took its graphics context away
	controlView                // the widget came into view
	controlResume              // the user asked for it back
	controlNews                // the Viewer sent an event
	controlRestoreStep         // a step of the wait for the replayed recording ended
)

// inbox queues a widget's items without ever blocking the JavaScript
// callback that pushes them: its lock is the only one a widget has, and
// it guards the queue alone.
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
