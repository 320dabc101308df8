package headless

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/chromedp"
)

// RendererRSS sums the resident memory of the browser's renderer
// processes, read from /proc (the browser runs on this machine).
func (t *Tab) RendererRSS() (int64, error) {
	procs, err := processes(t.Ctx)
	if err != nil {
		return 0, fmt.Errorf("renderer processes: %w", err)
	}
	var total int64
	for _, p := range procs {
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
