package assets

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progressBar shows how far a long job got: redrawn in place on a
// terminal, a line per tenth otherwise (logs).
type progressBar struct {
	w        io.Writer
	label    string
	total    int64
	written  int64
	shown    int
	terminal bool
	start    time.Time
}

func newProgressBar(w io.Writer, label string, total int64) *progressBar {
	if w == nil {
		w = io.Discard
	}
	b := &progressBar{w: w, label: label, total: total, shown: -1, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.terminal = true
		}
	}
	b.draw()
	return b
}

func (b *progressBar) Write(p []byte) (int, error) {
	b.written += int64(len(p))
	b.draw()
	return len(p), nil
}

func (b *progressBar) percent() int {
	if b.total <= 0 {
		return 100
	}
	return int(b.written * 100 / b.total)
}

func (b *progressBar) draw() {
	pct := b.percent()
	step := pct
	if !b.terminal {
		step = pct / 10 * 10
	}
	if step == b.shown {
		return
	}
	b.shown = step
	const width = 30
	filled := width * pct / 100
	bar := ""
	for i := range width {
		if i < filled {
			bar += "#"
		} else {
			bar += "."
		}
	}
	line := fmt.Sprintf("%s [%s] %3d%% %s", b.label, bar, pct, time.Since(b.start).Round(time.Second))
	if b.terminal {
		fmt.Fprint(b.w, "\r"+line)
	} else {
		fmt.Fprintln(b.w, line)
	}
}

func (b *progressBar) done() {
	if b.terminal {
		fmt.Fprintln(b.w)
	}
}
