package check

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// synthetic draws a 200x150 picture: a flat background, with chrome
// (panel bars with text-like dashes) and content (a gradient) when asked.
func synthetic(t *testing.T, chrome, content bool) []byte {
	t.Helper()
	bg := color.RGBA{0x1a, 0x1a, 0x1a, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := range 150 {
		for x := range 200 {
			c := bg
			switch {
			case chrome && (y < 12 || x < 40):
				c = color.RGBA{0x30, 0x30, 0x30, 0xff}
				if (y == 5 || x%40 == 8) && (x+y)%3 != 0 {
					c = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
				}
			case content && x > 60 && y > 30:
				c = color.RGBA{uint8(x), uint8(y), 0x80, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDrawn checks the draws decision on synthetic pictures.
func TestDrawn(t *testing.T) {
	chromeOnly := synthetic(t, true, false)
	for _, tc := range []struct {
		name        string
		shot, empty []byte
		want        string // in the reason it is blank; "" for drawn
	}{
		{"flat colour", synthetic(t, false, false), nil, "is one flat colour (#1a1a1a, 100.0% of pixels): the Viewer drew nothing"},
		{"flat colour, with an empty state", synthetic(t, false, false), chromeOnly, "is one flat colour (#1a1a1a, 100.0% of pixels)"},
		{"the empty chrome, as before the recording", chromeOnly, chromeOnly, "is the Viewer's empty state, as before it got the recording (0.000% of pixels differ"},
		{"chrome and content", synthetic(t, true, true), chromeOnly, ""},
		{"content without chrome", synthetic(t, false, true), nil, ""},
		// Without the empty state to compare with, chrome alone is not
		// one colour and passes: the page shows the Viewer's own UI.
		{"chrome, no empty state", chromeOnly, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := measure(tc.shot, tc.empty)
			if err != nil {
				t.Fatal(err)
			}
			got := p.blank(0.001)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("blank = %q, want %q (%s)", got, tc.want, p)
			}
		})
	}
	if _, err := measure([]byte("not a png"), nil); err == nil {
		t.Error("measured a file that is not a PNG")
	}
}
