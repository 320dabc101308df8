//go:build js

package loader

import (
	"strconv"
	"syscall/js"

	"github.com/gorerun/loader/wasmjs"
)

// widgetUI is what a widget puts in its anywidget element: a sized
// container holding the Viewer's canvas and, while loading or after a
// failure, an overlay that says what is going on. Every message is shown in
// this widget's own element and nowhere else.
type widgetUI struct {
	container js.Value
	overlay   js.Value
	title     js.Value
	bar       js.Value // the progress bar's filled part
	track     js.Value
	detail    js.Value
	lastNote  js.Value
}

func newWidgetUI(el js.Value) (*widgetUI, error) {
	doc := js.Global().Get("document")
	ui := &widgetUI{}
	var err error
	create := func(tag, class string) js.Value {
		if err != nil {
			return js.Undefined()
		}
		var v js.Value
		v, err = wasmjs.Call(doc, "createElement", tag)
		if err == nil && class != "" {
			v.Set("className", class)
		}
		return v
	}
	ui.container = create("div", "rerun_notebook")
	ui.overlay = create("div", "rerun-loader-status")
	ui.title = create("div", "rerun-loader-title")
	ui.track = create("div", "rerun-loader-progress")
	ui.bar = create("div", "")
	ui.detail = create("div", "rerun-loader-detail")
	if err != nil {
		return nil, err
	}
	styles(ui.container, "position", "relative", "overflow", "hidden")
	styles(ui.overlay,
		"position", "absolute", "inset", "0", "display", "flex",
		"flex-direction", "column", "align-items", "center", "justify-content", "center",
		"background", "#1c1c1c", "color", "#fff", "font-family", "sans-serif",
		"font-size", "14px", "padding", "16px", "box-sizing", "border-box", "overflow", "auto")
	styles(ui.track, "width", "200px", "height", "6px", "margin", "12px 0 6px",
		"background", "#333", "border-radius", "3px", "overflow", "hidden")
	styles(ui.bar, "width", "0%", "height", "100%", "background", "#fff", "transition", "width 0.2s")
	styles(ui.detail, "font-size", "12px", "color", "#999", "min-height", "1em")
	ui.title.Set("textContent", Progress{}.Title())
	ui.track.Call("append", ui.bar)
	ui.overlay.Call("append", ui.title, ui.track, ui.detail)
	ui.container.Call("append", ui.overlay)
	if _, err := wasmjs.Call(el, "append", ui.container); err != nil {
		return nil, err
	}
	return ui, nil
}

// styles sets CSS properties given as name, value pairs.
func styles(el js.Value, kv ...string) {
	s := el.Get("style")
	for i := 0; i+1 < len(kv); i += 2 {
		s.Call("setProperty", kv[i], kv[i+1])
	}
}

// newCanvas replaces the Viewer's canvas with a fresh one and returns it.
func (ui *widgetUI) newCanvas() js.Value {
	c := js.Global().Get("document").Call("createElement", "canvas")
	styles(c, "display", "block", "width", "100%", "height", "100%")
	ui.container.Call("prepend", c)
	return c
}

// resize applies the _width and _height traits to the container.
func (ui *widgetUI) resize(width, height Length) {
	h, ratio := height.HeightStyle()
	styles(ui.container, "width", width.WidthStyle(), "height", h, "aspect-ratio", ratio)
}

// progress shows the loading phase and, while downloading, how far it got.
func (ui *widgetUI) progress(p Progress) {
	ui.title.Set("textContent", p.Title())
	ui.detail.Set("textContent", p.Detail())
	pct := p.Percent()
	if p.Phase > PhaseDownload {
		pct = 100
	}
	styles(ui.bar, "width", strconv.Itoa(pct)+"%")
	ui.track.Set("title", p.Detail())
}

// showOverlay puts the overlay back over the Viewer (for a restart).
func (ui *widgetUI) showOverlay() {
	ui.container.Call("append", ui.overlay)
}

// ready hides the overlay once the Viewer draws.
func (ui *widgetUI) ready() {
	ui.overlay.Call("remove")
}

// fail shows a failure in place of the Viewer.
func (ui *widgetUI) fail(title, detail string) {
	doc := js.Global().Get("document")
	h := doc.Call("createElement", "div")
	h.Set("textContent", title)
	styles(h, "font-weight", "bold", "margin-bottom", "8px")
	pre := doc.Call("createElement", "pre")
	pre.Set("textContent", detail)
	styles(pre, "white-space", "pre-wrap", "word-break", "break-word", "max-width", "100%", "margin", "0",
		"font-size", "12px")
	ui.overlay.Get("classList").Call("add", "rerun-loader-error")
	ui.overlay.Call("replaceChildren", h, pre)
	ui.container.Call("append", ui.overlay)
}

// notice shows a problem that does not stop the Viewer (a bad message
// from the kernel) in a strip along the widget's bottom edge; a click
// dismisses it.
func (ui *widgetUI) notice(text string) {
	n := js.Global().Get("document").Call("createElement", "div")
	n.Set("className", "rerun-loader-notice")
	n.Set("textContent", text)
	n.Set("title", "click to dismiss")
	styles(n, "position", "absolute", "left", "0", "right", "0", "bottom", "0",
		"background", "rgba(160, 40, 40, 0.9)", "color", "#fff", "font-family", "sans-serif",
		"font-size", "12px", "padding", "4px 8px", "cursor", "pointer")
	// Element.prototype.remove called with the notice as this: no Go
	// function to release.
	n.Set("onclick", js.Global().Get("Element").Get("prototype").Get("remove"))
	if !ui.lastNote.IsUndefined() {
		ui.lastNote.Call("remove")
	}
	ui.lastNote = n
	ui.container.Call("append", n)
}

// remove takes the widget out of the page.
func (ui *widgetUI) remove() {
	ui.container.Call("remove")
}
