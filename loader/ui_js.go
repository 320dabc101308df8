//go:build js

package loader

import (
	"syscall/js"

	"github.com/gorerun/loader/wasmjs"
)

// widgetUI is what a widget puts in its anywidget element: a sized
// container holding the Viewer's canvas and, while loading or after a
// failure, an overlay that says what is going on. Every message is shown in
// this widget's own element and nowhere else.
type widgetUI struct {
	container js.Value
	canvas    js.Value
	overlay   js.Value
	text      js.Value
	lastNote  js.Value
}

func newWidgetUI(el js.Value) (*widgetUI, error) {
	doc := js.Global().Get("document")
	create := func(tag string) (js.Value, error) {
		return wasmjs.Call(doc, "createElement", tag)
	}
	ui := &widgetUI{}
	var err error
	if ui.container, err = create("div"); err != nil {
		return nil, err
	}
	if ui.canvas, err = create("canvas"); err != nil {
		return nil, err
	}
	if ui.overlay, err = create("div"); err != nil {
		return nil, err
	}
	if ui.text, err = create("div"); err != nil {
		return nil, err
	}
	ui.container.Get("classList").Call("add", "rerun_notebook")
	style(ui.container, "position", "relative")
	style(ui.canvas, "display", "block")
	style(ui.canvas, "width", "100%")
	style(ui.canvas, "height", "100%")
	ui.overlay.Get("classList").Call("add", "rerun-loader-status")
	for _, kv := range [][2]string{
		{"position", "absolute"}, {"inset", "0"}, {"display", "flex"},
		{"flex-direction", "column"}, {"align-items", "center"}, {"justify-content", "center"},
		{"background", "#1c1c1c"}, {"color", "#fff"}, {"font-family", "sans-serif"},
		{"font-size", "14px"}, {"padding", "16px"}, {"box-sizing", "border-box"}, {"overflow", "auto"},
	} {
		style(ui.overlay, kv[0], kv[1])
	}
	ui.text.Set("textContent", "Loading Rerun…")
	ui.overlay.Call("append", ui.text)
	ui.container.Call("append", ui.canvas, ui.overlay)
	if _, err := wasmjs.Call(el, "append", ui.container); err != nil {
		return nil, err
	}
	return ui, nil
}

func style(el js.Value, prop, value string) {
	el.Get("style").Call("setProperty", prop, value)
}

// resize applies the _width and _height traits to the container.
func (ui *widgetUI) resize(width, height Length) {
	style(ui.container, "width", width.WidthStyle())
	h, ratio := height.HeightStyle()
	style(ui.container, "height", h)
	style(ui.container, "aspect-ratio", ratio)
}

// status replaces the loading text.
func (ui *widgetUI) status(text string) {
	ui.text.Set("textContent", text)
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
	style(h, "font-weight", "bold")
	style(h, "margin-bottom", "8px")
	pre := doc.Call("createElement", "pre")
	pre.Set("textContent", detail)
	style(pre, "white-space", "pre-wrap")
	style(pre, "word-break", "break-word")
	style(pre, "max-width", "100%")
	style(pre, "margin", "0")
	ui.overlay.Get("classList").Call("add", "rerun-loader-error")
	ui.overlay.Call("replaceChildren", h, pre)
	ui.container.Call("append", ui.overlay)
}

// notice shows a problem that does not stop the Viewer (a bad message
// from the kernel) in a strip along the widget's bottom edge.
func (ui *widgetUI) notice(text string) {
	doc := js.Global().Get("document")
	n := doc.Call("createElement", "div")
	n.Get("classList").Call("add", "rerun-loader-notice")
	n.Set("textContent", text)
	for _, kv := range [][2]string{
		{"position", "absolute"}, {"left", "0"}, {"right", "0"}, {"bottom", "0"},
		{"background", "rgba(160, 40, 40, 0.9)"}, {"color", "#fff"},
		{"font-family", "sans-serif"}, {"font-size", "12px"}, {"padding", "4px 8px"},
	} {
		style(n, kv[0], kv[1])
	}
	n.Set("title", "click to dismiss")
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
