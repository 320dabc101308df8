//go:build js

package loader

import (
	"strconv"
	"sync"

	"github.com/gorerun/loader/wasmjs"
)

// widgetUI is what a widget puts in its anywidget element: a sized
// container holding the Viewer's canvas and, while loading or after a
// failure, an overlay that says what is going on. Every message is shown in
// this widget's own element and nowhere else. DOM calls that fail leave the
// widget less pretty, never stop it.
type widgetUI struct {
	doc       wasmjs.Value
	container wasmjs.Value
	overlay   wasmjs.Value
	title     wasmjs.Value
	bar       wasmjs.Value // the progress bar's filled part
	track     wasmjs.Value
	detail    wasmjs.Value

	funcs    wasmjs.Funcs // the Retry buttons' handlers, the view observer's
	mu       sync.Mutex
	lastNote wasmjs.Value

	canvas     wasmjs.Value     // the Viewer's canvas
	lost       *wasmjs.Listener // its webglcontextlost listener
	observer   wasmjs.Value     // the IntersectionObserver of watchView
	pause      wasmjs.Value     // what stands in for a suspended Viewer
	resume     func()           // what a click on it calls
	onPauseTap *wasmjs.Func     // the click handler, made once
}

func newWidgetUI(el wasmjs.Value) (*widgetUI, error) {
	doc, err := wasmjs.Global().Get("document")
	if err != nil {
		return nil, err
	}
	ui := &widgetUI{doc: doc}
	create := func(tag, class string) wasmjs.Value {
		if err != nil {
			return wasmjs.Undefined()
		}
		var v wasmjs.Value
		if v, err = doc.Call("createElement", tag); err == nil && class != "" {
			err = v.Set("className", class)
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
	ui.title.Set("textContent", loadProgress{}.title())
	ui.track.Call("append", ui.bar)
	ui.overlay.Call("append", ui.title, ui.track, ui.detail)
	ui.container.Call("append", ui.overlay)
	if _, err := el.Call("append", ui.container); err != nil {
		return nil, err
	}
	return ui, nil
}

// styles sets CSS properties given as name, value pairs.
func styles(el wasmjs.Value, kv ...string) {
	s, err := el.Get("style")
	if err != nil {
		return
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Call("setProperty", kv[i], kv[i+1])
	}
}

func (ui *widgetUI) newCanvas(onLost func()) any {
	c, err := ui.doc.Call("createElement", "canvas")
	if err != nil {
		return wasmjs.Undefined()
	}
	styles(c, "display", "block", "width", "100%", "height", "100%")
	ui.container.Call("prepend", c)
	ui.mu.Lock()
	old := ui.lost
	ui.canvas, ui.lost = c, nil
	ui.mu.Unlock()
	if old != nil {
		old.Remove()
	}
	// A canvas the Viewer let go of (its close removes it) is not news.
	l, err := wasmjs.AddEventListener(c, "webglcontextlost", func(wasmjs.Value) {
		if connected, err := c.Get("isConnected"); err == nil && connected.Truthy() {
			onLost()
		}
	})
	if err == nil {
		ui.mu.Lock()
		ui.lost = l
		ui.mu.Unlock()
	}
	return c
}

func (ui *widgetUI) watchView(onChange func(inView bool)) {
	ctor, err := wasmjs.Global().Get("IntersectionObserver")
	if err != nil || !ctor.IsFunction() {
		return // no way to tell: the budget takes the widget as out of view
	}
	observer, err := ctor.New(ui.funcs.Func(func(_ wasmjs.Value, args []wasmjs.Value) any {
		entries := wasmjs.Arg(args, 0)
		n, _ := entries.Get("length")
		if last, err := entries.Call("at", n.Int()-1); err == nil {
			if in, err := last.Get("isIntersecting"); err == nil {
				onChange(in.Truthy())
			}
		}
		return nil
	}))
	if err != nil {
		return
	}
	observer.Call("observe", ui.container)
	ui.mu.Lock()
	ui.observer = observer
	ui.mu.Unlock()
}

// suspend puts a copy of the canvas's last picture, or a dark placeholder
// where the browser reads a WebGL canvas back blank, behind text that
// says the Viewer is paused; a click on it resumes.
func (ui *widgetUI) suspend(text string, resume func()) {
	pause, err := ui.doc.Call("createElement", "div")
	if err != nil {
		return
	}
	pause.Set("className", "rerun-loader-paused")
	styles(pause, "position", "absolute", "inset", "0", "cursor", "pointer", "background", "#1c1c1c")
	if picture, ok := ui.picture(); ok {
		styles(picture, "display", "block", "width", "100%", "height", "100%", "opacity", "0.6")
		pause.Call("append", picture)
	}
	label, _ := ui.doc.Call("createElement", "div")
	label.Set("className", "rerun-loader-paused-text")
	label.Set("textContent", text)
	styles(label, "position", "absolute", "left", "0", "right", "0", "bottom", "0", "padding", "8px 12px",
		"background", "rgba(0, 0, 0, 0.7)", "color", "#fff", "font-family", "sans-serif", "font-size", "13px",
		"white-space", "pre-line", "overflow-wrap", "anywhere")
	pause.Call("append", label)
	ui.mu.Lock()
	if ui.onPauseTap == nil {
		tap := ui.funcs.Func(func(wasmjs.Value, []wasmjs.Value) any {
			ui.mu.Lock()
			r := ui.resume
			ui.mu.Unlock()
			if r != nil {
				r()
			}
			return nil
		})
		ui.onPauseTap = &tap
	}
	ui.resume = resume
	old := ui.pause
	ui.pause = pause
	tap := *ui.onPauseTap
	ui.mu.Unlock()
	if !old.IsUndefined() {
		old.Call("remove")
	}
	pause.Set("onclick", tap)
	ui.container.Call("append", pause)
}

// picture copies the canvas into a 2D canvas, unless the copy is blank
// (a WebGL canvas read back outside its frame).
func (ui *widgetUI) picture() (wasmjs.Value, bool) {
	ui.mu.Lock()
	c := ui.canvas
	ui.mu.Unlock()
	w, _ := c.Get("width")
	h, _ := c.Get("height")
	if w.Int() == 0 || h.Int() == 0 {
		return wasmjs.Undefined(), false
	}
	snapshot, err := ui.doc.Call("createElement", "canvas")
	if err != nil {
		return wasmjs.Undefined(), false
	}
	snapshot.Set("width", w.Int())
	snapshot.Set("height", h.Int())
	ctx, err := snapshot.Call("getContext", "2d")
	if err != nil || ctx.IsNullish() {
		return wasmjs.Undefined(), false
	}
	if _, err := ctx.Call("drawImage", c, 0, 0); err != nil {
		return wasmjs.Undefined(), false
	}
	// The largest byte of a 16×16 sample: 0 when nothing was read back.
	sample, err := ctx.Call("getImageData", w.Int()/2-8, h.Int()/2-8, 16, 16)
	if err != nil {
		return wasmjs.Undefined(), false
	}
	data, _ := sample.Get("data")
	math, _ := wasmjs.Global().Get("Math")
	maxFn, _ := math.Get("max")
	reflect, _ := wasmjs.Global().Get("Reflect")
	top, err := reflect.Call("apply", maxFn, wasmjs.Null(), data)
	if n, ok := top.AsNumber(); err != nil || !ok || n == 0 {
		return wasmjs.Undefined(), false
	}
	return snapshot, true
}

func (ui *widgetUI) resize(width, height length) {
	h, ratio := height.heightStyle()
	styles(ui.container, "width", width.widthStyle(), "height", h, "aspect-ratio", ratio)
}

func (ui *widgetUI) progress(p loadProgress) {
	ui.title.Set("textContent", p.title())
	ui.detail.Set("textContent", p.detail())
	pct := p.percent()
	if p.Phase > phaseDownload {
		pct = 100
	}
	styles(ui.bar, "width", strconv.Itoa(pct)+"%")
	ui.track.Set("title", p.detail())
}

// whenVisible waits for the container to have a size on a visible page,
// watching it with a ResizeObserver and the page's visibilitychange: a
// canvas in a collapsed output or a background tab has no size to start a
// Viewer at.
func (ui *widgetUI) whenVisible(ctx wasmjs.Context) error {
	if ui.visible() {
		return nil
	}
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	var funcs wasmjs.Funcs
	defer funcs.Release()
	if ctor, err := wasmjs.Global().Get("ResizeObserver"); err == nil && ctor.IsFunction() {
		observer, err := ctor.New(funcs.Func(func(wasmjs.Value, []wasmjs.Value) any { poke(); return nil }))
		if err == nil {
			observer.Call("observe", ui.container)
			defer observer.Call("disconnect")
		}
	}
	if l, err := wasmjs.AddEventListener(ui.doc, "visibilitychange", func(wasmjs.Value) { poke() }); err == nil {
		defer l.Remove()
	}
	for !ui.visible() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
	return nil
}

// visible reports whether the container has a size on a visible page.
func (ui *widgetUI) visible() bool {
	if state, err := ui.doc.Get("visibilityState"); err == nil {
		if s, ok := state.AsString(); ok && s == "hidden" {
			return false
		}
	}
	rect, err := ui.container.Call("getBoundingClientRect")
	if err != nil {
		return true // no way to tell: do not hold the widget back
	}
	w, _ := rect.Get("width")
	h, _ := rect.Get("height")
	width, _ := w.AsNumber()
	height, _ := h.AsNumber()
	return width > 0 && height > 0
}

func (ui *widgetUI) showOverlay() {
	ui.overlay.Call("replaceChildren", ui.title, ui.track, ui.detail)
	if cl, err := ui.overlay.Get("classList"); err == nil {
		cl.Call("remove", "rerun-loader-error")
	}
	ui.container.Call("append", ui.overlay)
}

func (ui *widgetUI) ready() {
	ui.overlay.Call("remove")
	ui.mu.Lock()
	pause := ui.pause
	ui.pause, ui.resume = wasmjs.Undefined(), nil
	ui.mu.Unlock()
	if !pause.IsUndefined() {
		pause.Call("remove")
	}
}

func (ui *widgetUI) fail(title, detail string, retry func()) {
	ui.showStop(title, detail, "Retry", "rerun-loader-retry", retry)
}

func (ui *widgetUI) offerRestore(title, detail string, restore func()) {
	ui.showStop(title, detail, "Restore", "rerun-loader-restore", restore)
}

// showStop shows why the Viewer stopped in place of it, with a button
// labelled label when action is not nil.
func (ui *widgetUI) showStop(title, detail, label, class string, action func()) {
	h, _ := ui.doc.Call("createElement", "div")
	h.Set("textContent", title)
	styles(h, "font-weight", "bold", "margin-bottom", "8px")
	pre, _ := ui.doc.Call("createElement", "pre")
	pre.Set("textContent", detail)
	styles(pre, "white-space", "pre-wrap", "word-break", "break-word", "max-width", "100%", "margin", "0",
		"font-size", "12px")
	children := []any{h, pre}
	if action != nil {
		button, _ := ui.doc.Call("createElement", "button")
		button.Set("className", class)
		button.Set("textContent", label)
		styles(button, "margin-top", "12px", "padding", "4px 16px", "font-size", "14px", "cursor", "pointer")
		button.Set("onclick", ui.funcs.Func(func(wasmjs.Value, []wasmjs.Value) any {
			action()
			return nil
		}))
		children = append(children, button)
	}
	if cl, err := ui.overlay.Get("classList"); err == nil {
		cl.Call("add", "rerun-loader-error")
	}
	ui.overlay.Call("replaceChildren", children...)
	ui.container.Call("append", ui.overlay)
}

// notice shows a problem that does not stop the Viewer (a bad message
// from the kernel) in a strip along the widget's bottom edge; a click
// dismisses it.
func (ui *widgetUI) notice(text string) {
	n, err := ui.doc.Call("createElement", "div")
	if err != nil {
		return
	}
	n.Set("className", "rerun-loader-notice")
	n.Set("textContent", text)
	n.Set("title", "click to dismiss")
	styles(n, "position", "absolute", "left", "0", "right", "0", "bottom", "0",
		"background", "rgba(160, 40, 40, 0.9)", "color", "#fff", "font-family", "sans-serif",
		"font-size", "12px", "padding", "4px 8px", "cursor", "pointer")
	// Element.prototype.remove called with the notice as this: no Go
	// function to release.
	if remove, err := n.Get("remove"); err == nil {
		n.Set("onclick", remove)
	}
	ui.mu.Lock()
	last := ui.lastNote
	ui.lastNote = n
	ui.mu.Unlock()
	if !last.IsUndefined() {
		last.Call("remove")
	}
	ui.container.Call("append", n)
}

func (ui *widgetUI) remove() {
	ui.mu.Lock()
	observer, lost := ui.observer, ui.lost
	ui.observer, ui.lost, ui.pause, ui.resume = wasmjs.Undefined(), nil, wasmjs.Undefined(), nil
	ui.mu.Unlock()
	if !observer.IsUndefined() {
		observer.Call("disconnect")
	}
	if lost != nil {
		lost.Remove()
	}
	ui.container.Call("remove")
	ui.funcs.Release()
}
