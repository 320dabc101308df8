package loader

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// badMoves holds a move a test page's widget made that the diagram of
// widgetState has not: every test of the package fails the run on one.
var badMoves atomic.Value

func TestMain(m *testing.M) {
	code := m.Run()
	if msg, ok := badMoves.Load().(string); ok {
		fmt.Fprintln(os.Stderr, "FAIL: a widget left its state diagram:", msg)
		code = 1
	}
	os.Exit(code)
}

func TestWidgetMovesFollowTheDiagram(t *testing.T) {
	for _, tt := range []struct {
		from, to widgetState
		ok       bool
	}{
		{stateStarting, stateRunning, true},
		{stateStarting, stateFailed, true},
		{stateFailed, stateStarting, true}, // Retry
		{stateRunning, stateRestoring, true},
		{stateRestoring, stateRunning, true},
		{stateRunning, stateSuspended, true},
		{stateSuspended, stateRestoring, true},
		{stateLost, stateRunning, true},
		{stateRunning, stateClosed, true},
		{stateSuspended, stateClosed, true},
		{stateStarting, stateSuspended, false}, // nothing to suspend yet
		{stateFailed, stateRunning, false},     // only a Retry leaves failed
		{stateLost, stateSuspended, false},     // a lost Viewer is no budget's
		{stateClosed, stateRunning, false},
	} {
		var logs []string
		w := &widget{page: newPage(&fakeClock{}, func(msg string) { logs = append(logs, msg) }, func(string) {}), state: tt.from}
		w.moveTo(tt.to)
		bad := len(logs) > 0 && strings.HasPrefix(logs[0], badMove)
		if w.state != tt.to || bad == tt.ok {
			t.Errorf("%v → %v: state %v, logged %q; want the move made, logged as a bug: %v", tt.from, tt.to, w.state, logs, !tt.ok)
		}
	}
}
