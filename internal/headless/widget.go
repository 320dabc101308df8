package headless

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
	"github.com/gorerun/loader/names"
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

// RendererRSS sums the resident memory of the browser's renderer
// processes, read from /proc (the browser runs on this machine).
func (t *Tab) RendererRSS() (int64, error) {
	info, err := chromedp.Run(t.Ctx, func(ctx context.Context, _ *chromedp.Target) (systeminfo.GetProcessInfoResult, error) {
		return cdp.Call(ctx, chromedp.FromContext(ctx).Browser, systeminfo.GetProcessInfo, cdp.Empty{})
	})
	if err != nil {
		return 0, fmt.Errorf("renderer processes: %w", err)
	}
	var total int64
	for _, p := range info.ProcessInfo {
		if p.Type != "renderer" {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", int(p.ID)))
		if err != nil {
			continue // exited meanwhile
		}
		for line := range strings.Lines(string(b)) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				total += kb << 10
			}
		}
	}
	if total == 0 {
		return 0, errors.New("renderer processes: no resident memory found in /proc")
	}
	return total, nil
}

// JSHeap collects garbage and returns the page's used JS heap.
func (t *Tab) JSHeap() (int64, error) {
	if _, err := chromedp.Run(t.Ctx, func(ctx context.Context, tt *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tt, heapprofiler.CollectGarbage, cdp.Empty{})
		return chromedp.Void{}, err
	}); err != nil {
		return 0, fmt.Errorf("collect garbage: %w", err)
	}
	return Eval[int64](t, `performance.memory.usedJSHeapSize`)
}

// Gzip compresses the Viewer as Python's gzip.compress does (level 9), as
// rerun-notebook does for inline mode and the upstream asset server for
// its responses.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level cannot fail
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Inline applies rerun-notebook's inline transformation (PROTOCOL.md §1)
// to a widget module's source: the text between the inline markers becomes
// code that returns the gzipped Viewer from a base64 data URL. The result
// also counts its runs in globalThis.inlineFetches.
func Inline(widget string, gzippedViewer []byte) (string, error) {
	dataURL := "data:application/octet-stream;gzip;base64," + base64.StdEncoding.EncodeToString(gzippedViewer)
	body := `
    globalThis.inlineFetches = (globalThis.inlineFetches ?? 0) + 1;
    async function compressed_data_url_to_buffer(dataUrl) {
        const response = await fetch(dataUrl);
        const blob = await response.blob();
        let ds = new DecompressionStream("gzip");
        let decompressedStream = blob.stream().pipeThrough(ds);
        return new Response(decompressedStream).arrayBuffer();
    }
    const dataUrl = "` + dataURL + `";
    const buffer = await compressed_data_url_to_buffer(dataUrl);
    return new Response(buffer, { "headers": { "Content-Type": "application/wasm" } });
    `
	start := strings.Index(widget, names.MarkerOpen)
	if start < 0 {
		return "", fmt.Errorf("widget has no %s", names.MarkerOpen)
	}
	start += len(names.MarkerOpen)
	end := strings.Index(widget[start:], names.MarkerClose)
	if end < 0 {
		return "", fmt.Errorf("widget has no %s after the open marker", names.MarkerClose)
	}
	return widget[:start] + body + widget[start+end:], nil
}
