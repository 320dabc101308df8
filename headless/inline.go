package headless

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gorerun/loader/names"
)

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

// Inline applies rerun-notebook's inline transformation (docs/protocol.md, "Asset modes")
// to a widget module's source: the text between the inline markers becomes
// code that returns the gzipped Viewer from a base64 data URL. The result
// also counts its runs in globalThis.inlineFetches.
func Inline(widget string, gzippedViewer []byte) (string, error) {
	return InlineBody(widget, NotebookBody(DataURL(gzippedViewer)))
}

// NotebookBody is the code rerun-notebook 0.33 writes between the markers
// for the gzipped Viewer at dataURL, which also counts its runs in
// globalThis.inlineFetches.
func NotebookBody(dataURL string) string {
	return `
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
}

// DataURL is the data URL rerun-notebook inlines the gzipped Viewer as.
func DataURL(gzippedViewer []byte) string {
	return "data:application/octet-stream;gzip;base64," + base64.StdEncoding.EncodeToString(gzippedViewer)
}

// InlineBody puts body between a widget module's inline markers, as
// rerun-notebook's inline mode does with the code it writes.
func InlineBody(widget, body string) (string, error) {
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
