package headless

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// NoAnswerError is the error of a page call that got no answer, with
// what the main thread of the tab's renderer did meanwhile: a busy page
// (a long script, SwiftShader compiling shaders) keeps the thread's CPU
// time growing; a hung one (waiting on something that never comes, a
// stopped process) does not. It unwraps to ErrNoAnswer.
type NoAnswerError struct {
	// Hung is whether the renderer did no work for Idle; otherwise the
	// call's context ended while the renderer worked.
	Hung bool
	Idle time.Duration
	// Waited is how long the call went unanswered. CPU is the CPU time the
	// renderer's main thread used in the Sampled part of it (it is read
	// periodically, from the first period on).
	Waited, Sampled, CPU time.Duration
	// CPUErr is why the thread's CPU time could not be read, if it could
	// not: then a page is hung when it did not answer for Idle.
	CPUErr error
}

func (e *NoAnswerError) Error() string {
	switch {
	case e.Hung && e.CPUErr != nil:
		return fmt.Sprintf("the page did not answer for %v (and whether its renderer worked is unknown: %v)", e.Idle, e.CPUErr)
	case e.Hung:
		return fmt.Sprintf("the page did not answer for %v and its renderer did no work (hung)", e.Idle)
	}
	return fmt.Sprintf("the page was busy: its renderer's main thread used %.1f s of CPU in %.1f s without answering", e.CPU.Seconds(), e.Sampled.Seconds())
}

func (e *NoAnswerError) Unwrap() error { return ErrNoAnswer }

// MinWork is the CPU time, as a fraction of the wall time, that a
// renderer's main thread must use to count as working: a stuck one uses
// none (measured: not a clock tick in 18 s of a Viewer waiting on a
// request), a busy one on a crowded machine still gets a share of a core
// far above it (a seventh to a half on two cores with a load of ten).
const MinWork = 0.01

// WhileWorking runs call, a request the tab's page must answer (an
// evaluation, a screenshot), and waits for its answer as long as the tab's
// renderer works: it gives up with a *NoAnswerError that is Hung when the
// page did not answer and the renderer's main thread used less than
// MinWork of the time in CPU for idle. When ctx ends first, it returns a *NoAnswerError that
// is not Hung (the page was busy) if the call had waited for a period of
// sampling, else the cause of ctx.
func WhileWorking[T any](ctx context.Context, t *Tab, idle time.Duration, call func(context.Context) (T, error)) (T, error) {
	callCtx, cancel := context.WithCancel(t.Ctx)
	defer cancel()
	type answer struct {
		v   T
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		v, err := call(callCtx)
		answered <- answer{v, err}
	}()
	w := watch{tab: t, idle: idle, start: time.Now()}
	tick := time.NewTicker(min(time.Second, idle/10))
	defer tick.Stop()
	var zero T
	for {
		select {
		case a := <-answered:
			if a.err != nil && ctx.Err() != nil {
				return zero, w.ended(ctx)
			}
			return a.v, a.err
		case <-ctx.Done():
			return zero, w.ended(ctx)
		case <-tick.C:
			// Not the tick's time: a slow reading delays the next tick.
			if err := w.sample(time.Now()); err != nil {
				return zero, err
			}
		}
	}
}

// EvalWhileWorking is Eval that waits for the answer as long as the tab's
// renderer works (see WhileWorking).
func EvalWhileWorking[T any](ctx context.Context, t *Tab, idle time.Duration, expr string) (T, error) {
	return WhileWorking(ctx, t, idle, func(ctx context.Context) (T, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[T](expr, awaitPromise))
	})
}

// watch follows the CPU time of a tab's renderer's main thread while a
// call waits.
type watch struct {
	tab   *Tab
	idle  time.Duration
	start time.Time
	// samples are the CPU times read, oldest first: the newest one at
	// least idle old, and every one after it.
	samples []cpuSample
	first   cpuSample // the first ever read
}

type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

// sample reads the main thread's CPU time and returns a *NoAnswerError
// when it did not grow by MinWork over the last idle.
func (w *watch) sample(now time.Time) error {
	cpu, err := w.tab.MainThreadCPU()
	if err != nil {
		// Without a single reading, the old rule: no answer for idle is
		// a hang. A reading that fails later (the renderer crashed,
		// which the caller hears of) changes nothing.
		if len(w.samples) == 0 && now.Sub(w.start) >= w.idle {
			return &NoAnswerError{Hung: true, Idle: w.idle, Waited: now.Sub(w.start), CPUErr: err}
		}
		return nil
	}
	s := cpuSample{now, cpu}
	if len(w.samples) == 0 {
		w.first = s
	}
	w.samples = append(w.samples, s)
	for len(w.samples) > 1 && now.Sub(w.samples[1].at) >= w.idle {
		w.samples = w.samples[1:]
	}
	oldest := w.samples[0]
	if span := now.Sub(oldest.at); span >= w.idle && float64(cpu-oldest.cpu) < MinWork*float64(span) {
		return &NoAnswerError{Hung: true, Idle: w.idle, Waited: now.Sub(w.start), Sampled: span, CPU: cpu - oldest.cpu}
	}
	return nil
}

// ended is the error of a call whose context ended before it was
// answered.
func (w *watch) ended(ctx context.Context) error {
	if len(w.samples) == 0 {
		return context.Cause(ctx)
	}
	last := w.samples[len(w.samples)-1]
	return &NoAnswerError{Idle: w.idle, Waited: time.Since(w.start), Sampled: last.at.Sub(w.first.at), CPU: last.cpu - w.first.cpu}
}
