package loader

import (
	"math"
	"strconv"
	"strings"
)

// length is a _width or _height trait as the widget sees it: a number of
// pixels, the string "auto", a CSS length (web pages' WebViewer sizes such
// as "100%"), or anything else (unset, null, garbage).
type length struct {
	Pixels float64
	IsPx   bool
	Auto   bool
	CSS    string
}

// cssLength returns s when it is a plain CSS length or percentage
// ("480px", "100%", "60vh"), or "".
func cssLength(s string) string {
	num := strings.TrimRightFunc(s, func(r rune) bool { return 'a' <= r && r <= 'z' || r == '%' })
	switch s[len(num):] {
	case "px", "%", "em", "rem", "vh", "vw", "vmin", "vmax", "svh", "lvh", "dvh", "cqw", "cqh":
	default:
		return ""
	}
	// A decimal number: digits with at most one point, and a digit.
	digits, points := 0, 0
	for _, r := range num {
		switch {
		case '0' <= r && r <= '9':
			digits++
		case r == '.':
			points++
		default:
			return ""
		}
	}
	if digits == 0 || points > 1 {
		return ""
	}
	return s
}

// minPixels keeps the Viewer usable however small the kernel asks for it.
const minPixels = 200

// defaultPixels applies when the trait holds neither a number nor "auto".
const defaultPixels = "640px"

// widthStyle returns the CSS width of the widget.
func (l length) widthStyle() string {
	switch {
	case l.Auto:
		return "100%"
	case l.IsPx:
		return px(l.Pixels)
	case l.CSS != "":
		return l.CSS
	}
	return defaultPixels
}

// heightStyle returns the CSS height and aspect-ratio of the widget: an
// automatic height follows the width at 16:9.
func (l length) heightStyle() (height, aspectRatio string) {
	switch {
	case l.Auto:
		return "auto", "16 / 9"
	case l.IsPx:
		return px(l.Pixels), ""
	case l.CSS != "":
		return l.CSS, ""
	}
	return defaultPixels, ""
}

func px(n float64) string {
	if math.IsInf(n, 0) {
		return defaultPixels
	}
	if !(n >= minPixels) { // also catches NaN
		n = minPixels
	}
	return strconv.FormatFloat(n, 'f', -1, 64) + "px"
}
