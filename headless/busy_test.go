package headless

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// idle is the hang interval of these tests: short, so that they are
// quick, and still tens of the watch's samples.
const idle = 2 * time.Second

// busyPage serves a blank page and /never, which never answers (until the
// test ends), and opens two tabs on it: the second so that the tabs'
// renderers have to be told apart.
func busyPage(t *testing.T) (a, b *Tab) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/never" {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>busy</title><p>a page`))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // before srv.Close, which waits for /never
	br, err := Launch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(br.Close)
	var tabs []*Tab
	for range 2 {
		tab, err := br.NewTab()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tab.Close)
		if err := tab.Navigate(srv.URL); err != nil {
			t.Fatal(err)
		}
		tabs = append(tabs, tab)
	}
	return tabs[0], tabs[1]
}

// deadline bounds a call the tests expect to end on its own, generously
// for a crowded machine.
func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Deadline)
	t.Cleanup(cancel)
	return ctx
}

// TestBusyPageIsWaitedFor: a page that computes for three hang intervals
// before it answers is answered, not hung.
func TestBusyPageIsWaitedFor(t *testing.T) {
	tab, _ := busyPage(t)
	if _, err := tab.RendererPID(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := EvalWhileWorking[int](deadline(t), tab, idle,
		`(() => { const end = performance.now() + 3 * `+JS(idle.Milliseconds())+`; while (performance.now() < end); return 42; })()`)
	if err != nil || got != 42 {
		t.Fatalf("a page busy for %v: %v, %v; want 42", 3*idle, got, err)
	}
	if took := time.Since(start); took < 3*idle {
		t.Errorf("answered after %v, before the page's loop ended", took)
	}
}

// TestHungPage: a page that waits on a request that never comes back
// (a synchronous XMLHttpRequest holds its main thread, doing nothing), and
// one whose renderer process is stopped (SIGSTOP), are hung after the hang
// interval; the other tab, whose renderer is another process, still
// answers.
func TestHungPage(t *testing.T) {
	for _, tc := range []struct {
		name string
		hang func(t *testing.T, tab *Tab)
	}{
		{"sync XHR", func(t *testing.T, tab *Tab) {
			if _, err := Eval[bool](tab, `(setTimeout(() => {
				const x = new XMLHttpRequest();
				x.open("GET", "/never", false);
				x.send();
			}, 0), true)`); err != nil {
				t.Fatal(err)
			}
		}},
		{"SIGSTOP", func(t *testing.T, tab *Tab) {
			pid, err := tab.RendererPID()
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(int(pid), syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Kill(int(pid), syscall.SIGCONT) })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, other := busyPage(t)
			if _, err := tab.RendererPID(); err != nil {
				t.Fatal(err)
			}
			tc.hang(t, tab)
			start := time.Now()
			_, err := EvalWhileWorking[int](deadline(t), tab, idle, `1`)
			var na *NoAnswerError
			if !errors.As(err, &na) || !na.Hung || !errors.Is(err, ErrNoAnswer) {
				t.Fatalf("a hung page: %v; want it hung", err)
			}
			if took := time.Since(start); took < idle {
				t.Errorf("hung after %v, before %v without work", took, idle)
			}
			t.Logf("%v (CPU %v in %v)", err, na.CPU, na.Sampled)
			if v, err := EvalWhileWorking[int](deadline(t), other, idle, `2`); err != nil || v != 2 {
				t.Errorf("the other tab: %v, %v", v, err)
			}
		})
	}
}

// TestBusyForever: a page that never stops computing is not hung; the
// call ends with its context, saying the page was busy and how much CPU
// its renderer used.
func TestBusyForever(t *testing.T) {
	tab, _ := busyPage(t)
	if _, err := tab.RendererPID(); err != nil {
		t.Fatal(err)
	}
	if _, err := Eval[bool](tab, `(setTimeout(() => { for (;;) {} }, 0), true)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*idle)
	defer cancel()
	_, err := EvalWhileWorking[int](ctx, tab, idle, `1`)
	var na *NoAnswerError
	if !errors.As(err, &na) || na.Hung || na.CPU <= 0 || na.Sampled <= 0 {
		t.Fatalf("a page busy forever: %v (%+v); want busy with CPU time", err, na)
	}
	t.Log(err)
}
