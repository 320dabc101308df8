package loader

import (
	"slices"

	"github.com/gorerun/loader/wasmjs"
)

// Every running Viewer holds a WebGL context and a few hundred MB of
// memory. Chromium keeps at most 16 contexts per page and takes the oldest
// away from a Viewer past that; a notebook keeps every output's Viewer. So
// at most maxRunning Viewers of a page run at once: when another starts,
// the one out of view longest is suspended (its picture kept, its Viewer
// destroyed, its data kept for replay) and resumes when it is looked at
// again.

// defaultMaxRunning is the page's default budget of running Viewers:
// below Chromium's 16 contexts with room for the page's own, and about
// 1.5 GB of renderer memory for the Viewers of a notebook.
const defaultMaxRunning = 8

// pageReplayBudget bounds the bytes all widgets of a page keep to replay
// into a Viewer they suspend or restart.
const pageReplayBudget = 512 << 20

// budget is the page's running Viewers, in the order they were admitted,
// and what the widgets' visibility is.
type budget struct {
	max     int
	running []*widget
	// changed is closed, and replaced, whenever a Viewer starts or stops:
	// widgets waiting for room look again.
	changed chan struct{}
	// seq orders visibility changes: a widget's lastSeen is the seq of the
	// last time it came into view or left it.
	seq         int64
	replayBytes int64
}

// admit waits until w may start a Viewer, asking the running Viewer out of
// view longest to suspend when the page has no room. Room is made, never
// waited for in the kernel's sense: a suspension takes milliseconds, and
// the kernel waits for "ready" (block_until_ready gives up after 10 s).
// Making room first matters: a Viewer past Chromium's 16 contexts would
// take one away from another at once.
func (p *page) admit(ctx wasmjs.Context, w *widget) error {
	for {
		p.mu.Lock()
		b := &p.budget
		if slices.Contains(b.running, w) || len(b.running) < b.max {
			if !slices.Contains(b.running, w) {
				b.running = append(b.running, w)
			}
			p.mu.Unlock()
			return nil
		}
		victims := p.overBudgetLocked(1)
		changed := p.changedLocked()
		p.mu.Unlock()
		for _, v := range victims {
			v.inbox.push(item{control: controlSuspend})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// changedLocked returns the channel closed at the next start or stop.
func (p *page) changedLocked() chan struct{} {
	if p.budget.changed == nil {
		p.budget.changed = make(chan struct{})
	}
	return p.budget.changed
}

// broadcastLocked wakes the widgets waiting for room.
func (p *page) broadcastLocked() {
	if p.budget.changed != nil {
		close(p.budget.changed)
		p.budget.changed = nil
	}
}

// started marks w's Viewer as running: it may be suspended from now on.
func (p *page) started(w *widget) {
	p.mu.Lock()
	w.started = true
	p.broadcastLocked()
	p.mu.Unlock()
}

// release stops counting w's Viewer as running.
func (p *page) release(w *widget) {
	p.mu.Lock()
	p.budget.running = slices.DeleteFunc(p.budget.running, func(r *widget) bool { return r == w })
	w.suspending, w.started = false, false
	p.broadcastLocked()
	p.mu.Unlock()
}

// setMaxRunning changes the page's budget (at least 1) and suspends the
// Viewers past it.
func (p *page) setMaxRunning(n int) {
	p.mu.Lock()
	p.budget.max = max(1, n)
	victims := p.overBudgetLocked(0)
	p.mu.Unlock()
	for _, v := range victims {
		v.inbox.push(item{control: controlSuspend})
	}
}

func (p *page) maxRunning() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.budget.max
}

// overBudgetLocked picks the running Viewers to suspend so that room for
// more Viewers is made, counting the suspensions already asked for.
func (p *page) overBudgetLocked(more int) []*widget {
	b := &p.budget
	pending := 0
	for _, w := range b.running {
		if w.suspending {
			pending++
		}
	}
	over := len(b.running) - pending + more - b.max
	if over <= 0 {
		return nil
	}
	var victims []*widget
	for range over {
		v := p.longestOutOfViewLocked()
		if v == nil {
			break
		}
		v.suspending = true
		victims = append(victims, v)
	}
	return victims
}

// longestOutOfViewLocked is the running Viewer to suspend first: out of
// view before in view, and then the one whose last change is oldest. A
// Viewer still starting, or already asked to suspend, is not one.
func (p *page) longestOutOfViewLocked() *widget {
	var pick *widget
	for _, w := range p.budget.running {
		if !w.started || w.suspending {
			continue
		}
		if pick == nil || (pick.inView && !w.inView) || (pick.inView == w.inView && w.lastSeen < pick.lastSeen) {
			pick = w
		}
	}
	return pick
}

// viewChanged records that w came into view or left it, and asks a
// suspended widget that came into view to resume.
func (p *page) viewChanged(w *widget, inView bool) {
	p.mu.Lock()
	p.budget.seq++
	w.inView, w.lastSeen = inView, p.budget.seq
	p.mu.Unlock()
	if inView {
		w.inbox.push(item{control: controlView})
	}
}

// reserveReplay takes n bytes of the page's replay budget, reporting
// whether there was room.
func (p *page) reserveReplay(n int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.budget.replayBytes+n > pageReplayBudget {
		return false
	}
	p.budget.replayBytes += n
	return true
}

// freeReplay gives n bytes back to the page's replay budget.
func (p *page) freeReplay(n int64) {
	p.mu.Lock()
	p.budget.replayBytes -= n
	p.mu.Unlock()
}
