package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gorerun/loader/headless"
)

// TestChaos runs seeded random sequences of trait changes (valid and
// invalid), messages (valid, malformed, hostile buffers), re-renders,
// cleanups and signal aborts across three widgets of the stand-in Viewer.
// Afterwards nothing was uncaught, the runtime is alive, every live widget
// still answers, and once all are cleaned up nothing is left.
func TestChaos(t *testing.T) {
	t.Parallel()
	const steps = 600
	for _, seed := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			tab := openTab(t, "rerun loader:", "wasmjs:")
			n, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => {
				const { chaos } = await import("/testkit/chaos.js");
				const w = await host.load({ url: %s });
				const { log, live } = await chaos(host, w, { seed: %d, steps: %d, traits: %s });
				window.chaosLive = live;
				window.chaosLog = log;
				return log.length;
			})()`, headless.JS(fakeURL(t)), seed, steps, headless.JS(defaultTraits())))
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if n != steps {
				t.Fatalf("seed %d: ran %d steps, want %d", seed, n, steps)
			}
			defer func() {
				if t.Failed() {
					log, _ := headless.Eval[[]string](tab, `window.chaosLog.slice(-30)`)
					t.Logf("seed %d, last steps:\n  %s", seed, strings.Join(log, "\n  "))
				}
			}()
			for _, m := range tab.Errors() {
				if m.IsException() || strings.Contains(m.Text, "panic") || strings.Contains(m.Text, "already exited") {
					t.Errorf("seed %d: %s", seed, m.Text)
				}
			}
			// Every live widget answers: a time_ctrl with its own time
			// reaches its Viewer.
			for i := range 3 {
				if err := tab.Poll(fmt.Sprintf("widget %d ready", i), fmt.Sprintf(`window.chaosLive[%d].model.sent.includes("ready")`, i), headless.Deadline); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, consoleText(tab))
				}
				time := 1000 + i
				if _, err := headless.Eval[bool](tab, fmt.Sprintf(`(Object.assign(globalThis.fakeViewer, {activeRecording: "rec", activeTimeline: "t"}),
					window.chaosLive[%d].model.deliver({type: "time_ctrl", timeline: null, time: %d, play: false}), true)`, i, time)); err != nil {
					t.Fatal(err)
				}
				if err := tab.Poll(fmt.Sprint("time ", time), fmt.Sprintf(`globalThis.fakeViewer.calls.some((c) => c[0] === "set_time_for_timeline" && c[3] === %d)`, time), headless.Deadline); err != nil {
					t.Errorf("seed %d: widget %d no longer answers: %v", seed, i, err)
				}
			}
			if _, err := headless.Eval[bool](tab, `(async () => { for (const s of window.chaosLive) { await s.stop(); s.el.remove(); } return true; })()`); err != nil {
				t.Fatal(err)
			}
			if err := tab.Poll("nothing left", `(async () => {
				const s = (await [...`+headless.Runtimes+`.values()][0].api).stats();
				return s.liveWidgets === 0 && s.liveFuncs === `+fmt.Sprint(baselineFuncs)+` &&
					document.querySelectorAll("canvas").length === 0 && globalThis.fakeViewer.live === 0;
			})()`, headless.Deadline); err != nil {
				stats, _ := headless.Eval[map[string]any](tab, `(async () => ({...(await [...`+headless.Runtimes+`.values()][0].api).stats(),
					canvases: document.querySelectorAll("canvas").length, viewers: globalThis.fakeViewer.live}))()`)
				t.Errorf("seed %d: after the last cleanup %v", seed, stats)
			}
		})
	}
}
