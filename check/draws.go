package check

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
)

// maxFlat is the share of the pixels one colour may cover in a picture
// that shows something: the Viewer's chrome alone (its panels' borders,
// text and the time line) keeps a good part of the window in other
// colours (see the README's measurement on the fixtures), so a picture
// past this is one colour and nothing else.
const maxFlat = 0.99

// picture is what the draws check measures of a screenshot.
type picture struct {
	Colour string  // the commonest colour, #rrggbb
	Flat   float64 // the share of the pixels that have it
	// VsEmpty is the fraction of the pixels that differ from the Viewer's
	// empty state, its picture before it got the recording; -1 when there
	// is none.
	VsEmpty float64
}

// measure measures a screenshot against the Viewer's empty state (nil
// when there is none).
func measure(shot, empty []byte) (picture, error) {
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		return picture{}, fmt.Errorf("decode the screenshot: %w", err)
	}
	p := picture{VsEmpty: -1}
	p.Colour, p.Flat = commonest(img)
	if empty != nil {
		d, err := compare(shot, empty)
		if err != nil {
			return picture{}, fmt.Errorf("compare with the Viewer's empty state: %w", err)
		}
		p.VsEmpty = d.Fraction
	}
	return p, nil
}

// blank says why the picture shows nothing drawn, "" when it shows
// something: it is one flat colour (the page's background, a canvas that
// stayed blank or was hidden), or the Viewer's empty state but for at most
// maxDiff of the pixels, so the recording changed nothing. A recording of
// data the Viewer shows no view of still passes: its sources, selection
// and streams panels name it.
func (p picture) blank(maxDiff float64) string {
	switch {
	case p.Flat > maxFlat:
		return fmt.Sprintf("is one flat colour (%s, %s of pixels): the Viewer drew nothing", p.Colour, percent1(p.Flat))
	case p.VsEmpty >= 0 && p.VsEmpty <= maxDiff:
		return fmt.Sprintf("is the Viewer's empty state, as before it got the recording (%s of pixels differ, max %s): the Viewer drew nothing of the recording",
			percent(p.VsEmpty), percent(maxDiff))
	}
	return ""
}

// String is the measure, for the message of a picture that passes.
func (p picture) String() string {
	s := fmt.Sprintf("its commonest colour %s covers %s of pixels", p.Colour, percent1(p.Flat))
	if p.VsEmpty >= 0 {
		s += fmt.Sprintf("; %s differ from the Viewer's empty state", percent(p.VsEmpty))
	}
	return s
}

// commonest returns the colour most pixels of img have, as #rrggbb, and
// their share.
func commonest(img image.Image) (string, float64) {
	counts := map[[3]uint8]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			counts[[3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}]++
		}
	}
	var best [3]uint8
	n := -1
	for c, k := range counts {
		if k > n {
			best, n = c, k
		}
	}
	total := b.Dx() * b.Dy()
	if total == 0 {
		return "#000000", 1
	}
	return fmt.Sprintf("#%02x%02x%02x", best[0], best[1], best[2]), float64(n) / float64(total)
}

func percent1(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }
