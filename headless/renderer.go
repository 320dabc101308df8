package headless

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
)

// processes lists the browser's processes with their CPU time. The
// browser process answers it, so it answers while a page's main thread
// is blocked.
func processes(ctx context.Context) ([]*systeminfo.ProcessInfo, error) {
	info, err := chromedp.Run(ctx, func(ctx context.Context, _ *chromedp.Target) (systeminfo.GetProcessInfoResult, error) {
		return cdp.Call(ctx, chromedp.FromContext(ctx).Browser, systeminfo.GetProcessInfo, cdp.Empty{})
	})
	if err != nil {
		return nil, fmt.Errorf("list the browser's processes: %w", err)
	}
	return info.ProcessInfo, nil
}

// processes is processes within a bound: a call that does not wait on
// the page should not wait long.
func (t *Tab) processes() ([]*systeminfo.ProcessInfo, error) {
	ctx, cancel := context.WithTimeout(t.Ctx, 5*time.Second)
	defer cancel()
	return processes(ctx)
}

// cpuTick is the resolution of the CPU times Chromium reports on Linux
// (a clock tick of /proc/PID/stat), and the slack when comparing them.
const cpuTick = 0.015

// RendererPID returns the id of the process that renders the tab's page.
// The DevTools protocol names no process of a target, so it is found by
// CPU time, which the page reports of its own process
// (Performance.getMetrics' ProcessTime) and the browser of every process
// (SystemInfo.getProcessInfo): the tab's renderer is the one whose time
// lies between two readings of the page's, in every try, with some work
// for the page between tries (idle renderers can share a time). Call it
// while the page answers; the process found is kept for the tab.
func (t *Tab) RendererPID() (int64, error) {
	t.pidMu.Lock()
	defer t.pidMu.Unlock()
	if t.pid != 0 {
		return t.pid, nil
	}
	pid, err := t.findRenderer()
	if err != nil {
		return 0, fmt.Errorf("find the tab's renderer process: %w", err)
	}
	t.pid = pid
	return pid, nil
}

func (t *Tab) findRenderer() (int64, error) {
	if err := pageCommand(t, performance.Enable, performance.EnableParams{}); err != nil {
		return 0, err
	}
	// Collecting metrics costs the page a little: only while looking.
	defer pageCommand(t, performance.Disable, cdp.Empty{})
	var candidates map[int64]bool
	for range 10 {
		before, err := t.processTime()
		if err != nil {
			return 0, err
		}
		procs, err := t.processes()
		if err != nil {
			return 0, err
		}
		after, err := t.processTime()
		if err != nil {
			return 0, err
		}
		var matches []int64
		for _, p := range procs {
			if p.Type == "renderer" && p.CPUTime >= before-cpuTick && p.CPUTime <= after+cpuTick && (candidates == nil || candidates[p.ID]) {
				matches = append(matches, p.ID)
			}
		}
		if len(matches) == 1 {
			return matches[0], nil
		}
		if len(matches) > 0 {
			candidates = map[int64]bool{}
			for _, pid := range matches {
				candidates[pid] = true
			}
		}
		// Some work moves the page's time away from idle renderers'; a
		// busy page needs none (hence no error).
		EvalWithin[bool](t, time.Second, `(() => { const end = performance.now() + 30; while (performance.now() < end); return true; })()`)
	}
	return 0, fmt.Errorf("%d renderer processes have the page's CPU time", len(candidates))
}

// processTime is the page's ProcessTime metric: the CPU time of its
// process, in seconds.
func (t *Tab) processTime() (float64, error) {
	ctx, cancel := context.WithTimeout(t.Ctx, 2*time.Second)
	defer cancel()
	m, err := chromedp.Run(ctx, func(ctx context.Context, tt *chromedp.Target) (performance.GetMetricsResult, error) {
		return cdp.Call(ctx, tt, performance.GetMetrics, cdp.Empty{})
	})
	if err != nil {
		return 0, fmt.Errorf("the page's metrics: %w", err)
	}
	for _, x := range m.Metrics {
		if x.Name == "ProcessTime" {
			return x.Value, nil
		}
	}
	return 0, errors.New("the page's metrics have no ProcessTime")
}

// pageCommand sends the tab's page a command that returns nothing.
func pageCommand[P any](t *Tab, c cdp.Command[P, cdp.Empty], p P) error {
	ctx, cancel := context.WithTimeout(t.Ctx, 2*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, func(ctx context.Context, tt *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tt, c, p)
		return chromedp.Void{}, err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Method, err)
	}
	return nil
}

// MainThreadCPU returns the CPU time the main thread of the tab's
// renderer process used so far: the thread of the page's scripts, Wasm,
// layout and (under SwiftShader) WebGL. It is read from
// /proc/PID/task/PID/stat (the browser runs on this machine, and a
// process's first thread is its main thread), so it is there while the
// thread is blocked. Not the whole process: its compositor thread keeps
// drawing the last picture of a page whose main thread waits on nothing
// (measured: 25 ms of CPU a second), so only the main thread stands still.
func (t *Tab) MainThreadCPU() (time.Duration, error) {
	pid, err := t.RendererPID()
	if err != nil {
		return 0, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, pid))
	if err != nil {
		return 0, fmt.Errorf("the renderer's main thread: %w", err)
	}
	// The fields after the command name, which is in parentheses and may
	// hold anything: state is the first, utime and stime the 12th and 13th.
	_, rest, ok := strings.Cut(string(stat), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("the renderer's main thread: unexpected /proc stat %q", stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("the renderer's main thread: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times: 100 on
// every architecture Chromium runs on.
const clockTicks = 100
