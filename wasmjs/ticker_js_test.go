//go:build js

package wasmjs

import (
	"testing"
	"time"
)

func TestTicker(t *testing.T) {
	before := LiveFuncs()
	tick, err := NewTicker(5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		select {
		case <-tick.C:
		case <-time.After(time.Minute):
			t.Fatalf("tick %d did not come", i+1)
		}
	}
	tick.Stop()
	tick.Stop()
	if LiveFuncs() != before {
		t.Errorf("live Funcs %d after Stop, want %d", LiveFuncs(), before)
	}
	select {
	case <-tick.C: // at most the one tick buffered before Stop
	default:
	}
	// A timer due after the next tick would have been: once it has fired,
	// so would that tick (the page runs due timers in order).
	waitTimer(t, 20)
	select {
	case <-tick.C:
		t.Error("ticked after Stop")
	default:
	}
}

// waitTimer waits for a page timer of ms to fire (its Func is released
// by then).
func waitTimer(t *testing.T, ms int) {
	t.Helper()
	fired := make(chan struct{})
	AfterMS(ms, func() { close(fired) })
	select {
	case <-fired:
	case <-time.After(time.Minute):
		t.Fatalf("a timer of %d ms did not fire", ms)
	}
}

func TestAfterMS(t *testing.T) {
	before := LiveFuncs()
	ran := make(chan struct{})
	AfterMS(5, func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(time.Minute):
		t.Fatal("AfterMS did not run")
	}
	stop := AfterMS(5, func() { t.Error("a stopped AfterMS ran") })
	if !stop() || stop() {
		t.Error("stop did not report that it prevented the call exactly once")
	}
	waitTimer(t, 20) // past the stopped timer's time: it would have run
	if LiveFuncs() != before {
		t.Errorf("live Funcs %d, want %d", LiveFuncs(), before)
	}
}
