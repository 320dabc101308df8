package check

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/orisano/pixelmatch"
)

// Threshold is pixelmatch's colour threshold (0–1) under which two pixels
// count as the same: Playwright's toHaveScreenshot default. The distance
// is YIQ, weighted as eyes see it, and anti-aliased pixels (the edges of
// lines and text, which rasterizers draw slightly differently) never
// count.
const Threshold = 0.2

// Diff is a perceptual comparison of two screenshots.
type Diff struct {
	Pixels   int     `json:"pixels"`   // that differ
	Fraction float64 `json:"fraction"` // of all pixels
	Image    []byte  `json:"-"`        // PNG: the differing pixels in red over a faded copy
}

// compare compares two PNGs of the same size.
func compare(a, b []byte) (*Diff, error) {
	imgA, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return nil, fmt.Errorf("decode screenshot: %w", err)
	}
	imgB, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode reference: %w", err)
	}
	if imgA.Bounds().Size() != imgB.Bounds().Size() {
		return nil, fmt.Errorf("the screenshot is %v and the reference %v: compare screenshots of one --size", imgA.Bounds().Size(), imgB.Bounds().Size())
	}
	var out image.Image
	n, err := pixelmatch.MatchPixel(imgA, imgB, pixelmatch.Threshold(Threshold), pixelmatch.WriteTo(&out),
		pixelmatch.DiffColor(color.RGBA{255, 0, 0, 255}))
	if err != nil {
		return nil, fmt.Errorf("compare screenshots: %w", err)
	}
	d := &Diff{Pixels: n, Fraction: float64(n) / float64(imgA.Bounds().Dx()*imgA.Bounds().Dy())}
	if out != nil {
		var buf bytes.Buffer
		if err := png.Encode(&buf, out); err != nil {
			return nil, fmt.Errorf("encode the difference: %w", err)
		}
		d.Image = buf.Bytes()
	}
	return d, nil
}
