package wasmjs

import (
	"errors"
	"sync"
)

// Context is the part of context.Context this package and its users need:
// cancellation. The context package itself cannot be used: its deadlines
// link the time package, which costs a Go Wasm about 380 KB (a sixth of
// the loader) and startup time. A context.Context satisfies Context.
type Context interface {
	// Done is closed when the context ends.
	Done() <-chan struct{}
	// Err is nil until Done is closed, and then the reason.
	Err() error
}

// ErrCanceled is the Err of a Context ended by its cancel function.
var ErrCanceled = errors.New("canceled")

// background never ends.
type background struct{}

func (background) Done() <-chan struct{} { return nil }
func (background) Err() error            { return nil }

// Background returns a Context that never ends.
func Background() Context { return background{} }

// lifetime is a Context ended by its cancel function or by its parent.
type lifetime struct {
	done chan struct{}

	mu     sync.Mutex
	err    error
	afters map[*after]struct{}
}

type after struct{ f func() }

func (l *lifetime) Done() <-chan struct{} { return l.done }

func (l *lifetime) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *lifetime) end(err error) {
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return
	}
	l.err = err
	afters := l.afters
	l.afters = nil
	close(l.done)
	l.mu.Unlock()
	for a := range afters {
		go a.f()
	}
}

// WithCancel returns a Context that ends when cancel is called or parent
// ends, whichever is first. Calling cancel more than once is harmless.
func WithCancel(parent Context) (ctx Context, cancel func()) {
	l := &lifetime{done: make(chan struct{}), afters: map[*after]struct{}{}}
	if err := parent.Err(); err != nil {
		l.end(err)
		return l, func() {}
	}
	if parent.Done() != nil {
		stop := AfterFunc(parent, func() { l.end(parent.Err()) })
		AfterFunc(l, func() { stop() })
	}
	return l, func() { l.end(ErrCanceled) }
}

// AfterFunc arranges for f to run in its own goroutine once ctx ends
// (at once when it already has). Calling stop before that prevents it;
// stop reports whether it did.
func AfterFunc(ctx Context, f func()) (stop func() bool) {
	if l, ok := ctx.(*lifetime); ok {
		a := &after{f: f}
		l.mu.Lock()
		if l.err != nil {
			l.mu.Unlock()
			go f()
			return func() bool { return false }
		}
		l.afters[a] = struct{}{}
		l.mu.Unlock()
		return func() bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			_, pending := l.afters[a]
			delete(l.afters, a)
			return pending
		}
	}
	if ctx.Done() == nil {
		return func() bool { return false }
	}
	// Any other Context: one goroutine waits for it.
	stopped := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-ctx.Done():
			ran := false
			once.Do(func() { ran = true })
			if ran {
				f()
			}
		case <-stopped:
		}
	}()
	return func() bool {
		stoppedNow := false
		once.Do(func() {
			stoppedNow = true
			close(stopped)
		})
		return stoppedNow
	}
}
