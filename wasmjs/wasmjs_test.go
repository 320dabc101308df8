//go:build js

package wasmjs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// eval runs JavaScript source and returns its value; tests use it to make
// the values the helpers must cope with.
func eval(t *testing.T, src string) Value {
	t.Helper()
	fn, err := Global().Get("Function")
	if err == nil {
		fn, err = fn.New("return (" + src + ")")
	}
	var v Value
	if err == nil {
		v, err = fn.Invoke()
	}
	if err != nil {
		t.Fatalf("eval %s: %v", src, err)
	}
	return v
}

func TestOperationsReturnErrorsInsteadOfPanicking(t *testing.T) {
	hostile := `new Proxy({}, {get() { throw new Error("trap") }, set() { throw new Error("trap") }})`
	tests := []struct {
		name    string
		do      func() error
		wantSub string
	}{
		{"method throws", func() error {
			_, err := eval(t, `JSON`).Call("parse", "{")
			return err
		}, "SyntaxError"},
		{"not a function", func() error {
			_, err := eval(t, `({x: 1})`).Call("x")
			return err
		}, "not a function"},
		{"call on a string", func() error {
			_, err := eval(t, `"text"`).Call("ok")
			return err
		}, "not a function"},
		{"call on undefined", func() error {
			_, err := Undefined().Call("x")
			return err
		}, "undefined"},
		{"get on undefined", func() error {
			_, err := Undefined().Get("x")
			return err
		}, "undefined"},
		{"throwing getter", func() error {
			_, err := eval(t, `({get x() { throw new RangeError("nope") }})`).Get("x")
			return err
		}, "RangeError: nope"},
		{"proxy get trap", func() error {
			_, err := eval(t, hostile).Get("x")
			return err
		}, "trap"},
		{"proxy trap on call", func() error {
			_, err := eval(t, hostile).Call("x")
			return err
		}, "trap"},
		{"constructor throws", func() error {
			_, err := eval(t, `class { constructor() { throw new Error("bad options") } }`).New()
			return err
		}, "bad options"},
		{"new of a non-function", func() error {
			_, err := eval(t, `({})`).New()
			return err
		}, "not a constructor"},
		{"invoke of a non-function", func() error {
			_, err := eval(t, `"text"`).Invoke()
			return err
		}, "not a function"},
		{"throws a non-Error", func() error {
			_, err := eval(t, `() => { throw 42 }`).Invoke()
			return err
		}, "42"},
		{"set on null", func() error {
			return Null().Set("x", 1)
		}, "null"},
		{"set on a frozen object", func() error {
			return eval(t, `Object.freeze({})`).Set("x", 1)
		}, "refused"},
		{"throwing setter", func() error {
			return eval(t, `({set x(v) { throw new Error("read-only") }})`).Set("x", 1)
		}, "read-only"},
		{"proxy set trap", func() error {
			return eval(t, hostile).Set("x", 1)
		}, "trap"},
		{"unconvertible argument", func() error {
			_, err := eval(t, `(x) => x`).Invoke(struct{}{})
			return err
		}, "ValueOf"},
	}
	for _, tt := range tests {
		err := tt.do()
		if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.wantSub)
		}
	}
}

func TestValueAccessorsNeverPanic(t *testing.T) {
	for _, src := range []string{`undefined`, `null`, `"s"`, `3.5`, `true`, `Symbol("x")`, `({})`, `() => 1`,
		`new Proxy({}, {get() { throw 1 }, has() { throw 1 }})`} {
		v := eval(t, src)
		_ = v.String()
		_, _ = v.AsString()
		_, _ = v.AsNumber()
		_, _ = v.AsBool()
		_ = v.Int()
		_ = v.Truthy()
	}
	if s, ok := eval(t, `"s"`).AsString(); !ok || s != "s" {
		t.Errorf(`AsString("s") = %q, %v`, s, ok)
	}
	if _, ok := eval(t, `5`).AsString(); ok {
		t.Error("AsString(5) reported a string")
	}
	if n, ok := eval(t, `5`).AsNumber(); !ok || n != 5 {
		t.Errorf("AsNumber(5) = %v, %v", n, ok)
	}
}

func TestErrorName(t *testing.T) {
	_, err := eval(t, `() => { throw new TypeError("Failed to fetch") }`).Invoke()
	var jsErr *Error
	if !errors.As(err, &jsErr) || jsErr.Name() != "TypeError" {
		t.Fatalf("error = %#v, want a *Error named TypeError", err)
	}
	if got := ErrorValue(err); !got.Equal(jsErr.Value) {
		t.Errorf("ErrorValue did not pass the original JavaScript error through")
	}
	msg, _ := ErrorValue(errors.New("plain")).Get("message")
	if got, _ := msg.AsString(); got != "plain" {
		t.Errorf("ErrorValue(plain).message = %q", got)
	}
}

func TestAwait(t *testing.T) {
	ctx := context.Background()
	if v, err := Await(ctx, eval(t, `Promise.resolve(42)`)); err != nil || v.Int() != 42 {
		t.Errorf("resolved promise: %v, %v", v, err)
	}
	if v, err := Await(ctx, eval(t, `7`)); err != nil || v.Int() != 7 {
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

func TestWithSignal(t *testing.T) {
	ctl, err := eval(t, `AbortController`).New()
	if err != nil {
		t.Fatal(err)
	}
	signal, _ := ctl.Get("signal")
	ctx, cancel, err := WithSignal(context.Background(), signal)
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

	ctx2, cancel2, err := WithSignal(context.Background(), eval(t, `AbortSignal.abort()`))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel2()
	if ctx2.Err() == nil {
		t.Error("an already aborted signal gave a live context")
	}

	ctx3, cancel3, err := WithSignal(context.Background(), Undefined())
	if err != nil || ctx3.Err() != nil {
		t.Errorf("no signal: %v, %v", ctx3.Err(), err)
	}
	cancel3()

	if _, _, err := WithSignal(context.Background(), eval(t, `({get aborted() { throw new Error("hostile") }})`)); err == nil {
		t.Error("a signal whose aborted getter throws gave no error")
	}
}

func TestFuncsRecoverPanicsAndRelease(t *testing.T) {
	var fs Funcs
	calls := 0
	ok := fs.Func(func(Value, []Value) any { calls++; return "ok" })
	bad := fs.Func(func(Value, []Value) any { panic("callback bug") })
	odd := fs.Func(func(Value, []Value) any { return struct{}{} })
	if got, err := ok.Value().Invoke(); err != nil || got.String() != "ok" || calls != 1 {
		t.Errorf("func returned %v, %v after %d calls", got, err, calls)
	}
	if got, err := bad.Value().Invoke(); err != nil || !got.IsNullish() {
		t.Errorf("panicking func returned %v, %v; want nothing", got, err)
	}
	if got, err := odd.Value().Invoke(); err != nil || !got.IsNullish() {
		t.Errorf("func with an unconvertible result returned %v, %v; want nothing", got, err)
	}
	fs.Release()
	late := fs.Func(func(Value, []Value) any { return nil })
	_ = late // already released: must not be tracked or leak
	if len(fs.funcs) != 0 {
		t.Errorf("Funcs holds %d funcs after Release", len(fs.funcs))
	}
}

func TestListenerRemove(t *testing.T) {
	target, _ := eval(t, `EventTarget`).New()
	ping := func() {
		ev, _ := eval(t, `Event`).New("ping")
		target.Call("dispatchEvent", ev)
	}
	got := 0
	l, err := AddEventListener(target, "ping", func(Value) { got++ })
	if err != nil {
		t.Fatal(err)
	}
	ping()
	l.Remove()
	l.Remove()
	ping()
	if got != 1 {
		t.Errorf("listener ran %d times, want 1 (before Remove only)", got)
	}
}

func TestErrorTextOfHostileThrows(t *testing.T) {
	_, err := eval(t, `() => { throw { get message() { throw 1 }, toString() { throw 2 } } }`).Invoke()
	if err == nil || err.Error() != "non-printable JavaScript exception" {
		t.Errorf("error = %v", err)
	}
}

func TestLiveFuncsCountsEveryFuncUntilReleased(t *testing.T) {
	base := LiveFuncs()
	var fs Funcs
	fs.Func(func(Value, []Value) any { return nil })
	fs.Func(func(Value, []Value) any { return nil })
	target, _ := eval(t, `EventTarget`).New()
	l, err := AddEventListener(target, "x", func(Value) {})
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
