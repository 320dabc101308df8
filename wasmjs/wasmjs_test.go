//go:build js

package wasmjs

import (
	"context"
	"errors"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

// eval runs JavaScript source and returns its value; tests use it to make
// the values the helpers must cope with.
func eval(t *testing.T, src string) js.Value {
	t.Helper()
	v, err := Invoke(js.Global().Get("Function").New("return (" + src + ")"))
	if err != nil {
		t.Fatalf("eval %s: %v", src, err)
	}
	return v
}

func TestCallAndGetReturnErrorsInsteadOfPanicking(t *testing.T) {
	tests := []struct {
		name    string
		do      func() error
		wantSub string
	}{
		{"method throws", func() error {
			_, err := Call(js.Global().Get("JSON"), "parse", "{")
			return err
		}, "SyntaxError"},
		{"not a function", func() error {
			_, err := Call(eval(t, `({x: 1})`), "x")
			return err
		}, "not a function"},
		{"get on undefined", func() error {
			_, err := Get(js.Undefined(), "x")
			return err
		}, "undefined"},
		{"throwing getter", func() error {
			_, err := Get(eval(t, `({get x() { throw new RangeError("nope") }})`), "x")
			return err
		}, "RangeError: nope"},
		{"constructor throws", func() error {
			_, err := New(eval(t, `class { constructor() { throw new Error("bad options") } }`))
			return err
		}, "bad options"},
		{"throws a non-Error", func() error {
			_, err := Invoke(eval(t, `() => { throw 42 }`))
			return err
		}, "42"},
		{"set on null", func() error {
			return Set(js.Null(), "x", 1)
		}, "null"},
		{"set on a frozen object", func() error {
			return Set(eval(t, `Object.freeze({})`), "x", 1)
		}, "refused"},
		{"throwing setter", func() error {
			return Set(eval(t, `({set x(v) { throw new Error("read-only") }})`), "x", 1)
		}, "read-only"},
	}
	for _, tt := range tests {
		err := tt.do()
		if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.wantSub)
		}
	}
}

func TestErrorName(t *testing.T) {
	_, err := Invoke(eval(t, `() => { throw new TypeError("Failed to fetch") }`))
	var jsErr *Error
	if !errors.As(err, &jsErr) || jsErr.Name() != "TypeError" {
		t.Fatalf("error = %#v, want a *Error named TypeError", err)
	}
	if got := ErrorValue(err); !got.Equal(jsErr.Value) {
		t.Errorf("ErrorValue did not pass the original JavaScript error through")
	}
	if got := ErrorValue(errors.New("plain")).Get("message").String(); got != "plain" {
		t.Errorf("ErrorValue(plain).message = %q", got)
	}
}

func TestAwait(t *testing.T) {
	ctx := context.Background()
	if v, err := Await(ctx, eval(t, `Promise.resolve(42)`)); err != nil || v.Int() != 42 {
		t.Errorf("resolved promise: %v, %v", v, err)
	}
	if v, err := Await(ctx, js.ValueOf(7)); err != nil || v.Int() != 7 {
		t.Errorf("plain value: %v, %v", v, err)
	}
	if v, err := Await(ctx, eval(t, `({then(ok) { ok("thenable") }})`)); err != nil || v.String() != "thenable" {
		t.Errorf("thenable: %v, %v", v, err)
	}
	_, err := Await(ctx, eval(t, `Promise.reject(new TypeError("boom"))`))
	var jsErr *Error
	if !errors.As(err, &jsErr) || jsErr.Error() != "TypeError: boom" {
		t.Errorf("rejected promise: error = %v, want TypeError: boom", err)
	}
	if _, err := Await(ctx, eval(t, `({get then() { throw new Error("hostile") }})`)); err == nil {
		t.Errorf("hostile then getter: no error")
	}
}

func TestAwaitCancelledThenSettledLate(t *testing.T) {
	p := eval(t, `(() => { let resolve; const p = new Promise((r) => { resolve = r }); p.resolveLater = resolve; return p })()`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Await(ctx, p)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Await after cancel = %v, want context.Canceled", err)
	}
	// The promise settles after Await gave up: its callbacks must still be
	// alive (a released Func would log "call to released function").
	p.Call("resolveLater", 1)
	if _, err := Await(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func TestPromise(t *testing.T) {
	ctx := context.Background()
	v, err := Await(ctx, Promise(func() (any, error) { return "done", nil }))
	if err != nil || v.String() != "done" {
		t.Errorf("resolving Promise: %v, %v", v, err)
	}
	_, err = Await(ctx, Promise(func() (any, error) { return nil, errors.New("load failed") }))
	if err == nil || err.Error() != "Error: load failed" {
		t.Errorf("rejecting Promise: error = %v", err)
	}
	_, err = Await(ctx, Promise(func() (any, error) { panic(errors.New("bug")) }))
	if err == nil || !strings.Contains(err.Error(), "bug") {
		t.Errorf("panicking Promise: error = %v, want a rejection mentioning the panic", err)
	}
}

func TestUint8ArrayKeepsTheView(t *testing.T) {
	buf := eval(t, `(() => { const b = new ArrayBuffer(16); new Uint8Array(b).forEach((_, i, a) => a[i] = i); return b })()`)
	tests := []struct {
		name      string
		v         js.Value
		wantLen   int
		wantFirst int
	}{
		{"ArrayBuffer", buf, 16, 0},
		{"DataView window", js.Global().Get("DataView").New(buf, 3, 5), 5, 3},
		{"Uint16Array window", js.Global().Get("Uint16Array").New(buf, 4, 2), 4, 4},
	}
	for _, tt := range tests {
		u8, err := Uint8Array(tt.v)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := u8.Get("byteLength").Int(); got != tt.wantLen {
			t.Errorf("%s: length %d, want %d", tt.name, got, tt.wantLen)
		}
		if got := u8.Index(0).Int(); got != tt.wantFirst {
			t.Errorf("%s: first byte %d, want %d", tt.name, got, tt.wantFirst)
		}
	}
	for _, bad := range []js.Value{js.Undefined(), js.ValueOf("bytes"), eval(t, `({byteLength: 3})`)} {
		if _, err := Uint8Array(bad); !errors.Is(err, ErrNotBytes) {
			t.Errorf("Uint8Array(%v) error = %v, want ErrNotBytes", bad, err)
		}
	}
}

func TestWithSignal(t *testing.T) {
	ctl := js.Global().Get("AbortController").New()
	ctx, cancel, err := WithSignal(context.Background(), ctl.Get("signal"))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if ctx.Err() != nil {
		t.Fatal("context done before abort")
	}
	ctl.Call("abort")
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("abort did not cancel the context")
	}

	aborted := js.Global().Get("AbortSignal").Call("abort")
	ctx2, cancel2, err := WithSignal(context.Background(), aborted)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel2()
	if ctx2.Err() == nil {
		t.Error("an already aborted signal gave a live context")
	}

	ctx3, cancel3, err := WithSignal(context.Background(), js.Undefined())
	if err != nil || ctx3.Err() != nil {
		t.Errorf("no signal: %v, %v", ctx3.Err(), err)
	}
	cancel3()
}

func TestFuncsRecoverPanicsAndRelease(t *testing.T) {
	var fs Funcs
	calls := 0
	ok := fs.Func(func(js.Value, []js.Value) any { calls++; return "ok" })
	bad := fs.Func(func(js.Value, []js.Value) any { panic("callback bug") })
	if got := ok.Invoke().String(); got != "ok" || calls != 1 {
		t.Errorf("func returned %q after %d calls", got, calls)
	}
	if got := bad.Invoke(); !got.IsNull() && !got.IsUndefined() {
		t.Errorf("panicking func returned %v, want nothing", got)
	}
	fs.Release()
	late := fs.Func(func(js.Value, []js.Value) any { return nil })
	_ = late // already released: must not be tracked or leak
	if len(fs.funcs) != 0 {
		t.Errorf("Funcs holds %d funcs after Release", len(fs.funcs))
	}
}

func TestListenerRemove(t *testing.T) {
	target := js.Global().Get("EventTarget").New()
	got := 0
	l, err := AddEventListener(target, "ping", func(js.Value) { got++ })
	if err != nil {
		t.Fatal(err)
	}
	target.Call("dispatchEvent", js.Global().Get("Event").New("ping"))
	l.Remove()
	l.Remove()
	target.Call("dispatchEvent", js.Global().Get("Event").New("ping"))
	if got != 1 {
		t.Errorf("listener ran %d times, want 1 (before Remove only)", got)
	}
}

func TestErrorTextOfHostileThrows(t *testing.T) {
	_, err := Invoke(eval(t, `() => { throw { get message() { throw 1 }, toString() { throw 2 } } }`))
	if err == nil || err.Error() != "non-printable JavaScript exception" {
		t.Errorf("error = %v", err)
	}
}

func TestLiveFuncsCountsEveryFuncUntilReleased(t *testing.T) {
	base := LiveFuncs()
	var fs Funcs
	fs.Func(func(js.Value, []js.Value) any { return nil })
	fs.Func(func(js.Value, []js.Value) any { return nil })
	l, err := AddEventListener(js.Global().Get("EventTarget").New(), "x", func(js.Value) {})
	if err != nil {
		t.Fatal(err)
	}
	if got := LiveFuncs() - base; got != 3 {
		t.Errorf("%d live funcs, want 3", got)
	}
	if _, err := Await(context.Background(), eval(t, `Promise.resolve(1)`)); err != nil {
		t.Fatal(err)
	}
	fs.Release()
	l.Remove()
	if got := LiveFuncs() - base; got != 0 {
		t.Errorf("%d live funcs after releasing everything, want 0", got)
	}
}
