package loader

// widgetState is where a widget is in its life. Its moves, which
// transitions lists and moveTo checks:
//
//	starting  → running (its Viewer started), failed (it could not start)
//	failed    → starting (Retry, after a failure another try may cure)
//	running   → restoring (restarted with a state to put back), suspended (the
//	            page's budget), lost (the graphics context), failed (a crash,
//	            a failed restart)
//	restoring → running (its recording opened again, or the wait gave up),
//	            suspended, lost, failed
//	suspended → running, restoring (seen or clicked; a failed try stays)
//	lost      → running, restoring (Restore; a failed try stays)
//	any       → closed (its context ended)
type widgetState int

const (
	stateStarting  widgetState = iota // loading and starting its first Viewer
	stateRunning                      // its Viewer runs and takes the kernel's messages
	stateRestoring                    // a revived Viewer runs; the kernel's messages wait for its saved state
	stateSuspended                    // no Viewer: the page's budget took it
	stateLost                         // no Viewer: the browser took its graphics context
	stateFailed                       // no Viewer: it shows why
	stateClosed                       // torn down
)

var stateNames = [...]string{"starting", "running", "restoring", "suspended", "lost", "failed", "closed"}

func (s widgetState) String() string { return stateNames[s] }

// transitions are the moves a widget may make: for each state, a bit for
// each state it may move to. (A bit set, not a map: the loader Wasm pays
// for every map literal in code.)
var transitions = [...]uint8{
	stateStarting:  1<<stateRunning | 1<<stateFailed,
	stateRunning:   1<<stateRestoring | 1<<stateSuspended | 1<<stateLost | 1<<stateFailed,
	stateRestoring: 1<<stateRunning | 1<<stateSuspended | 1<<stateLost | 1<<stateFailed,
	stateSuspended: 1<<stateRunning | 1<<stateRestoring,
	stateLost:      1<<stateRunning | 1<<stateRestoring,
	stateFailed:    1 << stateStarting,
	stateClosed:    0,
}

// moveTo makes the widget's move to s. A move the diagram has not is a
// bug (badMove): it is logged, and made, since refusing it would strand
// the widget.
func (w *widget) moveTo(s widgetState) {
	if s != stateClosed && transitions[w.state]&(1<<s) == 0 {
		w.page.log(badMove + w.state.String() + " to " + s.String())
	}
	w.state = s
}

// holds reports whether the kernel's messages wait: the widget has no
// Viewer that may take them now.
func (w *widget) holds() bool {
	return w.state == stateSuspended || w.state == stateLost || w.state == stateRestoring
}

// badMove starts the log line of a move the diagram has not.
const badMove = "rerun loader bug: a widget moved from "
