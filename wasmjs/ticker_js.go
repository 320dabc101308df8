//go:build js

package wasmjs

import "sync"

// Ticker sends on C every period from a JavaScript setInterval, until
// Stop; like time.Ticker (which the time package would cost, see Context),
// it drops ticks a slow receiver misses.
type Ticker struct {
	C <-chan struct{}

	once sync.Once
	id   Value
	fn   Func
}

// NewTicker starts a Ticker that ticks every ms milliseconds.
func NewTicker(ms int) (*Ticker, error) {
	c := make(chan struct{}, 1)
	t := &Ticker{C: c}
	t.fn = newFunc(func(Value, []Value) any {
		select {
		case c <- struct{}{}:
		default:
		}
		return nil
	})
	id, err := Global().Call("setInterval", t.fn, ms)
	if err != nil {
		release(t.fn)
		return nil, err
	}
	t.id = id
	return t, nil
}

// Stop clears the interval and releases its Func. It is safe to call more
// than once.
func (t *Ticker) Stop() {
	t.once.Do(func() {
		Global().Call("clearInterval", t.id)
		release(t.fn)
	})
}

// AfterMS runs f in its own goroutine after ms milliseconds, from a
// JavaScript setTimeout, unless stop is called first; stop reports whether
// it prevented f. Either way the timer's Func is released.
func AfterMS(ms int, f func()) (stop func() bool) {
	var (
		mu    sync.Mutex
		ended bool
		fn    Func
		id    Value
	)
	end := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if ended {
			return false
		}
		ended = true
		release(fn)
		return true
	}
	fn = newFunc(func(Value, []Value) any {
		if end() {
			go f()
		}
		return nil
	})
	mu.Lock()
	id, err := Global().Call("setTimeout", fn, ms)
	mu.Unlock()
	if err != nil {
		end()
		return func() bool { return false }
	}
	return func() bool {
		if !end() {
			return false
		}
		Global().Call("clearTimeout", id)
		return true
	}
}
