package wasmjs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
)

// ended reports whether ctx has ended once every other goroutine of the
// test's bubble is blocked or gone (synctest.Wait): whatever was to end
// it has run by then, however slowly.
func ended(ctx Context) bool {
	synctest.Wait()
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

func TestWithCancel(t *testing.T) {
	tests := []struct {
		name string
		// parent makes the parent context and the function that ends it
		// (nil: the child's own cancel ends it).
		parent  func() (Context, func())
		wantErr error
	}{
		{"cancel", func() (Context, func()) { return Background(), nil }, ErrCanceled},
		{"parent ends", func() (Context, func()) { return WithCancel(Background()) }, ErrCanceled},
		{"context.Context parent", func() (Context, func()) { return context.WithCancel(context.Background()) }, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				parent, end := tt.parent()
				ctx, cancel := WithCancel(parent)
				if end == nil {
					end = cancel
				}
				if ctx.Err() != nil {
					t.Fatalf("new context already ended: %v", ctx.Err())
				}
				ran := make(chan struct{})
				AfterFunc(ctx, func() { close(ran) })
				end()
				if !ended(ctx) {
					t.Fatal("context did not end")
				}
				if !errors.Is(ctx.Err(), tt.wantErr) {
					t.Errorf("Err = %v, want %v", ctx.Err(), tt.wantErr)
				}
				if !ended(doneContext(ran)) {
					t.Error("AfterFunc did not run")
				}
				cancel() // again: harmless
			})
		})
	}
}

func TestWithCancelOfEndedParent(t *testing.T) {
	parent, cancel := WithCancel(Background())
	cancel()
	ctx, _ := WithCancel(parent)
	if ctx.Err() != ErrCanceled {
		t.Errorf("child of an ended parent: Err = %v, want %v", ctx.Err(), ErrCanceled)
	}
}

func TestAfterFuncStop(t *testing.T) { synctest.Test(t, testAfterFuncStop) }

func testAfterFuncStop(t *testing.T) {
	ctx, cancel := WithCancel(Background())
	ran := make(chan struct{})
	stop := AfterFunc(ctx, func() { close(ran) })
	if !stop() {
		t.Error("stop before the end reported false")
	}
	if stop() {
		t.Error("a second stop reported true")
	}
	cancel()
	if ended(doneContext(ran)) {
		t.Error("a stopped AfterFunc ran")
	}

	// After the end, f runs at once and stop cannot prevent it.
	ran2 := make(chan struct{})
	if AfterFunc(ctx, func() { close(ran2) })() {
		t.Error("stop after the end reported true")
	}
	if !ended(doneContext(ran2)) {
		t.Error("AfterFunc on an ended context did not run")
	}
	if AfterFunc(Background(), func() { t.Error("ran on Background") })() {
		t.Error("stop of an AfterFunc on Background reported true")
	}
}

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprint("code ", e.code) }

func TestAs(t *testing.T) {
	target := &codeError{7}
	tests := []struct {
		name string
		err  error
		want *codeError
	}{
		{"nil", nil, nil},
		{"itself", target, target},
		{"wrapped", fmt.Errorf("outer: %w", target), target},
		{"joined", errors.Join(errors.New("other"), fmt.Errorf("x: %w", target)), target},
		{"absent", errors.Join(errors.New("a"), errors.New("b")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := As[*codeError](tt.err)
			if got != tt.want || ok != (tt.want != nil) {
				t.Errorf("As = %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
}

// doneContext is a Context that ends when done is closed.
type doneContext chan struct{}

func (d doneContext) Done() <-chan struct{} { return d }
func (d doneContext) Err() error            { return nil }
