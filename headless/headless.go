// Package headless drives the real Rerun Viewer in headless Chromium: it
// launches Chromium with the flags a closed, GPU-less machine needs, opens
// cold tabs that record their console, drives widgets on the
// anywidget-style host page, and measures what a page costs. The
// `loader check` command ships it; the end-to-end tests and the benchmarks
// share it, with their pages and fixtures from internal/testpage.
package headless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/gorerun/loader/names"
)

// chromiumFlags are the flags every launch uses: chromedp's defaults
// (headless, after Puppeteer's: no background timers throttled, no
// extensions, colours in sRGB so screenshots compare across machines…),
// none dropped, and what this machine needs on top: no sandbox (the tests
// run as root, where Chromium's sandbox cannot start), WebGL through
// SwiftShader on a machine with no GPU, and quiet on a closed network
// (every start would otherwise try Google's hosts, and component updates
// and QUIC probes flood the refused network with connections).
var chromiumFlags = append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
	chromedp.NoSandbox,
	chromedp.DisableGPU,
	chromedp.Flag("enable-unsafe-swiftshader", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-quic", true),
	chromedp.WindowSize(1280, 900),
)

// FindChromium returns the Chromium binary: $CHROMIUM when set, else the
// first of the usual names on PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found (install Debian's chromium, or run `make test`, which does)")
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	ctx     context.Context // has the browser; derive tabs from it
	cancel  context.CancelFunc
	dataDir string
}

// Launch starts Chromium with a fresh user-data dir.
func Launch(ctx context.Context) (*Browser, error) {
	exe, err := FindChromium()
	if err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, err
	}
	opts := append(slices.Clone(chromiumFlags), chromedp.ExecPath(exe), chromedp.UserDataDir(dataDir))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("launch %s: %w", exe, err)
	}
	return &Browser{
		ctx: bctx,
		cancel: func() {
			cancelBrowser()
			cancelAlloc()
		},
		dataDir: dataDir,
	}, nil
}

// Version is the browser's product name and version.
func (b *Browser) Version() (string, error) {
	v, err := chromedp.Run(b.ctx, func(ctx context.Context, _ *chromedp.Target) (browser.GetVersionResult, error) {
		return cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.GetVersion, cdp.Empty{})
	})
	if err != nil {
		return "", fmt.Errorf("browser version: %w", err)
	}
	return v.Product, nil
}

// Alive reports whether the browser still answers.
func (b *Browser) Alive() bool {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, func(ctx context.Context, _ *chromedp.Target) (browser.GetVersionResult, error) {
		return cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.GetVersion, cdp.Empty{})
	})
	return err == nil
}

// ProfileDir is the browser's user-data directory.
func (b *Browser) ProfileDir() string { return b.dataDir }

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	os.RemoveAll(b.dataDir)
}

// Tab is one page in its own browser context (its own HTTP cache and
// storage), so every tab starts cold.
type Tab struct {
	Ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	done    chan struct{}
	// crashed is closed when the tab's renderer crashes.
	crashed chan struct{}

	pidMu sync.Mutex
	pid   int64 // of the renderer process, once found
}

// NewTab opens a tab in a new browser context and records its console.
func (b *Browser) NewTab() (*Tab, error) {
	return b.newTab(chromedp.WithNewBrowserContext())
}

// NewProfileTab opens a tab in the browser's own profile, whose HTTP cache
// is on disk like a user's: a new browser context keeps its cache in a
// small memory store that does not keep a 10 MB Viewer at all.
func (b *Browser) NewProfileTab() (*Tab, error) {
	return b.newTab()
}

func (b *Browser) newTab(opts ...chromedp.ContextOption) (*Tab, error) {
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("open tab: %w", err)
	}
	t := &Tab{Ctx: ctx, cancel: cancel, done: make(chan struct{}), crashed: make(chan struct{})}
	var crashOnce sync.Once
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*inspector.EventTargetCrashed); ok {
			crashOnce.Do(func() { close(t.crashed) })
		}
	}); err != nil {
		cancel()
		return nil, fmt.Errorf("watch the tab: %w", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(t.done)
		for m, err := range messages {
			if err != nil {
				return
			}
			t.mu.Lock()
			t.console = append(t.console, m)
			t.mu.Unlock()
		}
	}()
	return t, nil
}

// Crashed is closed when the tab's renderer process crashes (out of
// memory, killed, Page.crash): nothing on the page answers after that.
func (t *Tab) Crashed() <-chan struct{} { return t.crashed }

// Close closes the tab.
func (t *Tab) Close() {
	t.cancel()
	<-t.done
}

// Console returns what the page wrote to the console so far.
func (t *Tab) Console() []chromedp.ConsoleMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), t.console...)
}

// Errors returns the console errors, uncaught exceptions and unhandled
// rejections so far.
func (t *Tab) Errors() []chromedp.ConsoleMessage {
	var errs []chromedp.ConsoleMessage
	for _, m := range t.Console() {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			errs = append(errs, m)
		}
	}
	return errs
}

// Navigate loads url in the tab.
func (t *Tab) Navigate(url string) error {
	if err := chromedp.Do(t.Ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	return nil
}

// Open navigates to a host page and waits until window.host is there.
func (t *Tab) Open(url string) error {
	if err := t.Navigate(url); err != nil {
		return err
	}
	_, err := Eval[bool](t, `new Promise((resolve) => {
		const check = () => window.hostReady ? resolve(true) : setTimeout(check, 10);
		check();
	})`)
	return err
}

// Eval evaluates a JavaScript expression in the tab, awaiting a promise,
// and decodes its JSON value.
func Eval[T any](t *Tab, expr string) (T, error) {
	return chromedp.Run(t.Ctx, chromedp.Evaluate[T](expr, awaitPromise))
}

// EvalWithin is Eval that gives up after d: a page whose main thread is
// blocked never answers.
func EvalWithin[T any](t *Tab, d time.Duration, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(t.Ctx, d)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, awaitPromise))
	if err != nil && ctx.Err() == context.DeadlineExceeded && t.Ctx.Err() == nil {
		return v, fmt.Errorf("%w: the page did not answer for %v", ErrNoAnswer, d)
	}
	return v, err
}

// ErrNoAnswer is the error of a page that did not answer in time.
var ErrNoAnswer = errors.New("no answer")

func awaitPromise(p *runtime.EvaluateParams) {
	p.AwaitPromise = ptr(true)
}

func ptr[T any](v T) *T { return &v }

// Screenshot captures the tab's viewport as PNG.
func (t *Tab) Screenshot() ([]byte, error) {
	return chromedp.Run(t.Ctx, chromedp.CaptureScreenshot())
}

// ScreenshotOf captures the first element matching a CSS selector as PNG.
func (t *Tab) ScreenshotOf(selector string) ([]byte, error) {
	return chromedp.Run(t.Ctx, chromedp.Screenshot(chromedp.CSS(selector)))
}

// JS renders v as a JavaScript literal (JSON is a subset).
func JS(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("browsertest.JS(%T): %v", v, err))
	}
	return string(b)
}

// Deadline is how long one end-to-end step may take before a test gives
// up: the Viewer is 47 MB and CI machines are slow.
const Deadline = 2 * time.Minute

// Runtimes is a JavaScript expression for the page's registry of Go
// loader runtimes (a Map from build id to runtime record), for tests that
// look inside the loader.
const Runtimes = `globalThis[Symbol.for("` + names.RuntimeRegistry + `")]`
