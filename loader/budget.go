package loader

import "slices"

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

// budget is the page's running Viewers, in the order they started, and
// what the widgets' visibility is.
type budget struct {
	max     int
	running []*widget
	// seq orders visibility changes: a widget's lastSeen is the seq of the
	// last time it left the view (or came into it while it stays there).
	seq         int64
	replayBytes int64
}

// admit counts w's Viewer as running, and asks the Viewers past the budget
// to suspend: a new one is never held back, since the kernel waits for
// its "ready" (and block_until_ready gives up after 10 s).
func (p *page) admit(w *widget) {
	p.mu.Lock()
	if !slices.Contains(p.budget.running, w) {
		p.budget.running = append(p.budget.running, w)
	}
	victims := p.overBudgetLocked(w)
	p.mu.Unlock()
	for _, v := range victims {
		v.inbox.push(item{control: controlSuspend})
	}
}

// release stops counting w's Viewer as running.
func (p *page) release(w *widget) {
	p.mu.Lock()
	p.budget.running = slices.DeleteFunc(p.budget.running, func(r *widget) bool { return r == w })
	w.suspending = false
	p.mu.Unlock()
}

// setMaxRunning changes the page's budget (at least 1) and suspends the
// Viewers past it.
func (p *page) setMaxRunning(n int) {
	p.mu.Lock()
	p.budget.max = max(1, n)
	victims := p.overBudgetLocked(nil)
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

// overBudgetLocked picks the running Viewers to suspend, but for keep:
// those out of view first, the one that left the view longest ago first,
// then those in view, the one that came into view longest ago first.
func (p *page) overBudgetLocked(keep *widget) []*widget {
	b := &p.budget
	over := len(b.running) - b.max
	if over <= 0 {
		return nil
	}
	candidates := slices.DeleteFunc(slices.Clone(b.running), func(w *widget) bool { return w == keep || w.suspending })
	slices.SortStableFunc(candidates, func(a, c *widget) int {
		if a.inView != c.inView {
			if !a.inView {
				return -1
			}
			return 1
		}
		switch {
		case a.lastSeen < c.lastSeen:
			return -1
		case a.lastSeen > c.lastSeen:
			return 1
		}
		return 0
	})
	victims := candidates[:min(over, len(candidates))]
	for _, v := range victims {
		v.suspending = true
	}
	return victims
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
