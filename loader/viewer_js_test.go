//go:build js

package loader

import (
	"slices"
	"testing"

	"github.com/gorerun/loader/wasmjs"
)

// TestViewerEventsReachTheWidgetAsText: the Viewer's on_viewer_event
// hands the widget each event as a Go string, the one form its restore
// reads; a JavaScript value would never match the recording it waits for.
func TestViewerEventsReachTheWidgetAsText(t *testing.T) {
	var got []string
	v := &webViewer{}
	defer v.funcs.Release()
	opts, ok := v.handleOptions(viewerOptions{}, func(event string) { got = append(got, event) }).(map[string]any)
	if !ok {
		t.Fatal("the WebHandle options are not the loader's own map")
	}
	onEvent, ok := opts["on_viewer_event"].(wasmjs.Func)
	if !ok {
		t.Fatalf("on_viewer_event is %T, want a function", opts["on_viewer_event"])
	}
	const event = `{"type":"recording_open","recording_id":"rec-1"}`
	if _, err := onEvent.Value().Invoke(event); err != nil {
		t.Fatal(err)
	}
	// Not JSON text: no Viewer sends one, and it is not forwarded.
	if _, err := onEvent.Value().Invoke(42); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{event}) {
		t.Errorf("the widget got %q, want the event's text alone", got)
	}
}
