package check

import (
	"context"
	"fmt"
	"sync"

	"github.com/gorerun/loader/headless"
)

// browsers is the Chromium the workers share, started again when it dies.
type browsers struct {
	ctx context.Context

	mu       sync.Mutex
	current  *headless.Browser
	restarts int
}

func launchBrowser(ctx context.Context) (*browsers, error) {
	b, err := headless.Launch(ctx)
	if err != nil {
		return nil, &UsageError{fmt.Errorf("start Chromium: %w", err)}
	}
	return &browsers{ctx: ctx, current: b}, nil
}

func (bs *browsers) version() (string, error) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.current.Version()
}

// newTab opens a cold tab in the current browser, and which browser that
// is, to restart if it turns out dead.
func (bs *browsers) newTab() (*headless.Tab, *headless.Browser, error) {
	bs.mu.Lock()
	b := bs.current
	bs.mu.Unlock()
	tab, err := b.NewTab()
	return tab, b, err
}

// restart starts a new browser in place of dead, unless another worker
// did so already.
func (bs *browsers) restart(dead *headless.Browser) error {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.current != dead {
		return nil
	}
	dead.Close()
	b, err := headless.Launch(bs.ctx)
	if err != nil {
		return fmt.Errorf("start Chromium again: %w", err)
	}
	bs.current = b
	bs.restarts++
	return nil
}

func (bs *browsers) close() {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.current.Close()
}
