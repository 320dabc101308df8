package browsertest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gorerun/loader/headless"
)

// countCrossings wraps, before the Go loader is instantiated, every import
// through which Go calls JavaScript (syscall/js's, and the runtime's
// timers; not the collector's finalizeRef), counting Go → JavaScript
// crossings in window.crossings.toJS. JavaScript → Go ones (callbacks and
// wake-ups, which all enter through the Go instance's _resume) are counted
// in window.crossings.toGo once the loader runs.
const countCrossings = `(() => {
	window.crossings = { toJS: 0, toGo: 0 };
	const counted = new WeakSet();
	for (const name of ["instantiate", "instantiateStreaming"]) {
		const original = WebAssembly[name];
		WebAssembly[name] = function (source, imports, ...rest) {
			const gojs = imports?.gojs;
			if (gojs && !counted.has(gojs)) {
				counted.add(gojs);
				for (const key of Object.keys(gojs)) {
					if (!/^syscall\/js\.|^runtime\.(schedule|clear)TimeoutEvent$/.test(key) || key.endsWith("finalizeRef")) continue;
					const f = gojs[key];
					gojs[key] = (...args) => { window.crossings.toJS++; return f(...args); };
				}
			}
			return original.call(this, source, imports, ...rest);
		};
	}
	return true;
})()`

// TestCrossingsPerKernelMessage counts the crossings between Go and
// JavaScript that one kernel message costs, from anywidget's msg:custom
// callback to the Viewer's send_rrd_to_channel: a crossing costs far more
// than a Go or JavaScript call, and the kernel sends a recording as many
// messages. wasmjs counts them (each read, write, call and string's text,
// and each call of Go from JavaScript); underneath, syscall/js makes
// several calls of its own for each (a callback's entry alone reads its
// event, this and arguments), which the test counts too, and logs. The
// fewest of several messages is taken, as the loader's tickers may cross
// meanwhile.
func TestCrossingsPerKernelMessage(t *testing.T) {
	t.Parallel()
	tab := openTab(t)
	if _, err := headless.Eval[bool](tab, countCrossings); err != nil {
		t.Fatal(err)
	}
	view := mountWidget(t, tab, fakeURL(t), false, defaultTraits()).Index
	waitReady(t, tab, view)
	if _, err := headless.Eval[bool](tab, `(() => {
		const go = [...`+headless.Runtimes+`.values()][0].go;
		const resume = go._resume.bind(go);
		go._resume = () => { window.crossings.toGo++; return resume(); };
		return true;
	})()`); err != nil {
		t.Fatal(err)
	}
	var ops, raw []int
	for range 5 {
		n, err := headless.Eval[struct{ Ops, Raw int }](tab, fmt.Sprintf(`(async () => {
			const model = window.views[%d].model;
			const sent = () => globalThis.fakeViewer.calls.filter((c) => c[0] === "send_rrd_to_channel").length;
			const before = sent();
			const api = await [...`+headless.Runtimes+`.values()][0].api;
			const ops = api.stats().crossings;
			window.crossings.toJS = window.crossings.toGo = 0;
			model.deliver({ type: "rrd" }, [host.bytesView(new Uint8Array([1, 2, 3]), 5)]);
			await model.waitFor(() => sent() > before, %d);
			const raw = window.crossings.toJS + window.crossings.toGo;
			// Less the one of asking for the count.
			return { ops: api.stats().crossings - ops - 1, raw };
		})()`, view, headless.Deadline.Milliseconds()))
		if err != nil {
			t.Fatalf("%v\nconsole:\n%s", err, consoleText(tab))
		}
		ops = append(ops, n.Ops)
		raw = append(raw, n.Raw)
	}
	least := slices.Min(ops)
	t.Logf("crossings per kernel message: %v (fewest %d); syscall/js calls and Go wake-ups underneath: %v", ops, least, raw)
	if least > maxCrossingsPerMessage {
		t.Errorf("one kernel message crossed between Go and JavaScript %d times (of %v), want at most %d", least, ops, maxCrossingsPerMessage)
	}
}

const maxCrossingsPerMessage = 6
