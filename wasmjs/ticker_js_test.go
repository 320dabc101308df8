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
		case <-time.After(time.Second):
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
	select {
	case <-tick.C:
		t.Error("ticked after Stop")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAfterMS(t *testing.T) {
	before := LiveFuncs()
	ran := make(chan struct{})
	AfterMS(5, func() { close(ran) })
	if !ended(doneContext(ran)) {
		t.Fatal("AfterMS did not run")
	}
	stop := AfterMS(5, func() { t.Error("a stopped AfterMS ran") })
	if !stop() || stop() {
		t.Error("stop did not report that it prevented the call exactly once")
	}
	time.Sleep(30 * time.Millisecond)
	if LiveFuncs() != before {
		t.Errorf("live Funcs %d, want %d", LiveFuncs(), before)
	}
}
