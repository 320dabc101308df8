package headless

import (
	"fmt"
	"time"
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

// Initialized is a widget mounted as anywidget mounts a string _esm, with
// the times its 2 s limit covers.
type Initialized struct {
	Index        int     `json:"index"`        // in window.views
	ReadyMS      float64 `json:"readyMs"`      // from the model's creation to "ready"
	ImportMS     float64 `json:"importMs"`     // from the model's creation through the import
	InitializeMS float64 `json:"initializeMs"` // the widget's initialize
}

// AnywidgetLimit is how long anywidget 0.11 gives a widget's import and
// initialize before it fails the model.
const AnywidgetLimit = 2 * time.Second

// MountInline fetches the module source at url, imports it from a blob:
// URL and runs its initialize within limit (AnywidgetLimit, or longer to
// measure), as anywidget does with a string _esm (rerun-notebook's inline
// mode), then renders it for a new model with traits and waits for
// "ready". Past the limit it fails with anywidget's "[anywidget] Failed to
// initialize model.".
func (t *Tab) MountInline(url string, traits map[string]any, limit time.Duration) (Initialized, error) {
	m, err := Eval[Initialized](t, fmt.Sprintf(`(async () => %s.mountInline(%s, %s, %d, %d))()`,
		kit, JS(url), JS(traits), limit.Milliseconds(), Deadline.Milliseconds()))
	if err != nil {
		return m, fmt.Errorf("mount inline widget: %w", err)
	}
	return m, nil
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
