package headless

import (
	"fmt"
)

// kit is the JavaScript expression of the test kit's widget module.
const kit = `(await import("/testkit/widgets.js"))`

// LoadURL is the JavaScript that imports a widget module from url, as
// anywidget does with a URL _esm.
func LoadURL(url string) string {
	return fmt.Sprintf(`%s.loadURL(%s)`, kit, JS(url))
}

// LoadSourceFrom is the JavaScript that fetches a widget module's source
// from url and imports it from a blob: URL, as anywidget does with a
// string _esm (rerun-notebook's inline mode).
func LoadSourceFrom(url string) string {
	return fmt.Sprintf(`%s.loadSourceFrom(%s)`, kit, JS(url))
}

// Mounted is a widget that said "ready".
type Mounted struct {
	Index   int     `json:"index"`   // in window.views
	StartMS float64 `json:"startMs"` // performance.now() before the import
	ReadyMS float64 `json:"readyMs"` // from the import to "ready"
}

// Mount evaluates load (JavaScript for a widget, as host.load returns
// it), mounts the widget for a new model with traits in a new element,
// and waits for "ready".
func (t *Tab) Mount(load string, traits map[string]any) (Mounted, error) {
	m, err := Eval[Mounted](t, fmt.Sprintf(`(async () => %s.mount(async () => %s, %s, %d))()`,
		kit, load, JS(traits), Deadline.Milliseconds()))
	if err != nil {
		return m, fmt.Errorf("mount widget: %w", err)
	}
	return m, nil
}

// RunCell runs a notebook cell again: it removes the view the previous
// run left (as anywidget does when a cell re-runs), evaluates load for the
// widget, renders it for a new model with traits and waits for "ready".
// It returns the time from the removal to "ready".
func (t *Tab) RunCell(load string, traits map[string]any) (float64, error) {
	ms, err := Eval[float64](t, fmt.Sprintf(`(async () => %s.runCell(async () => %s, %s, %d))()`,
		kit, load, JS(traits), Deadline.Milliseconds()))
	if err != nil {
		return 0, fmt.Errorf("run cell: %w", err)
	}
	return ms, nil
}
