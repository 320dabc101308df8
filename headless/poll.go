package headless

import (
	"fmt"
	"time"
)

// Poll waits until the JavaScript expression cond (awaited) is truthy in the tab,
// checking it in the page every 20 ms (one round trip in all), and fails
// after timeout with what.
func (t *Tab) Poll(what, cond string, timeout time.Duration) error {
	_, err := Eval[bool](t, fmt.Sprintf(`new Promise((resolve, reject) => {
		const end = performance.now() + %d;
		const check = async () => {
			let ok = false;
			try { ok = !!(await (%s)); } catch (e) {}
			if (ok) resolve(true);
			else if (performance.now() > end) reject(new Error("timed out waiting for " + %s));
			else setTimeout(check, 20);
		};
		check();
	})`, timeout.Milliseconds(), cond, JS(what)))
	return err
}
