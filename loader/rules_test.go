package loader

import (
	"math"
	"testing"
)

func TestLengthStyles(t *testing.T) {
	tests := []struct {
		name          string
		l             length
		width, height string
		ratio         string
	}{
		{"pixels", length{Pixels: 640, IsPx: true}, "640px", "640px", ""},
		{"fractional pixels", length{Pixels: 333.5, IsPx: true}, "333.5px", "333.5px", ""},
		{"clamped to 200", length{Pixels: 50, IsPx: true}, "200px", "200px", ""},
		{"negative clamped", length{Pixels: -10, IsPx: true}, "200px", "200px", ""},
		{"NaN clamped", length{Pixels: math.NaN(), IsPx: true}, "200px", "200px", ""},
		{"infinite is default", length{Pixels: math.Inf(1), IsPx: true}, "640px", "640px", ""},
		{"auto", length{Auto: true}, "100%", "auto", "16 / 9"},
		{"unset", length{}, "640px", "640px", ""},
		{"css", lengthOf(str("100%")), "100%", "100%", ""},
		{"css vh", lengthOf(str("60vh")), "60vh", "60vh", ""},
		{"css px", lengthOf(str("480.5px")), "480.5px", "480.5px", ""},
		{"css garbage", lengthOf(str("100%;color:red")), "640px", "640px", ""},
		{"css no unit", lengthOf(str("480")), "640px", "640px", ""},
		{"css exponent", lengthOf(str("1e9px")), "640px", "640px", ""},
		{"css negative", lengthOf(str("-5px")), "640px", "640px", ""},
		{"css empty", lengthOf(str("")), "640px", "640px", ""},
		{"css unit only", lengthOf(str("px")), "640px", "640px", ""},
	}
	for _, tt := range tests {
		if got := tt.l.widthStyle(); got != tt.width {
			t.Errorf("%s: width = %q, want %q", tt.name, got, tt.width)
		}
		h, r := tt.l.heightStyle()
		if h != tt.height || r != tt.ratio {
			t.Errorf("%s: height = %q, %q; want %q, %q", tt.name, h, r, tt.height, tt.ratio)
		}
	}
}
