package loader

import (
	"strconv"
	"strings"
)

// phase is a step of bringing up a Viewer, as the widget shows it.
type phase int

// The phases, in order.
const (
	phaseBoot phase = iota
	phaseDownload
	phaseDecode // the Viewer the marker function inlines
	phaseCompile
	phaseStart
	phaseRestart
)

// loadProgress is what the loading overlay shows.
type loadProgress struct {
	Phase    phase
	Received int64 // bytes of the Viewer downloaded so far
	Total    int64 // their true total, or 0 when unknown
}

// title is the overlay's main line.
func (p loadProgress) title() string {
	switch p.Phase {
	case phaseDownload:
		return "Downloading the Rerun Viewer…"
	case phaseDecode:
		return "Decoding the inlined Rerun Viewer…"
	case phaseCompile:
		return "Compiling the Rerun Viewer…"
	case phaseStart:
		return "Starting the Rerun Viewer…"
	case phaseRestart:
		return "Restarting the Rerun Viewer…"
	}
	return "Loading Rerun…"
}

// detail is the line under the progress bar: bytes so far, of the total
// when it is known.
func (p loadProgress) detail() string {
	if p.Phase != phaseDownload || p.Received <= 0 {
		return ""
	}
	if p.Total <= 0 {
		return mib(p.Received)
	}
	return mib(p.Received) + " of " + mib(p.Total) + " (" + strconv.Itoa(p.percent()) + "%)"
}

// percent is how much of the download is done, 0–100; 0 while the total
// is unknown.
func (p loadProgress) percent() int {
	if p.Total <= 0 {
		return 0
	}
	pct := int(p.Received * 100 / p.Total)
	return min(max(pct, 0), 100)
}

func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// amount is n bytes in the unit that reads best.
func amount(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return strconv.FormatInt((n+1<<9)>>10, 10) + " KiB"
	}
	return mib(n)
}

// downloadTotal returns the true number of bytes the browser will hand
// over for a Viewer response: rerun-final-length (the uncompressed size,
// which our server and upstream's send) when present, else Content-Length
// when the body is not content-encoded (the browser decodes it, so an
// encoded length is not the size it delivers). 0 means unknown.
func downloadTotal(finalLength, contentLength, contentEncoding string) int64 {
	if n, ok := parseLength(finalLength); ok {
		return n
	}
	enc := lowerASCII(trimHTTPSpace(contentEncoding))
	if enc == "" || enc == "identity" {
		if n, ok := parseLength(contentLength); ok {
			return n
		}
	}
	return 0
}

func parseLength(s string) (int64, bool) {
	n, err := strconv.ParseInt(trimHTTPSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// shouldReport throttles progress updates to whole percents (or, with no
// total, to every MiB) so a 47 MB download repaints a hundred times, not
// once per network chunk.
func shouldReport(last, now loadProgress) bool {
	if now.Total > 0 {
		return now.percent() != last.percent()
	}
	return now.Received>>20 != last.Received>>20
}

// lowerASCII lowercases ASCII letters only: header tokens are ASCII, and
// the unicode tables strings.ToLower brings would grow the loader Wasm.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// trimHTTPSpace trims the optional whitespace HTTP allows around values.
func trimHTTPSpace(s string) string {
	return strings.Trim(s, " \t")
}
